// Opens (and creates) the daemon's SQLite state file: WAL, a busy timeout, the schema applied, and
// a write lock taken once, so that a read-only, damaged or locked file is refused at start-up with
// one line rather than on the first write. StateFile notices a file deleted or replaced under a
// running daemon, which would otherwise go on writing to a file nobody will ever open again.
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { enterWal } from '../core/sqlite-wal.js';
import { KreviewError } from '../core/types.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { StateError, stateError } from './state-errors.js';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per connection: the daemon runs the same few statements for
 * every series of a backlog, and compiling one costs more than running it.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let st = byText.get(sql);
  if (!st) byText.set(sql, (st = db.prepare(sql)));
  return st;
}

export function openState(path: string): Db {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    throw stateError(e, path) ?? new KreviewError(`cannot open state database ${path}: ${(e as Error).message}`);
  }
  try {
    enterWal(db);
    // Another process (kreview ingest from the MTA) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    // FULL: a reply marked sent must stay marked after a power loss, or it goes twice.
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA_SQL);
    // The daemon writes on every tick: take the write lock once now, so a file that is read-only
    // or held by another process is refused here.
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (e) {
    db.close();
    throw stateError(e, path) ?? e;
  }
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
  if (!row) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(String(SCHEMA_VERSION));
  else if (Number(row.value) !== SCHEMA_VERSION) {
    db.close();
    throw new KreviewError(`state database ${path} has schema ${row.value}, this kreview knows ${SCHEMA_VERSION}`);
  }
  return db;
}

/** The identity of the state file a daemon opened; check() says when it is no longer that file. */
export class StateFile {
  private readonly id: string | null;

  constructor(readonly path: string) {
    this.id = path === ':memory:' ? null : StateFile.identity(path);
  }

  private static identity(path: string): string | null {
    try {
      const s = statSync(path);
      return `${s.dev}:${s.ino}`;
    } catch {
      return null;
    }
  }

  /** Throws a StateError when the file was deleted or replaced since it was opened. */
  check(): void {
    if (this.id === null) return;
    const now = StateFile.identity(this.path);
    if (now === this.id) return;
    const how = now === null ? 'was deleted' : 'was replaced by another file';
    throw new StateError(`state database ${this.path} ${how} while kreview ran: stopping before anything is written to the old one (put it back, or restart to begin a new state)`);
  }
}

/**
 * Runs `fn` as one transaction committed without waiting for the disk (synchronous = NORMAL), for
 * the daemon's own bookkeeping: messages taken in, series states, replies queued. In WAL mode such
 * a commit survives a killed process; a power loss may undo it, and then the work is simply done
 * again (messages re-read by Message-ID, a series reviewed again with the same reply ids). What
 * must survive a power loss, a reply claimed or marked sent, is committed at the connection's
 * FULL level; WAL keeps commits in order, so that FULL commit also makes everything before it durable.
 * A FULL commit cost 4-7 ms of wall time here against 0.3 ms, on every series of a backlog.
 * Inside a transaction already open, `fn` simply joins it.
 */
export function relaxedTransaction<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn();
  prepared(db, 'PRAGMA synchronous = NORMAL').run();
  try {
    return db.transaction(fn)();
  } finally {
    prepared(db, 'PRAGMA synchronous = FULL').run();
  }
}
