// The kreview GitHub App: webhooks become review jobs (service.ts), workers review them
// (run-job.ts, review-pr.ts). No review logic lives here: only the options and how they are wired.
import type { Probot } from 'probot';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Check } from '../core/check.js';
import { ContentQueue, spacingFromEnv, type ContentQueueOptions } from './content-queue.js';
import { HistoryPool } from '../git/history-pool.js';
import type { MailForwarder } from './mail-forward.js';
import type { ReviewDeps, ReviewSeriesFn } from './review-pr.js';
import { AppState } from './state.js';
import { githubWebUrl } from './github-host.js';
import { webhookIntake } from './intake.js';
import type { Mirrors } from './mirrors.js';
import { ReviewService } from './service.js';
import type { JobObserver, JobQueue } from '../queue/job.js';
import { SqliteJobQueue } from '../queue/sqlite-queue.js';
import type { RedisWriteBudget } from '../queue/redis-budget.js';

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
  /** Where jobs wait (default: SQLite in the cache dir, `jobs.sqlite`). */
  jobs?: JobQueue;
  /** Write caps shared with the other processes on the same Redis (default: this process's own). */
  writeBudget?: RedisWriteBudget;
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

export function buildDeps(opts: AppOptions): ReviewDeps {
  const queues = new Map<number, ContentQueue>();
  return {
    state: new AppState(join(opts.cacheDir, 'github-app.sqlite')),
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
      if (!q) queues.set(id, (q = new ContentQueue({ ...opts.queue, ...(opts.writeBudget ? { take: opts.writeBudget.forInstallation(id) } : {}) })));
      return q;
    },
    writesWaiting: () => [...queues.values()].reduce((n, q) => n + q.depth, 0),
    ...(opts.checks ? { checks: opts.checks } : {}),
    mail: opts.mail,
  };
}

export function fullOptions(overrides: Partial<AppOptions>): AppOptions {
  return { ...defaultOptions(), ...overrides };
}

/** The service for `app`: intake decisions, the start of check runs, and (workers > 0) reviews. */
export function createService(app: Probot, opts: AppOptions): ReviewService {
  const deps = buildDeps(opts);
  const jobs = opts.jobs ?? new SqliteJobQueue(join(opts.cacheDir, 'jobs.sqlite'));
  const service = new ReviewService(app, deps, { queue: jobs, workers: opts.workers, ...(opts.observe ? { observe: opts.observe } : {}) });
  opts.onService?.(service);
  return service;
}

/** The app as probot's `run` loads it (`kreview serve`): kreview's intake on the public webhook path. */
export function createKreviewApp(overrides: Partial<AppOptions> = {}) {
  return (app: Probot, loader?: { addHandler?: (h: ReturnType<typeof webhookIntake>) => void }): void => {
    const opts = fullOptions(overrides);
    const service = createService(app, opts);
    if (opts.intakePath && loader?.addHandler) loader.addHandler(webhookIntake(app, opts.intakePath, service));
  };
}

export default createKreviewApp();
