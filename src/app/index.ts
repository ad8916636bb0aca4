// The kreview GitHub App: webhooks become review jobs (service.ts), workers review them
// (run-job.ts, review-pr.ts). No review logic lives here: only the options and how they are wired.
import type { Probot } from 'probot';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Check } from '../core/check.js';
import { ContentQueue, spacingFromEnv, type ContentQueueOptions, type WriteBudget } from './content-queue.js';
import { HistoryPool } from '../git/history-pool.js';
import type { MailForwarder } from './mail-forward.js';
import type { ReviewDeps, ReviewSeriesFn } from './review-pr.js';
import { AppState } from './state.js';
import { githubWebUrl } from './github-host.js';
import { webhookIntake } from './intake.js';
import type { Mirrors } from './mirrors.js';
import type { RouteHandler } from '../web/server.js';
import { queueAnswers, stateReadable, type HealthCheck } from '../ops/health.js';
import { opsHandler } from '../ops/http.js';
import type { Metrics } from '../ops/metrics.js';
import { StateFile } from '../state/open-state.js';
import { ReviewService } from './service.js';
import type { JobObserver, JobQueue } from '../queue/job.js';
import { SqliteJobQueue } from '../queue/sqlite-queue.js';
import type { RedisLocks } from '../queue/redis-lock.js';

export { pullRequestRef } from './pull-ref.js';

export interface AppOptions {
  /** Clones, state and history indexes (default: $KREVIEW_CACHE or ~/.cache/kreview). */
  cacheDir: string;
  /** First-contact clone limit in KiB ($KREVIEW_CLONE_MAX_MB, default 8 GiB; 0: no limit). */
  cloneMaxSizeKb: number;
  fetchTimeoutMs: number;
  /** The GitHub repositories are fetched from (default: GHE_PROTOCOL://GHE_HOST, or https://github.com). */
  webUrl: string;
  /** Local mirrors a first clone borrows objects from (`--mirror URL=PATH`, KREVIEW_MIRRORS; resolved by resolveMirrors). */
  mirrors?: Mirrors;
  /** Pacing of content-creating calls, per installation. */
  queue: Partial<ContentQueueOptions>;
  /** The review pipeline (default: src/review/pipeline.ts). */
  reviewSeries?: ReviewSeriesFn;
  /** The checks to run (default: every check kreview ships). */
  checks?: Check[];
  mail: MailForwarder | null;
  /** Histories kept open across reviews (default: a pool of the app's own; a server passes one it closes). */
  histories?: HistoryPool;
  /** The public webhook path kreview's intake (intake.ts) answers, registered through probot's addHandler (`kreview serve`). */
  intakePath?: string;
  /** More HTTP handlers mounted beside the webhooks through probot's addHandler (the web view). */
  routes?: RouteHandler[];
  /** This process's counters: with them, /healthz and /metrics are served beside the intake (src/ops/). */
  metrics?: Metrics;
  /** Where jobs wait (default: SQLite in the cache dir, `jobs.sqlite`). */
  jobs?: JobQueue;
  /** Write caps shared with the other processes of the installation: on the same Redis, or serve's and its worker's SQLite file (default: this process's own). */
  writeBudget?: WriteBudget;
  /** Locks shared with the other workers on the same Redis: one review of a PR at a time among them all. */
  prLocks?: RedisLocks;
  /** Reviews this process runs at once (default 2; 0: intake only, workers elsewhere). */
  workers: number;
  /** Told about every job finished here. */
  observe?: JobObserver;
  /** Given the service once it exists (a server waits on it and closes it). */
  onService?: (s: ReviewService) => void;
}

function defaultOptions(): AppOptions {
  const mb = Number(process.env.KREVIEW_CLONE_MAX_MB ?? 8192);
  return {
    cacheDir: process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview'),
    cloneMaxSizeKb: Number.isFinite(mb) && mb >= 0 ? mb * 1024 : 8192 * 1024,
    fetchTimeoutMs: 3_600_000,
    webUrl: githubWebUrl(),
    queue: { spacingMs: spacingFromEnv() },
    mail: null,
    workers: 2,
  };
}

/** The app's state database, in the cache dir. */
const statePath = (opts: AppOptions): string => join(opts.cacheDir, 'github-app.sqlite');

export function buildDeps(opts: AppOptions): ReviewDeps {
  const queues = new Map<number, ContentQueue>();
  const metrics = opts.metrics;
  return {
    state: new AppState(statePath(opts)),
    cacheDir: opts.cacheDir,
    cloneMaxSizeKb: opts.cloneMaxSizeKb,
    fetchTimeoutMs: opts.fetchTimeoutMs,
    webUrl: opts.webUrl,
    ...(opts.mirrors ? { mirrors: opts.mirrors } : {}),
    // The pipeline, sources and history load on the first review, not when probot loads the app.
    reviewSeries: async () => opts.reviewSeries ?? (await import('../review/pipeline.js')).reviewSeries,
    readRange: async () => (await import('../sources/git-range.js')).readRange,
    openHistory: async () => (await import('../git/history.js')).openHistory,
    histories: opts.histories ?? new HistoryPool(),
    queueFor: (id) => {
      let q = queues.get(id);
      if (!q) {
        const onWait = metrics ? { onWait: (ms: number) => metrics.rateLimited('retry-after', ms / 1000) } : {};
        queues.set(id, (q = new ContentQueue({ ...opts.queue, ...onWait, ...(opts.writeBudget ? { take: opts.writeBudget.forInstallation(id) } : {}) })));
      }
      return q;
    },
    writesWaiting: () => [...queues.values()].reduce((n, q) => n + q.depth, 0),
    ...(metrics ? { metrics } : {}),
    ...(opts.prLocks ? { sharedLock: opts.prLocks.with.bind(opts.prLocks) } : {}),
    ...(opts.checks ? { checks: opts.checks } : {}),
    mail: opts.mail,
  };
}

export function fullOptions(overrides: Partial<AppOptions>): AppOptions {
  return { ...defaultOptions(), ...overrides };
}

/** A job observer that counts finished jobs in `metrics`, then tells `then`. */
export function countJobs(metrics: Metrics, then?: JobObserver): JobObserver {
  return (o) => {
    then?.(o);
    metrics.reviews.inc({ source: 'github', result: o.ok ? 'reviewed' : 'failed' });
    metrics.jobSeconds.observe({ source: 'github' }, o.ranMs / 1000);
    if (!o.ok) metrics.errors.inc({ where: 'review' });
  };
}

/** The service for `app`: intake decisions, the start of check runs, and (workers > 0) reviews. */
/** `intake`: the process takes webhooks (serve, the tests' app), not only jobs (a worker). */
export function createService(app: Probot, opts: AppOptions, deps: ReviewDeps = buildDeps(opts), intake = true): ReviewService {
  const jobs = opts.jobs ?? new SqliteJobQueue(join(opts.cacheDir, 'jobs.sqlite'));
  const service = new ReviewService(app, deps, { queue: jobs, workers: opts.workers, intake, ...(opts.observe ? { observe: opts.observe } : {}) });
  opts.onService?.(service);
  return service;
}

/** The app as probot's `run` loads it (`kreview serve`): kreview's intake on the public webhook path. */
export function createKreviewApp(overrides: Partial<AppOptions> = {}) {
  return (app: Probot, loader?: { addHandler?: (h: ReturnType<typeof webhookIntake>) => void }): void => {
    const opts = fullOptions(overrides);
    const metrics = opts.metrics;
    const deps = buildDeps(opts);
    // Jobs finished in this process are counted; with the SQLite queue they run in the worker process
    // serve starts, which counts them and answers serve's scrapes (src/app/cli.ts).
    const observe = metrics ? countJobs(metrics, opts.observe) : opts.observe;
    const service = createService(app, { ...opts, ...(observe ? { observe } : {}) }, deps);
    if (opts.intakePath && loader?.addHandler) loader.addHandler(webhookIntake(app, opts.intakePath, service, metrics));
    for (const r of opts.routes ?? []) loader?.addHandler?.(async (req, res) => r(req, res));
    if (metrics) {
      metrics.queueDepthFrom('github-jobs', async () => (await service.stats()).queue.waiting);
      const file = new StateFile(statePath(opts));
      const health: Record<string, HealthCheck> = { state: stateReadable(() => deps.state.tableCount(), () => file.check()) };
      // Jobs on Redis: serve answers webhooks only while it can store them.
      const jobs = opts.jobs;
      if (jobs) health.queue = queueAnswers(() => jobs.stats());
      // Through probot's addHandler: `kreview serve` (probot's Server) passes one.
      loader?.addHandler?.(opsHandler({ metrics, health }));
    }
  };
}

export default createKreviewApp();
