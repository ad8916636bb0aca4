// The callers by name of a directory's own files (src/c/summaries.ts, sharedCalls), kept for the
// next summary indexes of that directory. Four were kept by count, each holding a whole directory's
// facts and callers, apart from limits.cacheBytes (the summary indexes that used them are counted
// and dropped within their share; these outlived them). Generated data: four directories of 600
// functions each, reviewed with cacheBytes at 1 MiB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { clearFactsMemory, setFactsMemoryBudget } from '../../src/c/summaries.js';
import { heldHeap } from '../helpers/collect.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { lockReviewLast, repoOfDirectories } from '../helpers/lock-range.js';

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
  // One commit per directory: a long range walks through them all.
  repo = repoOfDirectories(DIRS, FILES, file);
});
afterAll(() => {
  repo.remove();
  setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
  clearFactsMemory();
});

const review = (n: number): Promise<void> => lockReviewLast(repo.dir, n, CACHE_BYTES);

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
