// The lock check over the last commits of a test repository, one commit at a time, as a range
// review runs it, with limits.cacheBytes set: what the memory tests of its caches review.
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';

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
