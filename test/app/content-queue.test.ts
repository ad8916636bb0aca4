// The queue for content-creating calls: order, spacing, Retry-After, and errors that are not rate limits.
import { describe, expect, it } from 'vitest';
import { ContentQueue, rateLimitWait, waitForSlot } from '../../src/app/content-queue.js';

const limited = (headers: Record<string, string>, status = 403, message = 'You have exceeded a secondary rate limit.') =>
  Object.assign(new Error(message), { status, response: { headers } });

describe('rateLimitWait', () => {
  it('reads Retry-After, the primary reset, and GitHub wording for secondary limits', () => {
    expect(rateLimitWait(limited({ 'retry-after': '7' }), 60_000)).toBe(7000);
    expect(rateLimitWait(limited({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '110' }, 403, 'API rate limit exceeded'), 60_000, 100_000)).toBe(10_000);
    expect(rateLimitWait(limited({}), 60_000)).toBe(60_000);
    expect(rateLimitWait(limited({}, 429, 'Too Many Requests'), 5_000)).toBe(5_000);
  });
  it('leaves other failures alone', () => {
    expect(rateLimitWait(limited({}, 403, 'Resource not accessible by integration'), 60_000)).toBeNull();
    expect(rateLimitWait(limited({ 'retry-after': '1' }, 422, 'Unprocessable'), 60_000)).toBeNull();
    expect(rateLimitWait(new Error('boom'), 60_000)).toBeNull();
  });
});

describe('ContentQueue', () => {
  it('runs calls one at a time, in order, spaced', async () => {
    const q = new ContentQueue({ spacingMs: 40 });
    const starts: number[] = [];
    let running = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      expect(running).toBe(0);
      running++;
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, 5));
      running--;
      order.push(i);
      return i;
    };
    expect(await Promise.all([1, 2, 3].map((i) => q.run(job(i))))).toEqual([1, 2, 3]);
    expect(order).toEqual([1, 2, 3]);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(38);
  });

  it('completes a check run while another pull request\'s review post is still under way', async () => {
    const q = new ContentQueue({ spacingMs: 10 });
    let answer!: () => void;
    const review = q.run(() => new Promise<void>((r) => (answer = r)), 'review');
    const order: string[] = [];
    // GitHub has not answered the review yet: the completion and a start go all the same.
    await Promise.all([q.run(async () => void order.push('complete'), 'complete'), q.run(async () => void order.push('start'), 'start')]);
    order.push('review answered');
    answer();
    await review;
    expect(order.slice(0, 2).sort()).toEqual(['complete', 'start']);
    expect(order[2]).toBe('review answered');
  });

  it('puts a few check runs "in progress" at once, no more; completions and reviews one at a time', async () => {
    const q = new ContentQueue({ spacingMs: 5, startsAtOnce: 4 });
    const most = { start: 0, complete: 0, review: 0 };
    const now = { start: 0, complete: 0, review: 0 };
    const call = (lane: 'start' | 'complete' | 'review') => async () => {
      most[lane] = Math.max(most[lane], ++now[lane]);
      await new Promise((r) => setTimeout(r, 60));
      now[lane]--;
    };
    await Promise.all((['start', 'complete', 'review'] as const).flatMap((lane) => Array.from({ length: 8 }, () => q.run(call(lane), lane))));
    expect(most).toEqual({ start: 4, complete: 1, review: 1 });
  });

  it('stops reviews short of the minute\'s cap: check runs still go when reviews have filled their part', async () => {
    const longWaits: number[] = [];
    // A wait for the window to move on is held for good: what goes, goes without it.
    const sleep = (ms: number) => (ms > 1000 ? new Promise<void>(() => void longWaits.push(ms)) : new Promise<void>((r) => setTimeout(r, ms)));
    const q = new ContentQueue({ spacingMs: 1, perMinute: 5, perHour: 100, checkRunReserve: { perMinute: 2, perHour: 10 }, sleep });
    const done: string[] = [];
    const call = (name: string) => async () => void done.push(name);
    for (const n of [1, 2, 3, 4]) void q.run(call(`review ${n}`), 'review');
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toEqual(['review 1', 'review 2', 'review 3']);
    // The fourth review waits for the minute to move on, and counts as waiting.
    expect(q.depth).toBe(1);
    await Promise.all([q.run(call('start'), 'start'), q.run(call('complete'), 'complete')]);
    expect(done.slice(3).sort()).toEqual(['complete', 'start']);
    expect(longWaits.length).toBeGreaterThanOrEqual(1);
    expect(longWaits[0]).toBeGreaterThan(59_000);
  });

  it('holds nothing back in a burst of twenty pull requests: 20 starts, 20 completions and 20 reviews in one minute', async () => {
    const longWaits: number[] = [];
    const sleep = (ms: number) => (ms > 1000 ? new Promise<void>(() => void longWaits.push(ms)) : new Promise<void>((r) => setTimeout(r, ms)));
    const q = new ContentQueue({ spacingMs: 1, sleep });
    const burst = (lane: 'start' | 'complete' | 'review') => Array.from({ length: 20 }, () => q.run(async () => undefined, lane));
    await Promise.all(burst('start'));
    await Promise.race([
      Promise.all([...burst('complete'), ...burst('review')]),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`held back: waits of ${longWaits.join(', ')} ms`)), 5000)),
    ]);
    expect(longWaits).toEqual([]);
  });

  it('never lets more calls through in a window than the cap, the gap kept in between', () => {
    const o = { spacingMs: 50, perMinute: 3, perHour: 5 };
    expect(waitForSlot([], 0, o)).toBe(0);
    expect(waitForSlot([0], 10, o)).toBe(40);
    // Three in the last minute: the fourth waits until the first is a minute old.
    expect(waitForSlot([0, 100, 200], 300, o)).toBe(59_700);
    expect(waitForSlot([0, 100, 200], 60_000, o)).toBe(0);
    // Five in the hour: the sixth waits for the oldest to leave the hour.
    expect(waitForSlot([0, 100, 200, 70_000, 70_100], 140_000, o)).toBe(3_460_000);
    // Unpaced: no caps at all.
    expect(waitForSlot([0, 1, 2, 3, 4, 5], 6, { ...o, spacingMs: 0 })).toBe(0);
  });

  it('lets a burst of twenty pull requests\' check runs out within about a second at the default pace', async () => {
    const q = new ContentQueue({ spacingMs: 50 });
    const t0 = Date.now();
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 20 }, () => q.run(async () => void starts.push(Date.now() - t0), 'start')));
    expect(Math.max(...starts)).toBeLessThan(2000);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(19 * 50 - 5);
  });

  it('waits for Retry-After and retries; gives up after maxRetries; a failure does not block the next call', async () => {
    const slept: number[] = [];
    const q = new ContentQueue({ spacingMs: 0, maxRetries: 2, sleep: async (ms) => void slept.push(ms) });
    let tries = 0;
    const flaky = async () => {
      if (++tries < 3) throw limited({ 'retry-after': '2' });
      return 'ok';
    };
    expect(await q.run(flaky)).toBe('ok');
    expect(q.waits).toEqual([2000, 2000]);
    const never = () => Promise.reject(limited({ 'retry-after': '1' }));
    await expect(q.run(never)).rejects.toThrow(/secondary rate limit/);
    expect(await q.run(async () => 'after')).toBe('after');
    expect(slept.filter((ms) => ms === 1000)).toHaveLength(2);
  });

  it('fails at once on a wait longer than it will hold the app', async () => {
    const q = new ContentQueue({ spacingMs: 0, maxWaitMs: 1000, sleep: async () => undefined });
    await expect(q.run(() => Promise.reject(limited({ 'retry-after': '3600' })))).rejects.toThrow();
    expect(q.waits).toEqual([]);
  });
});
