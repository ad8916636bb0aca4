// Jobs on Redis through BullMQ, for reviews spread over machines: `kreview serve --queue redis://...`
// adds jobs, `kreview worker --queue redis://...` (any number, anywhere) takes them. A job's BullMQ id
// is its key, so a redelivered webhook or a second event for the same head adds nothing. A worker that
// dies mid-job stops renewing its lock; BullMQ's stalled-job check hands the job to another worker.
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { KreviewError } from '../core/types.js';
import { jobName, type JobHandler, type JobObserver, type JobQueue, type JobStatus, type QueueStats, type QueuedJob, type ReviewJob } from './job.js';
import { parseRedisUrl } from './redis-url.js';

/** BullMQ's queues: pull request reviews (serve's), series reviews (watch's). */
export const QUEUE_NAME = 'kreview-reviews';
export const SERIES_QUEUE_NAME = 'kreview-series';

export interface RedisQueueOptions {
  /** A held job's lock; a worker that stops renewing it (killed) loses the job after this long. */
  lockMs: number;
  /** How many times a job may be found stalled (its worker died) before it is failed. */
  maxStalled: number;
  /** The BullMQ queue (one per kind of job). */
  name: string;
  /** How long a finished job (and its result) is kept, in seconds: a redelivery or a feeder that restarted finds it. */
  keepS: number;
  log: (line: string) => void;
}

/** $KREVIEW_QUEUE_LOCK_MS (default 30 s): how soon a dead worker's job goes to another. */
function lockFromEnv(): number {
  const ms = Number(process.env.KREVIEW_QUEUE_LOCK_MS ?? 30_000);
  return Number.isFinite(ms) && ms >= 1000 ? ms : 30_000;
}

const defaults = (): RedisQueueOptions => ({
  lockMs: lockFromEnv(),
  maxStalled: 5,
  name: QUEUE_NAME,
  keepS: 14 * 86_400,
  log: (line) => process.stderr.write(`kreview queue: ${line}\n`),
});

export class RedisJobQueue<J extends QueuedJob = ReviewJob, R = void> implements JobQueue<J, R> {
  private readonly o: RedisQueueOptions;
  /** BullMQ leaves connections it was given open: they are closed here. */
  private readonly clients: Redis[] = [];
  private readonly queue: Queue;
  private readonly workers: Worker[] = [];

  constructor(
    private readonly url: string,
    opts: Partial<RedisQueueOptions> = {},
  ) {
    this.o = { ...defaults(), ...opts };
    parseRedisUrl(url);
    this.queue = new Queue(this.o.name, { connection: this.connection() });
    this.queue.on('error', (e) => this.o.log(`redis: ${e.message}`));
  }

  /** One ioredis connection per Queue and Worker (a worker blocks on its own); BullMQ needs unlimited retries per request. */
  private connection(): Redis {
    const c = new Redis(this.url, { maxRetriesPerRequest: null });
    let said = '';
    // ioredis retries on its own; each distinct error is said once, not at every retry.
    c.on('error', (e: Error) => {
      if (e.message !== said) this.o.log(`redis: ${(said = e.message)}`);
    });
    c.on('ready', () => (said = ''));
    this.clients.push(c);
    return c;
  }

  /** Fails with one line when Redis does not answer. */
  async ready(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KreviewError(`--queue ${this.url}: Redis did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      await Promise.race([this.queue.waitUntilReady(), late]);
    } catch (e) {
      if (e instanceof KreviewError) throw e;
      throw new KreviewError(`--queue ${this.url}: Redis cannot be reached (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      clearTimeout(timer);
    }
  }

  async add(job: J): Promise<boolean> {
    if (await this.queue.getJob(job.key)) return false;
    await this.queue.add('event' in job ? String(job.event) : 'series', job, {
      jobId: job.key,
      // A job that throws has already told GitHub (a neutral check run); only dead workers retry it.
      attempts: 1,
      // Kept so that a late redelivery of the same head still finds its job (keys are the dedup).
      removeOnComplete: { age: this.o.keepS },
      removeOnFail: { age: this.o.keepS },
    });
    return true;
  }

  async status(key: string): Promise<JobStatus<R>> {
    // The state first: a job read before it finished and asked for its state after would be
    // "completed" with no result (BullMQ sets both in one step, so read in this order they agree).
    const state = await this.queue.getJobState(key);
    if (state === 'unknown') return { state: 'missing' };
    const j = (await this.queue.getJob(key)) as Job<J, R> | undefined;
    if (!j) return { state: 'missing' };
    if (state === 'completed') return { state: 'done', result: j.returnvalue };
    if (state === 'failed') return { state: 'failed', error: j.failedReason || 'failed' };
    if (state === 'active') return { state: 'running', since: j.processedOn ?? Date.now() };
    return { state: 'waiting' };
  }

  async retry(key: string): Promise<void> {
    const j = await this.queue.getJob(key);
    if (j && (await j.isFailed())) await j.retry('failed');
  }

  work(handler: JobHandler<J, R>, concurrency: number, observe?: JobObserver<J>): void {
    const worker = new Worker(
      this.o.name,
      async (j: Job<J>) => {
        const t0 = Date.now();
        let ok = false;
        try {
          const r = await handler(j.data);
          ok = true;
          return r;
        } finally {
          observe?.({ job: j.data, ok, waitedMs: t0 - j.data.receivedAt, ranMs: Date.now() - t0 });
        }
      },
      {
        connection: this.connection(),
        concurrency: Math.max(1, concurrency),
        lockDuration: this.o.lockMs,
        stalledInterval: Math.max(1000, Math.floor(this.o.lockMs / 2)),
        maxStalledCount: this.o.maxStalled,
      },
    );
    worker.on('error', (e) => this.o.log(`redis: ${e.message}`));
    worker.on('failed', (j, e) => this.o.log(`${j ? jobName(j.data) : '?'} failed: ${e.message}`));
    this.workers.push(worker);
  }

  async stats(): Promise<QueueStats> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), running: c.active ?? 0 };
  }

  /** BullMQ names each worker's connection; Redis lists them (CLIENT LIST). null when Redis refuses that. */
  async workerCount(): Promise<number | null> {
    return this.queue.getWorkersCount().catch(() => null);
  }

  async drained(): Promise<void> {
    for (;;) {
      const s = await this.stats();
      if (s.waiting + s.running === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.queue.close();
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
