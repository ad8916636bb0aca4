// Opens (and creates) the daemon's SQLite state file: WAL, a busy timeout, the schema applied.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KreviewError } from '../core/types.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

export function openState(path: string): Db {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    throw new KreviewError(`cannot open state database ${path}: ${(e as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  // Another process (kreview ingest from the MTA) may hold the write lock briefly.
  db.pragma('busy_timeout = 5000');
  // FULL: a reply marked sent must stay marked after a power loss, or it goes twice.
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA_SQL);
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
  if (!row) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(String(SCHEMA_VERSION));
  else if (Number(row.value) !== SCHEMA_VERSION) {
    db.close();
    throw new KreviewError(`state database ${path} has schema ${row.value}, this kreview knows ${SCHEMA_VERSION}`);
  }
  return db;
}
