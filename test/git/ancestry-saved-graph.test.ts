// The commit graph a History builds from its index rows is saved with the index (one blob) and read
// whole by the next run at the same size: the answers must be git's either way, a graph saved for
// other rows (more commits since, or an index built again) must not be used, and a graph read back
// must still grow with new commits. The row ids a whole-history review reads in bulk are kept the
// same way.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryIndex } from '../../src/git/history-index.js';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
const cache = mkdtempSync(join(tmpdir(), 'kreview-saved-graph-'));
afterAll(() => repo.remove());

/** main: 6 commits; side: 3 from main's 2nd, merged back after main's 6th. */
function build(): string[] {
  const main: string[] = [];
  for (let i = 0; i < 6; i++) main.push(repo.commit(`main ${i}\n`, { files: { 'a.txt': `${i}\n` } }));
  repo.git('checkout', '-q', '-b', 'side', main[1]);
  const side: string[] = [];
  for (let i = 0; i < 3; i++) side.push(repo.commit(`side ${i}\n`, { files: { 'b.txt': `${i}\n` } }));
  repo.git('checkout', '-q', '-');
  repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  return [...main, ...side, repo.head()];
}

/** git's answer for every ordered pair, and History's. */
async function answers(commits: string[]): Promise<{ want: string[]; got: string[] }> {
  const want: string[] = [];
  const got: string[] = [];
  const h = await openHistory(repo.dir, { cacheDir: cache });
  try {
    for (const a of commits)
      for (const d of commits) {
        let anc = true;
        try {
          repo.git('merge-base', '--is-ancestor', a, d);
        } catch {
          anc = false;
        }
        want.push(`${a} ${d} ${anc}`);
        got.push(`${a} ${d} ${await h.isAncestor(a, d)}`);
      }
  } finally {
    await h.close();
  }
  return { want, got };
}

function graphRows(): { max: number; last: string }[] {
  const file = readdirSync(cache).find((f) => f.endsWith('.sqlite'))!;
  const db = new Database(join(cache, file));
  try {
    return db.prepare('SELECT max, last FROM graph').all() as { max: number; last: string }[];
  } finally {
    db.close();
  }
}

describe('the saved commit graph', () => {
  it('is saved by the first run, read by the next, and never used for other rows', async () => {
    const commits = build();
    const first = await answers(commits);
    expect(first.got).toEqual(first.want);
    // One graph, for all the rows the first run saw.
    const saved = graphRows();
    expect(saved).toHaveLength(1);
    expect(saved[0].last).toMatch(/^[0-9a-f]{40}$/);

    // The next run reads it: the same answers.
    const second = await answers(commits);
    expect(second.got).toEqual(second.want);

    // New commits: the graph of the old size is not the graph of the new rows; the answers cover them.
    repo.git('checkout', '-q', '-b', 'late', commits[3]);
    const late = repo.commit('late 0\n', { files: { 'c.txt': '0\n' } });
    repo.git('checkout', '-q', '-');
    const more = [...commits, late];
    const third = await answers(more);
    expect(third.got).toEqual(third.want);
    expect(graphRows()[0].max).toBeGreaterThan(saved[0].max);

    // A graph saved for other rows of the same size (an index built again in another order) is not
    // read: here every commit is made a root, which would answer "no" to every ancestry.
    const file = readdirSync(cache).find((f) => f.endsWith('.sqlite'))!;
    const db = new Database(join(cache, file));
    const { max } = db.prepare('SELECT max FROM graph').get() as { max: number };
    db.prepare('UPDATE graph SET last = ?, offsets = ?, parents = ?').run('0'.repeat(40), Buffer.alloc(4 * (max + 2)), Buffer.alloc(0));
    db.close();
    const fourth = await answers(more);
    expect(fourth.got).toEqual(fourth.want);
  }, 120_000);
});

describe('the saved row ids', () => {
  it('answer idOf as the rows do, and are not used for other rows', async () => {
    const dir = new TestRepo();
    try {
      const commits: string[] = [];
      for (let i = 0; i < 5; i++) commits.push(dir.commit(`c ${i}\n`, { files: { 'a.txt': `${i}\n` } }));
      const ids = mkdtempSync(join(tmpdir(), 'kreview-saved-ids-'));
      const gitDir = realpathSync(join(dir.dir, '.git'));
      // Past BULK_AFTER questions that miss, the whole table is read (and, complete, saved).
      const run = async (): Promise<(number | null)[]> => {
        const index = HistoryIndex.open(dir.dir, gitDir, ids);
        try {
          await index.update();
          for (let i = 0; i < 2_100; i++) index.idOf(i.toString(16).padStart(40, 'e'));
          return commits.map((c) => index.idOf(c));
        } finally {
          index.close();
        }
      };
      const first = await run();
      expect(first.every((id) => typeof id === 'number')).toBe(true);
      const db = () => new Database(join(ids, readdirSync(ids).find((f) => f.endsWith('.sqlite'))!));
      const d1 = db();
      expect((d1.prepare('SELECT max FROM row_oids').get() as { max: number }).max).toBe(commits.length);
      d1.close();
      expect(await run()).toEqual(first);
      // Saved for other rows of the same size: not read (here every id would be another commit's).
      const d2 = db();
      const rotated = [...commits.slice(1), commits[0]].join('');
      d2.prepare('UPDATE row_oids SET last = ?, oids = ?').run('0'.repeat(40), rotated);
      d2.close();
      expect(await run()).toEqual(first);
    } finally {
      dir.remove();
    }
  }, 120_000);
});

describe('saving the graph', () => {
  it('does not wait for another process writing the index', async () => {
    const dir = new TestRepo();
    try {
      const a = dir.commit('a\n', { files: { 'a.txt': 'a\n' } });
      const b = dir.commit('b\n', { files: { 'a.txt': 'b\n' } });
      const own = mkdtempSync(join(tmpdir(), 'kreview-busy-graph-'));
      const h = await openHistory(dir.dir, { cacheDir: own });
      // Another process holds the write lock while this History builds its graph (and would save it).
      const other = new Database(join(own, readdirSync(own).find((f) => f.endsWith('.sqlite'))!));
      other.exec('BEGIN IMMEDIATE');
      try {
        const t0 = Date.now();
        expect(await h.isAncestor(a, b)).toBe(true);
        expect(await h.isAncestor(b, a)).toBe(false);
        // The index's own writes wait up to 30 s; a shortcut for the next run is not worth waiting for.
        expect(Date.now() - t0).toBeLessThan(10_000);
      } finally {
        other.exec('ROLLBACK');
        other.close();
        await h.close();
      }
    } finally {
      dir.remove();
    }
  }, 120_000);
});
