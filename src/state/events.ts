// The daemon's warnings and errors, kept in the state as they happen, so that `kreview watch
// --status` shows them and a pass killed halfway does not lose them. Only the newest are kept.
import type { Db } from './open-state.js';

export type EventKind = 'warning' | 'error';

export interface StateEvent {
  at: number;
  kind: EventKind;
  text: string;
}

const KEEP = 1000;

export class EventLog {
  private readonly addStmt;
  private readonly trimStmt;

  constructor(private readonly db: Db) {
    this.addStmt = db.prepare(`INSERT INTO events (at, kind, text) VALUES (?, ?, ?)`);
    this.trimStmt = db.prepare(`DELETE FROM events WHERE id <= ?`);
  }

  add(kind: EventKind, text: string, at: number): void {
    const id = Number(this.addStmt.run(at, kind, text).lastInsertRowid);
    if (id % 100 === 0) this.trimStmt.run(id - KEEP);
  }

  recent(limit = 20): StateEvent[] {
    return this.db.prepare(`SELECT at, kind, text FROM events ORDER BY id DESC LIMIT ?`).all(limit) as StateEvent[];
  }
}
