// The kreview GitHub App: a thin probot function that routes pull-request, comment and
// check events to reviewPullRequest. No review logic lives here.
import type { Context, Probot } from 'probot';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Check } from '../core/check.js';
import { errorMessage } from '../core/errors.js';
import { isRecheck, mayRecheck } from './commands.js';
import { ContentQueue, spacingFromEnv, type ContentQueueOptions } from './content-queue.js';
import { HistoryPool } from '../git/history-pool.js';
import type { MailForwarder } from './mail-forward.js';
import { reviewPullRequest, type PullRequestRef, type ReviewDeps, type ReviewSeriesFn } from './review-pr.js';
import { AppState } from './state.js';
import { githubWebUrl } from './github-host.js';
import { webhookIntake } from './intake.js';
import type { Mirrors } from './mirrors.js';
import type { RouteHandler } from '../web/server.js';
import { installationId, validCheckEvent, validComment, validPull, validRepository, type PullPayload, type RepositoryPayload } from './payload.js';
import { stateReadable } from '../ops/health.js';
import { opsHandler } from '../ops/http.js';
import { withLogContext } from '../ops/log.js';
import type { Metrics } from '../ops/metrics.js';
import { StateFile } from '../state/open-state.js';

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
  /** More HTTP handlers mounted beside the webhooks through probot's addHandler (the web view; health and metrics). */
  routes?: RouteHandler[];
  /** Told about every webhook's work; lets a server wait until the app is idle (probot answers 202 after its webhook timeout and goes on). */
  track?: (work: Promise<unknown>) => void;
  /** This process's counters: with them, /healthz and /metrics are served beside the intake (src/ops/). */
  metrics?: Metrics;
}

/** A pull request from a payload or an API answer, checked first: nothing unchecked reaches the API or git. */
export function pullRequestRef(rawRepository: unknown, rawPull: unknown): PullRequestRef {
  const repository: RepositoryPayload = validRepository(rawRepository);
  const pull: PullPayload = validPull(rawPull);
  return {
    owner: repository.owner.login,
    repo: repository.name,
    number: pull.number,
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    defaultBranch: repository.default_branch ?? pull.base.ref,
    title: pull.title,
    body: pull.body,
    sizeKb: typeof repository.size === 'number' ? repository.size : null,
    draft: pull.draft ?? false,
  };
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
  };
}

/** The app's state database, in the cache dir. */
const statePath = (opts: AppOptions): string => join(opts.cacheDir, 'github-app.sqlite');

function buildDeps(opts: AppOptions): ReviewDeps {
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
      if (!q) queues.set(id, (q = new ContentQueue({ ...opts.queue, ...(metrics ? { onWait: (ms: number) => metrics.rateLimited('retry-after', ms / 1000) } : {}) })));
      return q;
    },
    ...(metrics ? { metrics } : {}),
    ...(opts.checks ? { checks: opts.checks } : {}),
    mail: opts.mail,
  };
}

type AnyContext = Context<'pull_request' | 'issue_comment' | 'check_run' | 'check_suite'>;

export function createKreviewApp(overrides: Partial<AppOptions> = {}) {
  return (app: Probot, loader?: { addHandler?: (h: ReturnType<typeof webhookIntake>) => void }): void => {
    const opts = { ...defaultOptions(), ...overrides };
    const deps = buildDeps(opts);
    const metrics = opts.metrics;
    if (opts.intakePath && loader?.addHandler) loader.addHandler(webhookIntake(app, opts.intakePath, metrics));
    for (const r of opts.routes ?? []) loader?.addHandler?.(async (req, res) => r(req, res));
    let reviewing = 0;
    if (metrics) {
      metrics.queueDepthFrom('github-reviews', () => reviewing);
      const file = new StateFile(statePath(opts));
      const health = { state: stateReadable(() => deps.state.tableCount(), () => file.check()) };
      // Through probot's addHandler: `kreview serve` (probot's Server) and startAppServer (createNodeMiddleware) both pass one.
      loader?.addHandler?.(opsHandler({ metrics, health }));
    }

    const review = (context: AnyContext, pr: PullRequestRef, force: boolean) => {
      const work = reviewOne(context, pr, force);
      opts.track?.(work);
      return work;
    };

    const reviewOne = async (context: AnyContext, pr: PullRequestRef, force: boolean) => {
      reviewing++;
      const started = Date.now();
      // probot's context.log carries the delivery id; kreview's own logger (the mail side) takes it from here.
      const result = await withLogContext({ id: context.id }, () =>
        reviewPullRequest(
          {
            octokit: context.octokit,
            log: context.log,
            installationId: installationId(context.payload),
            loadConfig: () => context.config('kreview.yml'),
            pr,
            force,
          },
          deps,
        ),
      ).finally(() => reviewing--);
      metrics?.reviews.inc({ source: 'github', result });
      if (result === 'reviewed' || result === 'failed') metrics?.jobSeconds.observe({ source: 'github' }, (Date.now() - started) / 1000);
      if (result === 'failed') metrics?.errors.inc({ where: 'review' });
      context.log.info(`${pr.owner}/${pr.repo}#${pr.number}@${pr.headSha.slice(0, 12)}: ${result}`);
    };

    /** A redelivered webhook (same delivery id) is acknowledged and ignored. */
    const fresh = (context: AnyContext): boolean => {
      if (deps.state.claimDelivery(context.id, context.name)) return true;
      context.log.info(`delivery ${context.id} seen before; ignored`);
      return false;
    };

    const rerun = async (context: AnyContext, headSha: string, numbers: number[]) => {
      const repository = validRepository(context.payload.repository);
      const [owner, repo] = [repository.owner.login, repository.name];
      const prs = numbers.length ? numbers : deps.state.prsForHead(`${owner}/${repo}`, headSha);
      for (const number of prs) {
        const pull = (await context.octokit.rest.pulls.get({ owner, repo, pull_number: number })).data;
        // A newer push has its own check run; the old head is not reviewed again.
        if (pull.head.sha !== headSha) continue;
        await review(context, pullRequestRef(repository, pull), true);
      }
    };

    app.on(
      ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
      async (context) => {
        // Checked before the delivery is claimed: a malformed payload is refused, not remembered.
        installationId(context.payload);
        const pr = pullRequestRef(context.payload.repository, context.payload.pull_request);
        if (!fresh(context)) return;
        await review(context, pr, false);
      },
    );

    app.on('issue_comment.created', async (context) => {
      const p = context.payload;
      const repository = validRepository(p.repository);
      installationId(p);
      const c = validComment(p as unknown as Record<string, unknown>);
      if (!c || context.isBot || !isRecheck(c.body) || !fresh(context)) return;
      const [owner, repo] = [repository.owner.login, repository.name];
      const commenter = c.user;
      const pull = (await context.octokit.rest.pulls.get({ owner, repo, pull_number: c.number })).data;
      const allowed = commenter !== '' && (await mayRecheck(context.octokit, { owner, repo }, commenter, pull.user?.login ?? null));
      await deps.queueFor(installationId(p)).run(() =>
        context.octokit.rest.reactions.createForIssueComment({
          owner,
          repo,
          comment_id: c.commentId,
          content: allowed ? '+1' : 'confused',
        }),
      );
      if (!allowed) {
        context.log.info(`${owner}/${repo}#${c.number}: recheck by ${commenter || 'a deleted user'} refused (no write access)`);
        return;
      }
      await review(context, pullRequestRef(repository, pull), true);
    });

    app.on('check_run.rerequested', async (context) => {
      validRepository(context.payload.repository);
      installationId(context.payload);
      const run = validCheckEvent(context.payload.check_run, 'check_run');
      if (run.name !== 'kreview' || !fresh(context)) return;
      await rerun(context, run.headSha, run.numbers);
    });

    app.on('check_suite.rerequested', async (context) => {
      validRepository(context.payload.repository);
      installationId(context.payload);
      const suite = validCheckEvent(context.payload.check_suite, 'check_suite');
      if (!fresh(context)) return;
      await rerun(context, suite.headSha, suite.numbers);
    });

    app.onError(async (err) => {
      metrics?.errors.inc({ where: 'webhook' });
      app.log.error(`webhook handler failed: ${errorMessage(err)}`);
    });
  };
}

export default createKreviewApp();
