// History.blame keeps its answers with the history index: a second review of the same commits
// (a History opened again on the same cache) is answered without running git blame.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import { KreviewError } from '../../src/core/types.js';

const repo = new TestRepo();
const cache = mkdtempSync(join(tmpdir(), 'kreview-blame-cache-'));
const other = mkdtempSync(join(tmpdir(), 'kreview-blame-other-'));

afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

/** Remove a loose object: git can no longer read the file at that commit, so blame fails. */
function dropObject(id: string): void {
  rmSync(join(repo.dir, '.git', 'objects', id.slice(0, 2), id.slice(2)));
}

describe('blame answers kept with the index', () => {
  it('a History opened again answers from the cache; the same question by name, or on another cache, asks git', async () => {
    const first = repo.commit('lib: add\n', { files: { 'lib/a.c': 'one\ntwo\nthree\n' } });
    const second = repo.commit('lib: change two\n', { files: { 'lib/a.c': 'one\nTWO\nthree\n' } });
    const h1 = await openHistory(repo.dir, { cacheDir: cache });
    try {
      expect(await h1.blame(second, 'lib/a.c', [[1, 1], [2, 2]])).toEqual(expect.arrayContaining([first, second]));
      expect(await h1.blame(second, 'lib/a.c', [[3, 9]])).toEqual([first]);
    } finally {
      await h1.close();
    }
    dropObject(repo.git('rev-parse', `${second}:lib/a.c`));

    const h2 = await openHistory(repo.dir, { cacheDir: cache });
    try {
      expect((await h2.blame(second, 'lib/a.c', [[1, 1], [2, 2]])).sort()).toEqual([first, second].sort());
      expect(await h2.blame(second, 'lib/a.c', [[3, 9]])).toEqual([first]);
      // A branch name can move: its answer is never kept, so git is asked (and now fails).
      await expect(h2.blame('HEAD', 'lib/a.c', [[3, 9]])).rejects.toThrow(KreviewError);
      // Other lines were never asked: git again.
      await expect(h2.blame(second, 'lib/a.c', [[2, 3]])).rejects.toThrow(KreviewError);
    } finally {
      await h2.close();
    }
    const h3 = await openHistory(repo.dir, { cacheDir: other });
    try {
      await expect(h3.blame(second, 'lib/a.c', [[3, 9]])).rejects.toThrow(KreviewError);
    } finally {
      await h3.close();
    }
  });
});
