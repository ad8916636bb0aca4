// Reachable sets seeded from an ancestor's cached set must still include what a merge brings in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
afterAll(() => repo.remove());

describe('ancestry answered from an ancestor\'s cached set', () => {
  it('is exact through merges, in any order of questions', async () => {
    const a = repo.commit('a', { files: { f: '1' } });
    repo.git('checkout', '-q', '-b', 'side');
    const s = repo.commit('side work', { files: { s: '1' } });
    repo.git('checkout', '-q', 'master');
    const m1 = repo.commit('main 1', { files: { f: '2' } });
    repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    const mg = repo.head();
    const m2 = repo.commit('main 2', { files: { f: '3' } });
    repo.git('checkout', '-q', '-b', 'other', a);
    const o = repo.commit('unmerged', { files: { o: '1' } });
    repo.git('checkout', '-q', 'master');

    const h = await openHistory(repo.dir, { cacheDir: mkdtempSync(join(tmpdir(), 'kreview-anc-')) });
    try {
      // Cache a's and m1's sets first: later bases are seeded from them.
      expect(await h.isAncestor(a, a)).toBe(true);
      expect(await h.isAncestor(s, m1)).toBe(false);
      // m2's set is seeded from m1's (two first-parent steps up): the merge's side must be walked.
      expect(await h.isAncestor(s, m2)).toBe(true);
      expect(await h.isAncestor(s, mg)).toBe(true);
      expect(await h.isAncestor(m1, m2)).toBe(true);
      expect(await h.isAncestor(o, m2)).toBe(false);
      expect(await h.isAncestor(m2, mg)).toBe(false);
      expect(await h.isAncestor(a, o)).toBe(true);
      expect(await h.isAncestor(m1, o)).toBe(false);
    } finally {
      await h.close();
    }
  });
});
