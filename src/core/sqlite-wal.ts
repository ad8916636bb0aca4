// Every SQLite file kreview shares between processes (the history index, the state, the job queue,
// the write budget) runs in WAL mode. Setting it is the one statement that does not wait for a busy
// database: SQLite answers SQLITE_BUSY at once, without asking the busy handler, when another
// connection holds a lock on a file that is being switched, which is what two processes creating
// the same file at once do (two reviews indexing a new repository: one failed with "database is
// locked"). So it is asked again, a few milliseconds apart, until `waitMs` has passed.
import type Database from 'better-sqlite3';

const PAUSE_MS = 10;

/** `PRAGMA journal_mode = WAL`, asked again while the database is busy, for at most `waitMs`. */
export function enterWal(db: Database.Database, waitMs = 5_000): void {
  const until = Date.now() + waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw e;
      Atomics.wait(pause, 0, 0, PAUSE_MS);
    }
  }
}
