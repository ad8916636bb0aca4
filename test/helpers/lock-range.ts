// The lock check over the last commits of a test repository, one commit at a time, as a range
// review runs it, with limits.cacheBytes set: what the memory tests of its caches review.
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from './git-repo.js';

/** Reviews HEAD~n..HEAD of `repoDir` with the lock check alone, commit by commit. */
export async function lockReviewLast(repoDir: string, n: number, cacheBytes: number): Promise<void> {
  const patches: Patch[] = [];
  for await (const p of readRange(repoDir, [`HEAD~${n}..HEAD`])) patches.push(p);
  const history = await openHistory(repoDir);
  const config = defaultConfig();
  config.limits = { ...config.limits, cacheBytes };
  try {
    for (const patch of patches) {
      const workspace = await createWorkspace(patch, { repo: repoDir, history });
      const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      await lockCheck.run({ patch, series, workspace, config });
    }
  } finally {
    await history.close();
  }
}

/**
 * A test repository of `dirs` directories `fs/d<d>/` of `files` C files each (`file(d, f, 0)`), then
 * one commit per directory that changes its `f0.c` (`file(d, 0, 1)`): a range that walks through
 * every directory once.
 */
export function repoOfDirectories(dirs: number, files: number, file: (d: number, f: number, v: number) => string): TestRepo {
  const repo = new TestRepo();
  const all: Record<string, string> = {};
  for (let d = 0; d < dirs; d++) for (let f = 0; f < files; f++) all[`fs/d${d}/f${f}.c`] = file(d, f, 0);
  repo.commit('base\n', { files: all });
  for (let d = 0; d < dirs; d++) repo.commit(`d${d}: change\n`, { files: { [`fs/d${d}/f0.c`]: file(d, 0, 1) } });
  return repo;
}
