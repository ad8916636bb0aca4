// A range reviewed on two threads (`kreview review --review-threads 2`): each commit's review is
// the one a single thread makes, handed back in commit order, with a bounded number of commits
// between the oldest not yet handed back and the newest read; the worker thread does its share.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReview } from '../../src/cli/review-command.js';
import { defaultConfig } from '../../src/core/config.js';
import type { PatchReview } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { reviewCommits } from '../../src/review/pipeline.js';
import { WINDOW, type ThreadStats } from '../../src/review/range-threads.js';
import { renderJson } from '../../src/review/render-json.js';
import { readRange } from '../../src/sources/git-range.js';
import { toolVersion } from '../../src/cli/version.js';
import { TestRepo } from '../helpers/git-repo.js';

const COMMITS = 40;
let repo: TestRepo;
let base: string;

/**
 * Two C files changed in turn; every third commit of a file sleeps under its spinlock (a lock
 * finding, which loads the commit's diff), every fifth commit names a wrong subject in Fixes:.
 */
const file = (name: string, i: number): string =>
  `#include <linux/spinlock.h>\n#include <linux/delay.h>\n\nstatic DEFINE_SPINLOCK(${name}_lock);\n\nint ${name}_step(int *x)\n{\n\tspin_lock(&${name}_lock);\n${Array.from({ length: i + 1 }, (_, k) => `\t*x += ${k};\n`).join('')}${i % 3 === 0 ? '\tmsleep(1);\n' : ''}\tspin_unlock(&${name}_lock);\n\treturn 0;\n}\n`;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit('fs: add steps\n\nSigned-off-by: A <a@example.org>\n', { files: { 'fs/a.c': file('a', 1), 'fs/b.c': file('b', 1), 'README': 'steps\n' } });
  for (let i = 1; i <= COMMITS; i++) {
    const fixes = i % 5 === 0 ? `Fixes: ${base.slice(0, 12)} ("fs: a wrong subject")\n` : '';
    // Every seventh commit changes no C file: the lock check has nothing to read there.
    const files: Record<string, string> = i % 7 === 0 ? { README: `steps ${i}\n` } : i % 2 ? { 'fs/a.c': file('a', i + 1) } : { 'fs/b.c': file('b', i + 1) };
    repo.commit(`fs: step ${i}\n\n${fixes}Signed-off-by: A <a@example.org>\n`, { files });
  }
});

afterAll(() => repo.remove());

async function review(threads: number, stats?: ThreadStats, threadScript?: string): Promise<PatchReview[]> {
  const history = await openHistory(repo.dir);
  try {
    const out: PatchReview[] = [];
    for await (const pr of reviewCommits(readRange(repo.dir, [`${base}..HEAD`]), { repo: repo.dir, config: defaultConfig(), history, threads, threadStats: stats, threadScript })) out.push(pr);
    return out;
  } finally {
    await history.close();
  }
}

describe('a range on two threads', { timeout: 300_000 }, () => {
  it('gives each commit the review one thread gives it, in commit order, the worker reviewing its share', async () => {
    const one = await review(1);
    const stats: ThreadStats = { reviewed: [], mostWaiting: 0 };
    const two = await review(2, stats);
    expect(two.map((r) => r.patch.subject)).toEqual(Array.from({ length: COMMITS }, (_, i) => `fs: step ${i + 1}`));
    expect(two).toEqual(one);
    // The fixture says something: lock findings (their diffs loaded and sent back) and Fixes: findings.
    expect(one.some((r) => r.findings.some((f) => f.id.startsWith('lock/')) && r.patch.files.length > 0)).toBe(true);
    expect(one.some((r) => r.findings.some((f) => f.id.startsWith('fixes/')))).toBe(true);
    expect(stats.reviewed).toHaveLength(2);
    expect(stats.reviewed[0] + stats.reviewed[1]).toBe(COMMITS);
    expect(stats.reviewed[1]).toBeGreaterThan(0);
    expect(stats.reviewed[0]).toBeGreaterThan(0);
    expect(stats.mostWaiting).toBeGreaterThan(0);
    expect(stats.mostWaiting).toBeLessThanOrEqual(WINDOW);
  });

  it('reviews on this thread what a thread that ended never answered', async () => {
    const one = await review(1);
    // A worker that takes a few commits and ends without answering any.
    const script = `const { parentPort } = require('node:worker_threads'); let n = 0; parentPort.on('message', () => { if (++n === 3) process.exit(3); });`;
    const stats: ThreadStats = { reviewed: [], mostWaiting: 0 };
    const two = await review(2, stats, script);
    expect(two).toEqual(one);
    expect(stats.reviewed[1]).toBeGreaterThanOrEqual(3);
  });

  it('`--review-threads 2`: the same JSON, byte for byte, as one thread', async () => {
    const render = async (reviewThreads: number) => {
      const run = await runReview([`${base}..HEAD`], { repo: repo.dir, reviewThreads }, defaultConfig());
      return renderJson(run.reviews, run.inputErrors, toolVersion());
    };
    const one = await render(1);
    expect(await render(2)).toBe(one);
    expect(one).toContain('"lock/');
  });
});
