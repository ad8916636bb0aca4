// The write caps shared through a real redis-server: two processes' queues for one installation
// (two ContentQueues, each with its own client) keep the gap between all their calls, and a
// third installation is not held up by them; one process's reviews filling the shared minute do not
// hold up another's check-run completion (a burst of 20 PRs on Redis had one completion wait ~50 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentQueue } from '../../src/app/content-queue.js';
import { RedisWriteBudget } from '../../src/queue/redis-budget.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
const budgets: RedisWriteBudget[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const b of budgets) b.close();
  await redis.stop();
});

describe('RedisWriteBudget', () => {
  it('spaces the calls of two processes for one installation as one queue, and leaves other installations alone', async () => {
    const gap = 250;
    const [a, b] = [new RedisWriteBudget(redis.url), new RedisWriteBudget(redis.url)];
    budgets.push(a, b);
    const stamps: { who: string; at: number }[] = [];
    const call = (who: string) => async () => void stamps.push({ who, at: Date.now() });
    const qa = new ContentQueue({ spacingMs: gap, take: a.forInstallation(7) });
    const qb = new ContentQueue({ spacingMs: gap, take: b.forInstallation(7) });
    const other = new ContentQueue({ spacingMs: gap, take: b.forInstallation(8) });
    const t0 = Date.now();
    await Promise.all([
      ...[1, 2, 3].map(() => qa.run(call('a'))),
      ...[1, 2, 3].map(() => qb.run(call('b'))),
      other.run(call('other')),
    ]);
    const seven = stamps.filter((s) => s.who !== 'other').map((s) => s.at).sort((x, y) => x - y);
    expect(seven).toHaveLength(6);
    // Each of the two processes alone would send its three 2 gaps apart, side by side; shared, six take 5 gaps.
    for (let i = 1; i < seven.length; i++) expect(seven[i] - seven[i - 1]).toBeGreaterThanOrEqual(gap - 30);
    expect(stamps.find((s) => s.who === 'other')!.at - t0).toBeLessThan(gap * 2);
  });

  it("keeps part of the shared minute for check runs: a worker's completion goes while another worker's reviews wait", async () => {
    const [a, b] = [new RedisWriteBudget(redis.url), new RedisWriteBudget(redis.url)];
    budgets.push(a, b);
    const longWaits: number[] = [];
    // A wait for the minute to move on is held for good: what goes, goes without it.
    const sleep = (ms: number) => (ms > 1000 ? new Promise<void>(() => void longWaits.push(ms)) : new Promise<void>((r) => setTimeout(r, ms)));
    const caps = { spacingMs: 1, perMinute: 5, perHour: 100, checkRunReserve: { perMinute: 2, perHour: 10 }, sleep };
    const reviewer = new ContentQueue({ ...caps, take: a.forInstallation(9) });
    const completer = new ContentQueue({ ...caps, take: b.forInstallation(9) });
    const done: string[] = [];
    const call = (name: string) => async () => void done.push(name);
    // Five review posts (and edits) of one worker: the whole minute's cap if they could take it.
    for (const n of [1, 2, 3, 4, 5]) void reviewer.run(call(`review ${n}`), 'review');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await Promise.race([
      completer.run(call('complete'), 'complete'),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`the completion waited (done: ${done.join(', ')})`)), 3000)),
    ]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(done).toEqual(['review 1', 'review 2', 'review 3', 'complete']);
    expect(longWaits.some((ms) => ms > 59_000)).toBe(true);
  });
});
