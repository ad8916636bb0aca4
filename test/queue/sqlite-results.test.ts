// The SQLite queue keeps what a job returned or why it failed, for a feeder that waits on it
// (`kreview watch --queue sqlite:FILE`); a queue file from before those columns gains them on open;
// the feeder of series jobs waits for a result, tries a failed job again only when it is submitted
// anew, and gives up on a job a worker holds past its limit.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Review } from '../../src/core/types.js';
import type { QueuedJob } from '../../src/queue/job.js';
import { SeriesJobFeeder, type SeriesJob } from '../../src/queue/series-job.js';
import { SqliteJobQueue } from '../../src/queue/sqlite-queue.js';

const dirs: string[] = [];
const queues: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const file = () => {
  const d = mkdtempSync(join(tmpdir(), 'kreview-sqlite-results-'));
  dirs.push(d);
  return join(d, 'jobs.sqlite');
};
const quiet = { pollMs: 20, log: () => undefined };

async function until<T>(probe: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

interface Sum extends QueuedJob {
  terms: number[];
}

describe('SqliteJobQueue results', () => {
  it("keeps a job's result and a failed job's error on one line; a retried job runs again", async () => {
    const q = new SqliteJobQueue<Sum, number>(file(), { ...quiet, table: 'series_jobs' });
    queues.push(q);
    let fail = true;
    q.work(async (j) => {
      if (j.key === 'bad' && fail) throw new Error('no good\nsecond line');
      return j.terms.reduce((a, b) => a + b, 0);
    }, 1);
    expect(await q.status('sum')).toEqual({ state: 'missing' });
    await q.add({ key: 'sum', receivedAt: Date.now(), terms: [1, 2, 3] });
    await q.add({ key: 'bad', receivedAt: Date.now(), terms: [] });
    expect(await until(async () => ((await q.status('sum')).state === 'done' ? q.status('sum') : null))).toEqual({ state: 'done', result: 6 });
    expect(await until(async () => ((await q.status('bad')).state === 'failed' ? q.status('bad') : null))).toEqual({ state: 'failed', error: 'no good second line' });
    fail = false;
    await q.retry('bad');
    expect(await until(async () => ((await q.status('bad')).state === 'done' ? q.status('bad') : null))).toEqual({ state: 'done', result: 0 });
  });

  it('a queue file made before results were kept gains their columns and keeps its jobs', async () => {
    const f = file();
    const old = new Database(f);
    old.exec(`CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, data TEXT NOT NULL, state TEXT NOT NULL, owner TEXT,
      lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0, added_at INTEGER NOT NULL, finished_at INTEGER)`);
    old.prepare(`INSERT INTO jobs (key, data, state, added_at) VALUES ('old', ?, 'ready', 1)`).run(JSON.stringify({ key: 'old', receivedAt: 1, terms: [4] }));
    old.close();
    const q = new SqliteJobQueue<Sum, number>(f, quiet);
    queues.push(q);
    q.work(async (j) => j.terms[0], 1);
    expect(await until(async () => ((await q.status('old')).state === 'done' ? q.status('old') : null))).toEqual({ state: 'done', result: 4 });
  });
});

describe('SeriesJobFeeder', () => {
  const job = (key: string, limitMs = 60_000): SeriesJob =>
    ({ key, receivedAt: Date.now(), messageId: `${key}@example.org`, series: { id: key }, repo: null, config: {}, maintainersFile: null, bases: {}, limitMs }) as unknown as SeriesJob;
  const review = (id: string) => ({ series: { id }, patches: [] }) as unknown as Review;

  it('waits for the worker\'s review; a failed one throws its line, and is tried again when submitted anew', async () => {
    const q = new SqliteJobQueue<SeriesJob, Review>(file(), { ...quiet, table: 'series_jobs' });
    const feeder = new SeriesJobFeeder(q, { pollMs: 20, graceMs: 0 });
    queues.push(feeder);
    let runs = 0;
    q.work(async (j) => {
      runs++;
      if (j.key === 'b' && runs < 3) throw new Error('the repository is gone');
      return review(j.key);
    }, 1);
    expect(await feeder.review(job('a'))).toEqual(review('a'));
    await expect(feeder.review(job('b'))).rejects.toThrow("the worker's review failed: the repository is gone");
    // Waiting again on a failed job is not a new try; submitting it is (its series was requeued).
    await expect(feeder.review(job('b'))).rejects.toThrow(/the repository is gone/);
    expect(runs).toBe(2);
    await feeder.submit(job('b'));
    expect(await feeder.review(job('b'))).toEqual(review('b'));
    expect(runs).toBe(3);
  });

  it('gives up on a job a worker holds past its limit', async () => {
    const q = new SqliteJobQueue<SeriesJob, Review>(file(), { ...quiet, table: 'series_jobs' });
    const feeder = new SeriesJobFeeder(q, { pollMs: 20, graceMs: 100 });
    queues.push(feeder);
    q.work(() => new Promise<Review>(() => undefined), 1);
    await expect(feeder.review(job('slow', 200))).rejects.toThrow('the review ran past its limit of 0.2 s on a worker');
  });
});
