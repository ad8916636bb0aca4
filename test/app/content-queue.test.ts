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

  it('starts and completions of check runs go before reviews queued earlier', async () => {
    const q = new ContentQueue({ spacingMs: 10 });
    const order: string[] = [];
    const call = (name: string) => async () => void order.push(name);
    // All five are queued before the first slot: the queue picks by priority, then in order.
    const all = [
      q.run(call('review A'), 'review'),
      q.run(call('review B'), 'review'),
      q.run(call('complete C'), 'complete'),
      q.run(call('start D'), 'start'),
      q.run(call('review E')),
    ];
    await Promise.all(all);
    expect(order).toEqual(['start D', 'complete C', 'review A', 'review B', 'review E']);
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
