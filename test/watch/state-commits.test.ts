// The daemon's bookkeeping commits without waiting for the disk; what must survive a power loss
// (a reply claimed or sent) keeps the connection's FULL level. A FULL commit cost 4-7 ms of wall
// time on this machine, twice per series of a backlog.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState, relaxedTransaction, type Db } from '../../src/state/open-state.js';
import { MessageStore } from '../../src/state/messages.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function state(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-commits-'));
  dirs.push(dir);
  const db = openState(join(dir, 'state.db'));
  dbs.push(db);
  return db;
}

const level = (db: Db): number => db.pragma('synchronous', { simple: true }) as number;
const FULL = 2;
const NORMAL = 1;

/** The synchronous level of every transaction the store commits (read inside it, as the commit will use it). */
function levelsOf(db: Db, run: () => void): number[] {
  const seen: number[] = [];
  const real = db.transaction.bind(db);
  db.transaction = ((fn: (...a: unknown[]) => unknown) =>
    real((...a: unknown[]) => {
      seen.push(level(db));
      return fn(...a);
    })) as Db['transaction'];
  try {
    run();
  } finally {
    db.transaction = real;
  }
  return seen;
}

describe('state commits', () => {
  it('opens at FULL: a reply marked sent survives a power loss', () => {
    expect(level(state())).toBe(FULL);
  });

  it('a relaxed transaction commits at NORMAL and leaves the connection at FULL, also when it throws', () => {
    const db = state();
    expect(relaxedTransaction(db, () => level(db))).toBe(NORMAL);
    expect(level(db)).toBe(FULL);
    expect(() => relaxedTransaction(db, () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(level(db)).toBe(FULL);
  });

  it('inside an open transaction it joins it (the level cannot change there)', () => {
    const db = state();
    const inner = db.transaction(() => relaxedTransaction(db, () => level(db)))();
    expect(inner).toBe(FULL);
  });

  it('messages taken in and moved between states commit relaxed', () => {
    const db = state();
    const store = new MessageStore(db);
    const taken = levelsOf(db, () => store.addMany([{ id: 'a@example.org', source: 'test', at: 1, kind: 'other', lists: [] }]));
    const moved = levelsOf(db, () => store.setState(['a@example.org'], 'done'));
    expect([...taken, ...moved]).toEqual([NORMAL, NORMAL]);
    expect(level(db)).toBe(FULL);
  });
});
