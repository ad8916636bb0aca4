// Where each source stopped reading, and which public-inbox blobs were already read.
import type { Db } from './open-state.js';

export class CursorStore {
  private readonly getStmt;
  private readonly setStmt;
  private readonly blobHas;
  private readonly blobAdd;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare(`SELECT value FROM cursors WHERE source = ?`).pluck();
    this.setStmt = db.prepare(`INSERT INTO cursors (source, value) VALUES (?, ?) ON CONFLICT(source) DO UPDATE SET value = excluded.value`);
    this.blobHas = db.prepare(`SELECT 1 FROM seen_blobs WHERE blob = ?`).pluck();
    this.blobAdd = db.prepare(`INSERT OR IGNORE INTO seen_blobs (blob) VALUES (?)`);
  }

  get(source: string): string | null {
    return (this.getStmt.get(source) as string | undefined) ?? null;
  }

  set(source: string, value: string): void {
    this.setStmt.run(source, value);
  }

  hasBlob(blob: string): boolean {
    return this.blobHas.get(blob) !== undefined;
  }

  addBlob(blob: string): void {
    this.blobAdd.run(blob);
  }

  /** Runs `fn` in one transaction (a batch of messages and the cursor that follows them commit together). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
