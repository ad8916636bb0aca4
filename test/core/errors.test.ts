// One-line messages for errors kreview did not throw itself: SQLite's, from a real database file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/core/errors.js';

describe('errorMessage on SQLite errors', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  function thrown(fn: () => unknown): unknown {
    try { fn(); } catch (e) { return e; }
    throw new Error('expected a throw');
  }

  it('says a locked database is another process holding it past the wait, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-errors-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (x)');
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    holder.exec('BEGIN EXCLUSIVE');
    const e = thrown(() => other.exec('INSERT INTO t VALUES (1)'));
    holder.exec('ROLLBACK');
    holder.close(); other.close();
    const line = errorMessage(e);
    expect(line).not.toMatch(/^SqliteError/);
    expect(line).toContain('database is locked');
    expect(line).toContain('another process');
    expect(line).toContain('same state or cache');
    expect(line).not.toContain('\n');
  });

  it('names other SQLite errors as SQLite\'s, with their code', () => {
    const db = new Database(':memory:');
    const e = thrown(() => db.exec('SELECT * FROM missing_table'));
    db.close();
    expect(errorMessage(e)).toBe('SQLite: no such table: missing_table (SQLITE_ERROR)');
  });

  it('leaves other errors as they were', () => {
    expect(errorMessage(new TypeError('x is not a function'))).toBe('TypeError: x is not a function');
    expect(errorMessage(new Error('plain'))).toBe('plain');
  });
});
