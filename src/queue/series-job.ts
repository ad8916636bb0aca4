// A mailed series' review as a job: `kreview watch --queue` puts each complete series on the queue
// and waits for its Review; `kreview worker` (this process or any machine on the same Redis) makes
// it. The job carries everything the review needs but the repository, which must be at the same
// path on the worker. A worker only computes: it sends nothing. The daemon turns the Review into
// replies in its own state, so its outbox stays the one place mail leaves from, exactly once, however
// many times a job ran (a worker killed mid-review, a daemon restarted while waiting).
import { createHash } from 'node:crypto';
import type { KreviewConfig } from '../core/config.js';
import { KreviewError, type Review, type Series } from '../core/types.js';
import type { HistoryPool } from '../git/history-pool.js';
import type { JobQueue, QueueStats, QueuedJob } from './job.js';

export interface SeriesJob extends QueuedJob {
  /** `series/<sha256 of what is reviewed and how>`: the same series under the same rules is one job. */
  key: string;
  /** The series' lead Message-ID (log lines). */
  messageId: string;
  series: Series;
  /** The list's repository, a path on the worker's machine (null: reviewed without history). */
  repo: string | null;
  config: KreviewConfig;
  /** The list's MAINTAINERS file (null: the repository's own). */
  maintainersFile: string | null;
  bases: Record<string, string>;
  /** How long the review may run once a worker has it (the policy's limit per patch, plus one). */
  limitMs: number;
}

export type SeriesJobQueue = JobQueue<SeriesJob, Review>;

/** A job for this review; its key is a digest of all of it but the times. */
export function seriesJob(o: Omit<SeriesJob, 'key' | 'receivedAt'>, now: number): SeriesJob {
  const { series, repo, config, maintainersFile, bases } = o;
  const digest = createHash('sha256').update(JSON.stringify({ series, repo, config, maintainersFile, bases })).digest('hex');
  return { key: `series/${digest}`, receivedAt: now, ...o };
}

/** A worker's side: the review pipeline on its own Histories, bounded by the job's limit. */
export function seriesJobRunner(histories: HistoryPool): (job: SeriesJob) => Promise<Review> {
  return async (job) => {
    const [{ reviewSeries }, { openHistory }, { loadMaintainers }] = await Promise.all([import('../review/pipeline.js'), import('../git/history.js'), import('../git/maintainers.js')]);
    const repo = job.repo;
    const run = async (): Promise<Review> => {
      const maintainers = await loadMaintainers(job.maintainersFile, repo);
      const lease = repo ? await histories.acquire(repo, () => openHistory(repo)) : null;
      try {
        return await reviewSeries(job.series, { repo, config: job.config, history: lease?.history ?? null, route: { maintainers, bases: job.bases }, placeUnapplied: false });
      } finally {
        lease?.release();
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KreviewError(`the review ran past its limit of ${job.limitMs / 1000} s (limits.reviewMsPerPatch per patch, plus one)`)), job.limitMs);
    });
    try {
      return await Promise.race([run(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * The daemon's side: jobs handed over, their Reviews waited for. A job waiting for a worker has no
 * limit (workers being restarted must not cost a series its review); once a worker has it, it has
 * its limit plus `graceMs` (the time a dead worker's job takes to reach another). A job still
 * waiting after `noticeMs` is said once, with whether any worker is connected at all: with none,
 * the daemon would otherwise wait in silence for good.
 */
export class SeriesJobFeeder {
  private readonly noticeMs: number;

  constructor(
    private readonly queue: SeriesJobQueue,
    private readonly o: { pollMs: number; graceMs: number; noticeMs?: number },
  ) {
    this.noticeMs = o.noticeMs ?? 60_000;
  }

  /** Queues the job; one that failed before (its series was sent back with --requeue) is tried again. */
  async submit(job: SeriesJob): Promise<void> {
    if (await this.queue.add(job)) return;
    if ((await this.queue.status(job.key)).state === 'failed') await this.queue.retry(job.key);
  }

  /**
   * The job's Review, queued first when it is not there; throws with the worker's one line when it
   * failed (not tried again: see submit). `log` hears the one line about a long wait for a worker.
   */
  async review(job: SeriesJob, log?: (line: string) => void): Promise<Review> {
    await this.queue.add(job);
    const t0 = Date.now();
    let told = !log;
    for (;;) {
      const s = await this.queue.status(job.key);
      if (s.state === 'waiting' && !told && Date.now() - t0 >= this.noticeMs) {
        told = true;
        log?.(await this.waitLine(job, Date.now() - t0));
      }
      if (s.state === 'done') return s.result;
      if (s.state === 'failed') throw new KreviewError(`the worker's review failed: ${s.error}`);
      if (s.state === 'missing') await this.queue.add(job);
      if (s.state === 'running' && Date.now() - s.since > job.limitMs + this.o.graceMs)
        throw new KreviewError(`the review ran past its limit of ${job.limitMs / 1000} s on a worker (limits.reviewMsPerPatch per patch, plus one)`);
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  private async waitLine(job: SeriesJob, waitedMs: number): Promise<string> {
    const n = (await this.queue.workerCount?.()) ?? null;
    const why = n === 0 ? ': no worker is connected to the queue (start `kreview worker --queue` with the same URL)' : n === null ? '' : ` (${n} worker${n === 1 ? '' : 's'} connected, all busy)`;
    return `series ${job.messageId} has waited ${Math.round(waitedMs / 1000)} s for a worker${why}`;
  }

  stats(): Promise<QueueStats> {
    return this.queue.stats();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
