// The callers by name of a directory's own files (src/c/summaries.ts, sharedCalls), kept for the
// next summary indexes of that directory. Four were kept by count, each holding a whole directory's
// facts and callers, apart from limits.cacheBytes (the summary indexes that used them are counted
// and dropped within their share; these outlived them). Generated data: four directories of 600
// functions each, reviewed with cacheBytes at 1 MiB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { Patch, Series } from '../../src/core/types.js';
import { clearFactsMemory, setFactsMemoryBudget } from '../../src/c/summaries.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { heldHeap } from '../helpers/collect.js';
import { TestRepo } from '../helpers/git-repo.js';

const DIRS = 4;
const FILES = 4;
const FUNCTIONS = 150;
const CACHE_BYTES = 1 << 20;

const file = (d: number, f: number, v = 0): string =>
  Array.from(
    { length: FUNCTIONS },
    (_, k) =>
      `int demo${d}_function_of_file_${f}_number_${k}(struct demo *d, spinlock_t *l)\n{\n\tspin_lock(l);\n\tdemo${d}_function_of_file_${f}_number_${(k + 1) % FUNCTIONS}(d, l);\n\tspin_unlock(l);\n\treturn ${k + 1000 * v};\n}\n`,
  ).join('\n');

let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  const files: Record<string, string> = {};
  for (let d = 0; d < DIRS; d++) for (let f = 0; f < FILES; f++) files[`fs/d${d}/f${f}.c`] = file(d, f);
  repo.commit('base\n', { files });
  for (let d = 0; d < DIRS; d++) repo.commit(`d${d}: change\n`, { files: { [`fs/d${d}/f0.c`]: file(d, 0, 1) } });
});
afterAll(() => {
  repo.remove();
  setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
  clearFactsMemory();
});

async function review(n: number): Promise<void> {
  const patches: Patch[] = [];
  for await (const p of readRange(repo.dir, [`HEAD~${n}..HEAD`])) patches.push(p);
  const history = await openHistory(repo.dir);
  const config = defaultConfig();
  config.limits = { ...config.limits, cacheBytes: CACHE_BYTES };
  try {
    for (const patch of patches) {
      const workspace = await createWorkspace(patch, { repo: repo.dir, history });
      const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      await lockCheck.run({ patch, series, workspace, config });
    }
  } finally {
    await history.close();
  }
}

describe("a directory's callers kept for its next summary indexes", { timeout: 300_000 }, () => {
  it('stay within the budget: four directories hold little more than one', async () => {
    clearFactsMemory();
    await review(1);
    const one = heldHeap();
    await review(DIRS);
    const all = heldHeap();
    // Old code: 2.8 MB more (four directories' facts and callers kept by count); now 1.2 MB, the caches' budget filling.
    expect(all - one).toBeLessThan(2 << 20);
  });
});
