// The callers check (checks/lock/callers.ts) keeps, across reviews, a few directories' helper tables
// (every function each file of the directory defines, with its calls). A kernel directory's table
// is megabytes (fs/btrfs of 6.1: 2,863 helpers), and four were kept by count alone, apart from
// limits.cacheBytes: on the daemon with the 6.1 tree, 12.5 MB outside the budget. They now stay
// within their share of it. Generated data: four directories of 600 helpers each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerCachesKept, forgetCallerScans } from '../../checks/lock/callers.js';
import { cacheShare } from '../../src/core/cache-shares.js';
import { heldHeap } from '../helpers/collect.js';
import { TestRepo } from '../helpers/git-repo.js';
import { lockReviewLast } from '../helpers/lock-range.js';

const DIRS = 4;
const FILES = 4;
const HELPERS = 150;
const CACHE_BYTES = 2 << 20;

const helpers = (d: number, f: number): string =>
  Array.from(
    { length: HELPERS },
    (_, k) => `int demo${d}_helper_of_file_${f}_number_${k}(struct demo *d)\n{\n\tdemo${d}_inner_call_${k}(d, d->counter_of_calls, d->other_argument);\n\tif (d->flag)\n\t\tanother_call_with_a_long_name(d, ${k});\n\treturn 0;\n}\n`,
  ).join('\n');
const work = (d: number, calls: boolean): string => `#include "demo.h"

int demo${d}_work(struct demo *d)
{
	d->n++;${calls ? `\n\tdemo${d}_helper_of_file_0_number_0(d);` : ''}
	return 0;
}
`;

let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  const files: Record<string, string> = {};
  for (let d = 0; d < DIRS; d++) {
    files[`fs/d${d}/work.c`] = work(d, false);
    for (let f = 0; f < FILES; f++) files[`fs/d${d}/helpers${f}.c`] = helpers(d, f);
  }
  repo.commit('base\n', { files });
  // One commit per directory: its work function comes to call one of its helpers.
  for (let d = 0; d < DIRS; d++) repo.commit(`d${d}: call a helper\n`, { files: { [`fs/d${d}/work.c`]: work(d, true) } });
});
afterAll(() => repo.remove());

const review = (n: number): Promise<void> => lockReviewLast(repo.dir, n, CACHE_BYTES);

/** The held heap the callers check's caches give back when emptied. */
function callerCachesHeld(): number {
  const before = heldHeap();
  forgetCallerScans();
  return before - heldHeap();
}

describe("the callers check's directory tables", { timeout: 300_000 }, () => {
  it('stay within their share of limits.cacheBytes, not four whatever their size', async () => {
    forgetCallerScans();
    await review(1);
    const one = callerCachesHeld();
    await review(DIRS);
    const all = callerCachesHeld();
    // Four tables held by count were four times one; within the share (smaller than one table
    // here), only the newest stays, with the scans' own share.
    expect(one).toBeGreaterThan(200_000);
    expect(all).toBeLessThan(2 * one);
    expect(callerCachesKept().dirs.count).toBe(0);
  });

  it('count what they keep within the shares', async () => {
    forgetCallerScans();
    await review(DIRS);
    const kept = callerCachesKept();
    expect(kept.dirs.count).toBe(1);
    expect(kept.scans.bytes).toBeLessThanOrEqual(cacheShare('callerScans', CACHE_BYTES));
  });
});
