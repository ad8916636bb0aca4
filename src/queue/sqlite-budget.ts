// The per-installation write caps of content-queue.ts shared by `kreview serve` and the worker
// process it starts, through the SQLite queue file they already share: serve puts check runs "in
// progress", the worker completes them and posts reviews, and GitHub counts both against one
// installation. Without it each process kept its own window, together up to twice the caps.
// One machine, so one clock: the window is a table of call times, checked and taken in one
// immediate transaction. The transaction is synchronous, so it never waits on the other process's
// lock inside SQLite (a busy timeout there would stop serve's event loop, and every webhook with
// it, for as long as it waits): a busy file is tried again after a short timer instead.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitForSlot, type ContentQueueOptions, type WriteBudget } from '../app/content-queue.js';
import { enterWal } from '../core/sqlite-wal.js';

type Caps = Pick<ContentQueueOptions, 'spacingMs' | 'perMinute' | 'perHour'>;

/** How long SQLite itself may wait for the other process's lock: the event loop is blocked meanwhile. */
const BUSY_SPIN_MS = 5;
/** Timer between tries of a busy file, and how long to keep trying before giving up on the shared window. */
const RETRY_MS = 15;
const GIVE_UP_MS = 5_000;

const isBusy = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

export class SqliteWriteBudget implements WriteBudget {
  private readonly db: Database.Database;
  private readonly takeTx: (installationId: number, caps: Caps, now: number) => number;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    enterWal(this.db);
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${BUSY_SPIN_MS}`);
    this.db.exec('CREATE TABLE IF NOT EXISTS writes (installation INTEGER NOT NULL, at INTEGER NOT NULL); CREATE INDEX IF NOT EXISTS writes_at ON writes (installation, at);');
    const forget = this.db.prepare('DELETE FROM writes WHERE installation = ? AND at <= ?');
    const sent = this.db.prepare('SELECT at FROM writes WHERE installation = ? ORDER BY at').pluck();
    const add = this.db.prepare('INSERT INTO writes (installation, at) VALUES (?, ?)');
    const tx = this.db.transaction((installationId: number, caps: Caps, now: number) => {
      forget.run(installationId, now - 3_600_000);
      const wait = waitForSlot(sent.all(installationId) as number[], now, caps);
      if (wait <= 0) add.run(installationId, now);
      return wait;
    });
    // Immediate: the other process cannot read the window between this one's check and its insert.
    this.takeTx = (id, caps, now) => tx.immediate(id, caps, now);
  }

  /**
   * A slot for one installation: 0 when taken, else how long to wait before asking again. Past
   * GIVE_UP_MS of a busy file the error goes to the caller, whose own caps then hold (as when
   * Redis is down).
   */
  forInstallation(installationId: number): (caps: Caps) => Promise<number> {
    return async (caps) => {
      const start = Date.now();
      for (;;) {
        try {
          return Math.max(0, this.takeTx(installationId, caps, Date.now()));
        } catch (e) {
          if (!isBusy(e) || Date.now() - start >= GIVE_UP_MS) throw e;
        }
        await new Promise((r) => setTimeout(r, RETRY_MS + Math.floor(Math.random() * RETRY_MS)));
      }
    };
  }

  close(): void {
    this.db.close();
  }
}
