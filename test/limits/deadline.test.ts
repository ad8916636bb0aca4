// limits.reviewMsPerPatch: a deadline the checks respect. The lock walk asks it between functions;
// past it the patch gets one note, keeps what was found before, and the other patches go on.
import { describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig, type KreviewConfig } from '../../src/core/config.js';
import { PatchBudget, WALL_FACTOR, cpuMs } from '../../src/core/limits.js';
import type { Series } from '../../src/core/types.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { parseMail } from '../../src/patch/mail.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { groupSeries } from '../../src/series/group.js';

/** Generated: patch `k` of `total`, whose .c file has `n` functions each adding a sleep under a spinlock. */
function patchMail(k: number, total: number, n: number): string {
  const parts = [`From: Dana Whitfield <dana@example.com>\nSubject: [PATCH ${k}/${total}] foo: part ${k}\nMessage-ID: <p${k}@example.com>\n${k > 1 ? 'In-Reply-To: <p1@example.com>\n' : ''}\nfoo: part ${k}\n\nSigned-off-by: Dana Whitfield <dana@example.com>\n---\ndiff --git a/foo${k}.c b/foo${k}.c\n--- a/foo${k}.c\n+++ b/foo${k}.c\n`];
  for (let i = 0; i < n; i++) parts.push(`@@ -${1 + i * 6},4 +${1 + i * 7},5 @@ void f${i}(struct d *d)\n {\n \tspin_lock(&d->lock);\n+\tmsleep(1);\n \tspin_unlock(&d->lock);\n }\n`);
  return parts.join('');
}

const withLimit = (ms: number): KreviewConfig => {
  const c = defaultConfig();
  return { ...c, limits: { ...c.limits, reviewMsPerPatch: ms } };
};

describe('review time per patch', () => {
  it('the lock walk stops between functions at the deadline, drops the half-compared file and says so', async () => {
    const patch = await parseMail(patchMail(1, 1, 20), 'deadline.mbox');
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    const config = withLimit(5);
    const run = async (budget: PatchBudget) => lockCheck.run({ patch, series, workspace: await createWorkspace(patch, { repo: null, history: null }), config, budget });
    // A clock that moves 1 ms each time it is read: the deadline passes after a few functions, the same way every run.
    let t = 0;
    const ticking = new PatchBudget(config.limits, () => t++);
    expect(await run(ticking)).toEqual([]);
    expect(ticking.notes).toEqual(['review time limit reached (limits.reviewMsPerPatch 5 ms): the locking of foo1.c was not checked']);
    // A clock that stands still: every function is checked.
    const still = new PatchBudget(config.limits, () => 0);
    expect((await run(still)).filter((f) => f.id === 'lock/sleep-in-atomic')).toHaveLength(20);
    expect(still.notes).toEqual([]);
  });

  it('with a 1 ms limit every patch of a series is still reviewed, each with its one note', async () => {
    const patches = await Promise.all([1, 2, 3].map((k) => parseMail(patchMail(k, 3, 30), `s.mbox#${k}`)));
    const [series] = groupSeries(patches);
    const review = await reviewSeries(series, { repo: null, config: withLimit(1) });
    expect(review.patches).toHaveLength(3);
    for (const pr of review.patches) {
      expect(pr.errors).toEqual([]);
      expect(pr.notes.filter((n) => n.startsWith('review time limit reached (limits.reviewMsPerPatch 1 ms): '))).toHaveLength(1);
      expect(pr.findings.filter((f) => f.id.startsWith('lock/'))).toEqual([]);
    }
    // The default limit leaves room for all of it.
    const full = await reviewSeries(series, { repo: null, config: defaultConfig() });
    expect(full.patches.map((pr) => pr.findings.filter((f) => f.id === 'lock/sleep-in-atomic').length)).toEqual([30, 30, 30]);
  });

  it('counts CPU time, not wall time: a busy machine gives a patch the same review; a wait past the backstop still stops it', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const limits = { ...defaultConfig().limits, reviewMsPerPatch: 40 };
    // Waiting (as a review does while other processes have the CPU) spends no budget. The clock is
    // the whole process's CPU: the test files running beside this one on other threads of it may
    // spend some during the wait (a CI run: past the 40 ms in 120), and then the budget is spent.
    const c0 = cpuMs(0);
    const waiting = new PatchBudget(limits);
    await sleep(120);
    const expired = waiting.expired();
    const spent = cpuMs(0) - c0;
    if (spent < limits.reviewMsPerPatch - 10) expect(expired).toBe(false);
    else if (spent > limits.reviewMsPerPatch + 10) expect(expired).toBe(true);
    // Computing does.
    const busy = new PatchBudget(limits);
    const start = cpuMs();
    while (cpuMs() - start < 60) Math.sqrt(Math.random());
    expect(busy.expired()).toBe(true);
    // Work that only waits (a stuck subprocess) stops at WALL_FACTOR times the limit.
    const stuck = new PatchBudget(limits);
    await sleep(WALL_FACTOR * 40 + 50);
    expect(stuck.expired()).toBe(true);
  });
});
