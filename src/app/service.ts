// The review service between GitHub's webhooks and the workers. The intake (intake.ts) hands each
// verified, validated webhook to accept(), which decides (dispatch.ts) and records the job in SQLite
// in one transaction and returns at once: GitHub gets 202 in milliseconds. Then, off the answer's
// path, a push's check run is put "in progress" (in its installation's lane for check-run starts) and the
// job goes to the queue (SQLite here, or Redis), where workers take it. A job accepted but not yet
// queued when the process stopped is started again by the next one.
import type { Probot } from 'probot';
import { errorMessage } from '../core/errors.js';
import type { JobObserver, JobQueue, QueueStats, ReviewJob } from '../queue/job.js';
import { dispatch } from './dispatch.js';
import { findCheckRun, startCheckRun, type GitHubTarget } from './publish.js';
import { validPull, validRepository } from './payload.js';
import type { ReviewDeps } from './review-pr.js';
import { installationOctokits, jobRunner } from './run-job.js';

export interface Accepted {
  /** 202: a job was queued; 200: nothing to do (the reason in `message`). */
  status: 200 | 202;
  message: string;
}

/** What /metrics may read (h/ops): polled gauges and a per-job callback. */
export interface ServiceStats {
  queue: QueueStats;
  /** Jobs accepted whose check run or hand-over to the queue is still under way. */
  starting: number;
  /** Content-creating calls waiting in the installations' write queues. */
  writesWaiting: number;
}

export interface ServiceOptions {
  queue: JobQueue;
  /** Jobs this process works at once (0: intake only, the workers are elsewhere). */
  workers: number;
  /** Told about every job a worker here finished (job latency for metrics). */
  observe?: JobObserver;
  /**
   * This process takes webhooks (serve): it resumes the starts a previous one left. A worker never
   * does: the one serve starts shares serve's state, and one started during a burst (a replacement
   * for a killed one) took serve's starts still under way and made their check runs a second time.
   */
  intake: boolean;
}

export class ReviewService {
  private starting = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly octokitFor: ReturnType<typeof installationOctokits>;

  constructor(
    private readonly probot: Probot,
    private readonly deps: ReviewDeps,
    private readonly o: ServiceOptions,
  ) {
    this.octokitFor = installationOctokits(probot);
    if (o.intake) for (const raw of deps.state.pendingStarts()) this.track(this.start(JSON.parse(raw) as ReviewJob, true));
    if (o.workers > 0) o.queue.work(jobRunner(probot, deps, this.octokitFor), o.workers, o.observe);
  }

  /** Decide and record; never waits on GitHub or the queue. */
  accept(id: string, name: string, payload: Record<string, unknown>): Accepted {
    const log = this.probot.log.child({ delivery: id });
    const decided = this.deps.state.transaction(() => {
      if (!this.deps.state.claimDelivery(id, name)) return { ignored: 'delivery seen before' } as const;
      const d = dispatch(id, name, payload, this.deps.state);
      if ('job' in d) this.deps.state.addStart(d.job.key, JSON.stringify(d.job));
      return d;
    });
    if ('ignored' in decided) {
      log.info(`${name}: ${decided.ignored}; nothing to do`);
      return { status: 200, message: decided.ignored };
    }
    // After the answer is written and the webhooks already waiting are read: a burst is answered
    // first, and its check runs started right after.
    const job = decided.job;
    this.track(new Promise<void>((resolve) => setImmediate(() => void this.start(job, false).finally(resolve))));
    return { status: 202, message: `queued as ${job.key}` };
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** The push's check run "in progress", then the job into the queue; retried until the queue takes it. */
  private async start(job: ReviewJob, resumed: boolean): Promise<void> {
    const log = this.probot.log.child({ id: job.deliveryId, job: job.key });
    this.starting++;
    try {
      if (job.event === 'pull_request' && job.checkRunId === null) {
        try {
          job.checkRunId = await this.startCheck(job, resumed);
        } catch (e) {
          // The worker makes the check run itself then; the review is not lost for it.
          log.warn(`cannot start the check run: ${errorMessage(e)}`);
        }
      }
      for (let wait = 1000; !this.closed; wait = Math.min(wait * 2, 60_000)) {
        try {
          const added = await this.o.queue.add(job);
          this.deps.state.doneStart(job.key);
          log.info(added ? `queued (check run ${job.checkRunId ?? 'not yet started'})` : 'already queued');
          return;
        } catch (e) {
          log.error(`cannot queue the job, trying again in ${wait / 1000} s: ${errorMessage(e)}`);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    } finally {
      this.starting--;
    }
  }

  private async startCheck(job: ReviewJob, resumed: boolean): Promise<number> {
    const repository = validRepository(job.payload.repository);
    const pull = validPull(job.payload.pull_request);
    const target: GitHubTarget = {
      octokit: await this.octokitFor(job.installationId),
      queue: this.deps.queueFor(job.installationId),
      owner: repository.owner.login,
      repo: repository.name,
      number: pull.number,
      headSha: pull.head.sha,
      warn: (m) => this.probot.log.warn(m),
    };
    // After a restart the check run may exist already: found by the job's key, never made twice.
    const found = resumed ? await findCheckRun(target, job.key) : null;
    return found ? found.id : startCheckRun(target, null, job.key);
  }

  async stats(): Promise<ServiceStats> {
    return { queue: await this.o.queue.stats(), starting: this.starting, writesWaiting: this.deps.writesWaiting() };
  }

  /** Resolves when every accepted job is queued and the queue has none waiting or running. */
  async drained(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.o.queue.drained();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.o.queue.close();
  }
}
