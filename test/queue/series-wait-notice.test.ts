// `kreview watch --queue` waits for a worker's review without a limit (workers may be restarting);
// a series that has waited long is said once, with whether any worker is connected at all, so a
// daemon whose workers are all gone does not wait in silence, in the daemon's log. Real
// redis-server on loopback.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/core/types.js';
import { RedisJobQueue } from '../../src/queue/redis-queue.js';
import { SeriesJobFeeder, seriesJobRunner, type SeriesJob } from '../../src/queue/series-job.js';
import { SqliteJobQueue } from '../../src/queue/sqlite-queue.js';
import { HistoryPool } from '../../src/git/history-pool.js';
import { Watcher } from '../../src/watch/daemon.js';
import { opsWorld } from '../ops/watch-world.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let redis: RedisServer;
const closers: { close(): Promise<void> }[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'kreview-wait-notice-'));
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of closers.splice(0)) await c.close().catch(() => undefined);
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const job = (key: string): SeriesJob =>
  ({ key, receivedAt: Date.now(), messageId: `${key}@example.org`, series: { id: key }, repo: null, config: {}, maintainersFile: null, bases: {}, limitMs: 60_000 }) as unknown as SeriesJob;
const review = (id: string) => ({ series: { id }, patches: [] }) as unknown as Review;
const quiet = () => undefined;
let n = 0;
const redisQueue = (name: string) => {
  const q = new RedisJobQueue<SeriesJob, Review>(redis.url, { name, keepS: 60, lockMs: 5000, log: quiet });
  closers.push(q);
  return q;
};

describe('a series waiting for a worker', () => {
  it('is said once when no worker is connected, and its review still arrives when one comes', async () => {
    const name = `wait-none-${n++}`;
    const feeder = new SeriesJobFeeder(redisQueue(name), { pollMs: 50, graceMs: 0, noticeMs: 300 });
    const lines: string[] = [];
    const done = feeder.review(job('a'), (l) => lines.push(l));
    await until('the notice', () => lines.length > 0, 20_000, 50);
    expect(lines).toEqual([expect.stringMatching(/^series a@example\.org has waited \d+ s for a worker: no worker is connected to the queue \(start `kreview worker --queue` with the same URL\)$/)]);
    redisQueue(name).work(async (j) => review(j.key), 1);
    expect(await done).toEqual(review('a'));
    expect(lines).toHaveLength(1);
  });

  it('with a worker connected but busy, says how many are connected', async () => {
    const name = `wait-busy-${n++}`;
    const feeder = new SeriesJobFeeder(redisQueue(name), { pollMs: 50, graceMs: 0, noticeMs: 300 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const worker = redisQueue(name);
    worker.work(async (j) => {
      if (j.key === 'first') await held;
      return review(j.key);
    }, 1);
    const first = feeder.review(job('first'));
    await until('the first job running', async () => (await feeder.stats()).running === 1, 20_000, 50);
    const lines: string[] = [];
    const second = feeder.review(job('second'), (l) => lines.push(l));
    await until('the notice', () => lines.length > 0, 20_000, 50);
    expect(lines).toEqual([expect.stringMatching(/^series second@example\.org has waited \d+ s for a worker \(1 worker connected, all busy\)$/)]);
    release();
    expect(await first).toEqual(review('first'));
    expect(await second).toEqual(review('second'));
    expect(lines).toHaveLength(1);
  });

  it('on a SQLite queue, which cannot count its workers, says how long it has waited', async () => {
    const q = new SqliteJobQueue<SeriesJob, Review>(join(tmp, 'jobs.sqlite'), { table: 'series_jobs', pollMs: 20, log: quiet });
    const feeder = new SeriesJobFeeder(q, { pollMs: 20, graceMs: 0, noticeMs: 200 });
    closers.push(feeder);
    const lines: string[] = [];
    const done = feeder.review(job('s'), (l) => lines.push(l));
    await until('the notice', () => lines.length > 0, 20_000, 20);
    expect(lines).toEqual([expect.stringMatching(/^series s@example\.org has waited \d+ s for a worker$/)]);
    q.work(async (j) => review(j.key), 1);
    expect(await done).toEqual(review('s'));
  });

  it("kreview watch --queue: the daemon's log says it, and the series is answered once a worker comes", async () => {
    const w = opsWorld();
    const q = new SqliteJobQueue<SeriesJob, Review>(join(tmp, 'daemon-jobs.sqlite'), { table: 'series_jobs', pollMs: 20, log: quiet });
    const lines: string[] = [];
    const watcher = new Watcher({ policyFile: w.policy, log: (l) => lines.push(l), jobs: new SeriesJobFeeder(q, { pollMs: 20, graceMs: 0, noticeMs: 200 }) });
    closers.push({ close: async () => watcher.close() });
    const tick = watcher.tick();
    await until('the notice in the log', () => lines.find((l) => / has waited \d+ s for a worker$/.test(l)), 60_000, 20);
    expect(lines.filter((l) => /waited/.test(l))).toEqual([`series ${w.series[0].id} has waited 0 s for a worker`]);
    q.work(seriesJobRunner(new HistoryPool()), 1);
    await tick;
    await until('the reply in the outbox', async () => (await watcher.tick(), readdirSync(w.outbox).some((f) => f.endsWith('.eml'))), 60_000, 50);
    expect(lines.filter((l) => /waited/.test(l))).toHaveLength(1);
  }, 120_000);

  it('a job that finishes while its status is read is never "done" without its result', async () => {
    // The interleaving made certain: the job's record is read, then the job finishes, then the
    // rest of the status is read.
    const name = `race-${n++}`;
    const q = redisQueue(name);
    const other = redisQueue(name);
    let go: () => void = () => undefined;
    const started = new Promise<void>((r) => (go = r));
    redisQueue(name).work(async (j) => {
      await started;
      return review(j.key);
    }, 1);
    await q.add(job('r'));
    await until('the job running', async () => (await q.status('r')).state === 'running', 20_000, 20);
    const bull = (q as unknown as { queue: { getJob(id: string): Promise<unknown> } }).queue;
    const getJob = bull.getJob.bind(bull);
    bull.getJob = async (id: string) => {
      const record = await getJob(id);
      go();
      await until('the job finished', async () => (await other.status('r')).state === 'done', 20_000, 20);
      return record;
    };
    const st = await q.status('r');
    bull.getJob = getJob;
    expect(st.state === 'done' ? st.result : st.state).not.toBeNull();
    expect(await q.status('r')).toEqual({ state: 'done', result: review('r') });
  }, 120_000);
});
