// The queue for content-creating calls: order, spacing, Retry-After, and errors that are not rate limits.
import { describe, expect, it } from 'vitest';
import { ContentQueue, rateLimitWait } from '../../src/app/content-queue.js';

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
    const q = new ContentQueue({ spacingMs: 40, burst: 1 });
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

  it('lets a short burst through after a quiet spell, then settles at one call per spacing, never two at once', async () => {
    const spacing = 30;
    const q = new ContentQueue({ spacingMs: spacing, burst: 3 });
    const starts: number[] = [];
    let running = 0;
    const job = async () => {
      expect(running).toBe(0);
      running++;
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, 1));
      running--;
    };
    await Promise.all(Array.from({ length: 9 }, () => q.run(job)));
    const t0 = starts[0];
    // The first three go at once.
    expect(starts[2] - t0).toBeLessThan(spacing);
    // Call i (from 0) cannot start before (i - 2) spacings: the bucket held three, and refills one per spacing.
    for (let i = 3; i < starts.length; i++) expect(starts[i] - t0).toBeGreaterThanOrEqual((i - 2) * spacing - 3);
    // After a quiet spell the bucket is full again, and no fuller than its size.
    await new Promise((r) => setTimeout(r, 5 * spacing));
    starts.length = 0;
    await Promise.all(Array.from({ length: 4 }, () => q.run(job)));
    expect(starts[2] - starts[0]).toBeLessThan(spacing);
    expect(starts[3] - starts[0]).toBeGreaterThanOrEqual(spacing - 3);
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
