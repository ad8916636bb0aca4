// Reviews on worker threads (`kreview watch --review-threads`): the same replies as a review on the
// daemon's own thread, each once; a review past its limit fails its series alone, and a thread
// stuck in computation is ended so that the next series still gets a thread.
import { afterEach, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { Watcher } from '../../src/watch/daemon.js';
import { defaultReviewThreads, ReviewThreads } from '../../src/watch/review-threads.js';
import type { SeriesJob } from '../../src/queue/series-job.js';
import { WatchWorld } from './watch-fixture.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const worlds: WatchWorld[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const w of worlds.splice(0)) await w.close();
});

const inReplyTo = (raw: string) => /^In-Reply-To:\s*<([^>]+)>/im.exec(raw)?.[1];
const bodyOf = (raw: string) => raw.slice(raw.indexOf('\r\n\r\n') + 4);

/** One series through a fresh world and a Watcher made by `opts`; the replies it sent. */
async function replay(reviewThreads?: number) {
  const world = new WatchWorld();
  worlds.push(world);
  await world.start();
  const mails = world.series(1);
  for (const m of mails) world.inbox.deliver(m.raw);
  let now = T0;
  const w = new Watcher({ policyFile: world.policyFile, now: () => now, log: () => {}, ...(reviewThreads ? { reviewThreads } : {}) });
  closers.push(() => w.close());
  await w.tick();
  now += 31 * 60_000;
  const t = await w.tick();
  // A second pass owes nothing more.
  const again = await w.tick();
  return { world, mails, t, again, replies: world.smtp.received };
}

describe('review threads', { timeout: 240_000 }, () => {
  it('reply for reply what the daemon sends when it reviews on its own thread, each once', async () => {
    const here = await replay();
    const threaded = await replay(2);
    expect(threaded.t.errors).toEqual([]);
    expect(threaded.t.reviewed).toHaveLength(1);
    expect(threaded.again.queued).toEqual([]);
    expect(threaded.again.outbox.sent).toEqual([]);
    const p1 = threaded.mails[1].id;
    expect(threaded.replies.map((r) => inReplyTo(r.raw))).toEqual([p1]);
    expect(here.replies.map((r) => inReplyTo(r.raw))).toEqual([here.mails[1].id]);
    // The worlds' repositories differ in their commit ids only.
    const strip = (raw: string) => bodyOf(raw).replace(/\b[0-9a-f]{12,40}\b/g, 'SHA');
    expect(strip(threaded.replies[0].raw)).toBe(strip(here.replies[0].raw));
    expect(bodyOf(threaded.replies[0].raw)).toContain('btrfs: do not do delalloc reservation under page lock');
  });

  it('ends a thread stuck past its limit, fails that job alone, and reviews the next on a new thread', async () => {
    // A stand-in thread: job `spin` computes forever, any other answers with the thread's id.
    const script = `
      const { parentPort, threadId } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if ('close' in m) return parentPort.close();
        if (m.job.messageId === 'spin') for (;;) {}
        parentPort.postMessage({ id: m.id, review: { thread: threadId } });
      });`;
    const pool = new ReviewThreads(1, 50, script);
    closers.push(() => pool.close());
    // Only the job that spins has a short limit: a thread's start counts against the first job it takes.
    const job = (messageId: string): SeriesJob => ({ key: `series/${messageId}`, messageId, limitMs: messageId === 'spin' ? 200 : 60_000 }) as unknown as SeriesJob;
    const first = (await pool.review(job('before'))) as unknown as { thread: number };
    pool.submit(job('spin'));
    pool.submit(job('after'));
    const started = Date.now();
    await expect(pool.review(job('spin'))).rejects.toThrow('the review ran past its limit of 0.2 s (limits.reviewMsPerPatch per patch, plus one)');
    expect(Date.now() - started).toBeLessThan(10_000);
    const next = (await pool.review(job('after'))) as unknown as { thread: number };
    expect(next.thread).not.toBe(first.thread);
    expect(first.thread).not.toBe(threadId);
  });

  it('a review past its limit inside a thread quarantines its series with the one line', async () => {
    const world = new WatchWorld();
    worlds.push(world);
    await world.start('limits: { reviewMsPerPatch: 1 }\n');
    for (const m of world.series(1)) world.inbox.deliver(m.raw);
    let now = T0;
    const w = new Watcher({ policyFile: world.policyFile, now: () => now, log: () => {}, reviewThreads: 1 });
    closers.push(() => w.close());
    await w.tick();
    now += 31 * 60_000;
    const t = await w.tick();
    expect(t.quarantined).toHaveLength(1);
    expect(w.messages.quarantined()[0].reason).toMatch(/ran past its limit of 0.003 s/);
    expect(world.smtp.received).toEqual([]);
  });

  // A stand-in thread: a job named `spin` computes forever; any other takes `ms` (its job's limitMs
  // minus 60 s) and answers with where and when it ran.
  const timedScript = `
    const { parentPort, threadId } = require('node:worker_threads');
    parentPort.on('message', (m) => {
      if ('close' in m) return parentPort.close();
      if (m.job.messageId === 'spin') for (;;) {}
      const startedAt = Date.now();
      setTimeout(() => parentPort.postMessage({ id: m.id, review: { where: 'thread ' + threadId, startedAt, endedAt: Date.now() } }), m.job.ms);
    });`;
  const timedJob = (messageId: string, ms: number, limitMs = 60_000): SeriesJob => ({ key: `series/${messageId}`, messageId, ms, limitMs }) as unknown as SeriesJob;
  type Ran = { where: string; startedAt: number; endedAt: number };

  // A stand-in that takes its jobs as the real thread does: one at a time, in order, each only when
  // it claims it first (the daemon's own thread may have taken it back); it answers with where it ran.
  const claimingScript = `
    const { parentPort, threadId } = require('node:worker_threads');
    const held = [];
    let running = false;
    const next = () => {
      if (running) return;
      const m = held.shift();
      if (!m) return;
      if (m.claim && Atomics.compareExchange(m.claim, 0, 0, 1) !== 0) return next();
      running = true;
      const startedAt = Date.now();
      setTimeout(() => {
        parentPort.postMessage({ id: m.id, review: { where: 'thread ' + threadId, messageId: m.job.messageId, startedAt, endedAt: Date.now() } });
        running = false;
        next();
      }, m.job.ms);
    };
    parentPort.on('message', (m) => {
      if ('close' in m) return parentPort.close();
      held.push(m);
      next();
    });`;

  it("the daemon's own thread reviews beside the threads: one thread and the daemon's review two series at once", async () => {
    const here = async (job: SeriesJob): Promise<never> => {
      const startedAt = Date.now();
      await new Promise((r) => setTimeout(r, (job as unknown as { ms: number }).ms));
      return { where: 'here', startedAt, endedAt: Date.now() } as never;
    };
    const pool = new ReviewThreads(1, 5_000, timedScript, here);
    closers.push(() => pool.close());
    // The thread starts (a second or so) before its first job: warm it up first.
    await pool.review(timedJob('warm', 1));
    const jobs = ['a', 'b', 'c', 'd'].map((id) => timedJob(id, 400));
    for (const j of jobs) pool.submit(j);
    const ran = (await Promise.all(jobs.map((j) => pool.review(j)))) as unknown as Ran[];
    const wheres = ran.map((r) => r.where);
    // Without the daemon's own thread (the old pool), all four ran on the thread, one after another.
    expect(wheres).toContain('here');
    expect(wheres.some((w) => w.startsWith('thread '))).toBe(true);
    const onHere = ran.find((r) => r.where === 'here')!;
    const onThread = ran.find((r) => r.where !== 'here')!;
    // Side by side: the two overlapped in time.
    expect(Math.max(onHere.startedAt, onThread.startedAt)).toBeLessThan(Math.min(onHere.endedAt, onThread.endedAt));
  });

  it("a thread holds its next job while the daemon's own thread computes, and starts it without waiting for the daemon", async () => {
    let hereStarted = 0;
    let hereEnded = 0;
    // The daemon's own review computes without a turn of the event loop for 1.5 s (a review without a repository never waits).
    const here = async (): Promise<never> => {
      hereStarted = Date.now();
      while (Date.now() - hereStarted < 1_500);
      hereEnded = Date.now();
      return { where: 'here', startedAt: hereStarted, endedAt: hereEnded } as never;
    };
    const pool = new ReviewThreads(1, 5_000, claimingScript, here);
    closers.push(() => pool.close());
    await pool.review(timedJob('warm', 1));
    const jobs = ['a', 'b', 'c'].map((id) => timedJob(id, 100));
    for (const j of jobs) pool.submit(j);
    const ran = (await Promise.all(jobs.map((j) => pool.review(j)))) as unknown as Ran[];
    const onThread = ran.filter((r) => r.where !== 'here');
    expect(ran.filter((r) => r.where === 'here')).toHaveLength(1);
    expect(onThread).toHaveLength(2);
    // The second job on the thread started while the daemon's thread was still computing: it was handed over beforehand.
    expect(Math.max(...onThread.map((r) => r.startedAt))).toBeLessThan(hereEnded);
  });

  it("a thread goes on with the jobs it holds while the daemon's own thread computes, and each job is reviewed once", async () => {
    const hereRan: string[] = [];
    let hereEnded = 0;
    // The daemon's own review computes for 1.5 s without a turn of the event loop, as a review without a repository does.
    const here = async (job: SeriesJob): Promise<never> => {
      const startedAt = Date.now();
      hereRan.push(job.messageId);
      while (Date.now() - startedAt < 1_500);
      hereEnded = Date.now();
      return { where: 'here', messageId: job.messageId, startedAt, endedAt: hereEnded } as never;
    };
    const pool = new ReviewThreads(1, 5_000, claimingScript, here);
    closers.push(() => pool.close());
    await pool.review(timedJob('warm', 1));
    const jobs = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => timedJob(id, 50));
    for (const j of jobs) pool.submit(j);
    const ran = (await Promise.all(jobs.map((j) => pool.review(j)))) as unknown as (Ran & { messageId: string })[];
    // Every job answered once, by whoever ran it.
    expect(ran.map((r) => r.messageId)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(hereRan).toHaveLength(1);
    expect(ran.filter((r) => r.where === 'here').map((r) => r.messageId)).toEqual(hereRan);
    // The five others ran on the thread while the daemon's thread computed (it held two before: the
    // rest waited for the daemon's review to end).
    const onThread = ran.filter((r) => r.where !== 'here');
    expect(onThread).toHaveLength(5);
    expect(onThread.filter((r) => r.startedAt < hereEnded)).toHaveLength(5);
  });

  it('a job held behind one that is stuck past its limit is reviewed all the same', async () => {
    const here = async (job: SeriesJob): Promise<never> => {
      const t = Date.now();
      while (Date.now() - t < 300);
      return { where: 'here', messageId: job.messageId } as never;
    };
    const pool = new ReviewThreads(1, 50, timedScript, here);
    closers.push(() => pool.close());
    await pool.review(timedJob('warm', 1));
    pool.submit(timedJob('spin', 0, 200));
    pool.submit(timedJob('after', 10));
    pool.submit(timedJob('last', 10));
    await expect(pool.review(timedJob('spin', 0, 200))).rejects.toThrow('the review ran past its limit of 0.2 s');
    await expect(pool.review(timedJob('after', 10))).resolves.toBeTruthy();
    await expect(pool.review(timedJob('last', 10))).resolves.toBeTruthy();
  });

  it('starts one review thread by default on two cores or more, none with a repository or on one core', () => {
    const list = (repo: string | null) => ({ repo });
    expect(defaultReviewThreads({ lists: [list(null)], fallback: list(null) }, 2)).toBe(1);
    expect(defaultReviewThreads({ lists: [list(null)], fallback: list(null) }, 16)).toBe(1);
    expect(defaultReviewThreads({ lists: [list(null)], fallback: list(null) }, 1)).toBe(0);
    expect(defaultReviewThreads({ lists: [list(null), list('/srv/linux')], fallback: list(null) }, 2)).toBe(0);
    expect(defaultReviewThreads({ lists: [], fallback: list('/srv/linux') }, 2)).toBe(0);
  });
});
