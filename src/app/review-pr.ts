// Reviews one head commit of one pull request, end to end: claim it, fetch the clone (or fall
// back to the API), run the pipeline, place the findings, publish the check run and the review.
import type { Context } from 'probot';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { Check } from '../core/check.js';
import type { KreviewConfig } from '../core/config.js';
import type { Patch, Review, Series } from '../core/types.js';
import type { History } from '../git/history-types.js';
import type { HistoryLease, HistoryPool } from '../git/history-pool.js';
import { assertSafeRev, runGit } from '../git/run-git.js';
import { settingsFromYaml, type AppSettings } from './app-config.js';
import { seriesFromApi, seriesOfPullRequest } from './api-series.js';
import { ensureClone, mergeBase, scrub } from './clone-cache.js';
import { repoCloneUrl } from './github-host.js';
import { mirrorFor, type Mirrors } from './mirrors.js';
import type { ContentQueue } from './content-queue.js';
import { hunkHeaders, mapLineThroughHunks } from './line-map.js';
import { placeFindings, type LineMapper } from './placement.js';
import { prDiffFromFiles, type PrFileEntry } from './pr-diff.js';
import { annotationsOf, completeCheckRun, conclusionOf, findCheckRun, publishReview, startCheckRun, type GitHubTarget } from './publish.js';
import { renderSummary, routeLines } from './render.js';
import type { AppState } from './state.js';
import { commitMessageId, seriesMessageId, type MailForwarder } from './mail-forward.js';
import type { Metrics } from '../ops/metrics.js';

type Octokit = Context['octokit'];

/** What kreview needs to know about a pull request, from any of the events that name one. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  baseRef: string;
  defaultBranch: string;
  title: string;
  body: string | null;
  sizeKb: number | null;
  draft: boolean;
}

export type ReviewSeriesFn = (
  series: Series,
  opts: { repo: string | null; base?: string; config: KreviewConfig; history?: History | null; checks?: Check[] },
) => Promise<Review>;

export interface ReviewDeps {
  state: AppState;
  cacheDir: string;
  /** Largest repository cloned on first contact, in KiB (0: any size); bigger ones are reviewed from the API. */
  cloneMaxSizeKb: number;
  fetchTimeoutMs: number;
  /** The configured GitHub's web URL (github-host.ts): repositories are fetched from `<webUrl>/<owner>/<repo>.git`. */
  webUrl: string;
  /** Local repositories to borrow objects from, by repository URL (`--mirror`). */
  mirrors?: Mirrors;
  reviewSeries: () => Promise<ReviewSeriesFn>;
  /** The checks to run (default: every check kreview ships). */
  checks?: Check[];
  readRange: () => Promise<(repo: string, revs: string[]) => AsyncIterable<Patch>>;
  openHistory: () => Promise<(repo: string, opts: { cacheDir?: string }) => Promise<History>>;
  /** Histories kept open across reviews, one per clone (refreshed after each fetch). */
  histories: HistoryPool;
  queueFor: (installationId: number) => ContentQueue;
  /** Content-creating calls waiting in all installations' queues. */
  writesWaiting: () => number;
  mail: MailForwarder | null;
  /** Counts findings by id (src/ops/metrics.ts). */
  metrics?: Metrics;
  /** Holds a PR's lock shared by every worker on the same Redis while `fn` runs (src/queue/redis-lock.ts). */
  sharedLock?: <T>(pr: string, fn: () => Promise<T>, onWait: () => void) => Promise<T>;
}

export interface ReviewRequest {
  octokit: Octokit;
  log: Context['log'];
  installationId: number;
  /** Reads `.github/kreview.yml` from the default branch (probot's context.config). */
  loadConfig: () => Promise<unknown>;
  pr: PullRequestRef;
  /** A recheck or re-run: review again even when this head was reviewed before. */
  force: boolean;
  /** The job this review runs for (src/queue/job.ts): a check run made for it is tagged with its key. */
  jobKey: string;
  /** The check run the intake already put "in progress" for this head, if it did. */
  checkRunId: number | null;
}

export type ReviewResult = 'reviewed' | 'already-reviewed' | 'draft' | 'failed';

/** A repository's own rule files (relative paths on its default branch) copied into the cache for the lock check. */
async function materialiseRules(dir: string, cacheDir: string, pr: PullRequestRef, settings: AppSettings): Promise<string[]> {
  const out: string[] = [];
  const target = join(cacheDir, 'rules', pr.owner, pr.repo);
  for (const path of settings.ruleFiles) {
    const r = await runGit(dir, ['show', `${assertSafeRev(`refs/heads/${pr.defaultBranch}`)}:${path}`], { timeoutMs: 30_000 });
    if (r.code !== 0) {
      settings.warnings.push(`.github/kreview.yml: rule file ${path} is not on ${pr.defaultBranch}`);
      continue;
    }
    mkdirSync(target, { recursive: true });
    const file = join(target, `${out.length}-${basename(path)}`);
    writeFileSync(file, r.stdout);
    out.push(file);
  }
  return out;
}

/** Line mapping through `git diff -U0 <commit> <head> -- <path>` in the clone. */
function cloneLineMapper(dir: string, headSha: string): LineMapper {
  const cache = new Map<string, Promise<ReturnType<typeof hunkHeaders> | null>>();
  return async (patch, path, line) => {
    if (!patch.commit || patch.commit === headSha) return line;
    const key = `${patch.commit}\0${path}`;
    if (!cache.has(key)) {
      cache.set(
        key,
        runGit(dir, ['diff', '-U0', '--no-color', '--no-ext-diff', '--no-renames', assertSafeRev(patch.commit), headSha, '--', path], {
          timeoutMs: 60_000,
        }).then((r) => (r.code === 0 ? hunkHeaders(r.stdout) : null)),
      );
    }
    const hunks = await cache.get(key)!;
    return hunks ? mapLineThroughHunks(hunks, line) : null;
  };
}

/** Line mapping through the diffs of the later patches, when there is no clone. */
function patchesLineMapper(patches: Patch[]): LineMapper {
  return async (patch, path, line) => {
    let at: number | null = line;
    let file = path;
    for (const later of patches.slice(patches.indexOf(patch) + 1)) {
      const diff = later.files.find((f) => f.oldPath === file);
      if (!diff || at === null) continue;
      at = mapLineThroughHunks(diff.hunks, at);
      file = diff.newPath ?? file;
    }
    return file === path ? at : null;
  };
}

interface Source {
  repo: string | null;
  patches: Patch[];
  mapLine: LineMapper;
  notes: string[];
  history: History | null;
  /** The kept History's lease, given back when the review is done. */
  lease: HistoryLease | null;
}

async function loadSource(req: ReviewRequest, deps: ReviewDeps, settings: AppSettings): Promise<Source> {
  const { pr } = req;
  let token: string | null = null;
  try {
    const auth = (await req.octokit.auth({ type: 'installation' })) as { token?: string };
    token = auth.token ?? null;
  } catch (e) {
    req.log.warn(`no installation token for ${pr.owner}/${pr.repo}: ${errorMessage(e)}`);
  }
  try {
    const url = repoCloneUrl(deps.webUrl, pr.owner, pr.repo);
    const clone = await ensureClone(
      {
        owner: pr.owner,
        repo: pr.repo,
        url,
        webUrl: deps.webUrl,
        reference: mirrorFor(deps.mirrors, url),
        token,
        prNumber: pr.number,
        baseRef: pr.baseRef,
        headSha: pr.headSha,
        baseSha: pr.baseSha,
        sizeKb: pr.sizeKb,
      },
      { cacheDir: deps.cacheDir, maxSizeKb: deps.cloneMaxSizeKb, fetchTimeoutMs: deps.fetchTimeoutMs },
    );
    req.log.info(`${pr.owner}/${pr.repo}: clone ${clone.created ? 'created' : 'updated'} in ${clone.fetchMs} ms`);
    // The clone's History stays open between reviews; taking it catches it up with this fetch,
    // while the PR's commits are read.
    const leasing = deps.histories.acquire(clone.dir, async () => (await deps.openHistory())(clone.dir, { cacheDir: deps.cacheDir }));
    const patches: Patch[] = [];
    try {
      const base = await mergeBase(clone.dir, pr.baseSha, pr.headSha);
      const readRange = await deps.readRange();
      for await (const p of readRange(clone.dir, [`${base}..${pr.headSha}`])) patches.push(p);
      if (settings.ruleFiles.length) {
        settings.config.lock.ruleFiles = [...settings.config.lock.ruleFiles, ...(await materialiseRules(clone.dir, deps.cacheDir, pr, settings))];
      }
    } catch (e) {
      // Given back before the fallback goes on, so that no review ends holding a History.
      await leasing.then(
        (lease) => lease.release(),
        () => undefined,
      );
      throw e;
    }
    const lease = await leasing;
    return { repo: clone.dir, patches, mapLine: cloneLineMapper(clone.dir, pr.headSha), notes: [], history: lease.history, lease };
  } catch (e) {
    const why = scrub(errorMessage(e), token);
    req.log.warn(`${pr.owner}/${pr.repo}#${pr.number}: no clone, reviewing from the API: ${why}`);
    const patches = await seriesFromApi(req.octokit, pr);
    return {
      repo: null,
      patches,
      mapLine: patchesLineMapper(patches),
      notes: [`No local clone (${why}): reviewed from the API's diffs only, hunk by hunk, without the repository's history.`],
      history: null,
      lease: null,
    };
  }
}

const prLocks = new Map<string, Promise<unknown>>();

/**
 * Reviews of one PR run one after the other: two quick pushes must not race, or the older
 * head's review could mark the newer one's comments outdated. In one process by a chain; across
 * the workers of one Redis by its lock as well.
 */
export async function reviewPullRequest(req: ReviewRequest, deps: ReviewDeps): Promise<ReviewResult> {
  const key = `${req.pr.owner}/${req.pr.repo}#${req.pr.number}`;
  const shared = deps.sharedLock;
  const head = () => reviewHead(req, deps);
  const locked = shared ? () => shared(key, head, () => req.log.info(`${key}: another worker is reviewing it; waiting for it`)) : head;
  const run = (prLocks.get(key) ?? Promise.resolve()).then(locked);
  const tail = run.catch(() => undefined);
  prLocks.set(key, tail);
  try {
    return await run;
  } finally {
    if (prLocks.get(key) === tail) prLocks.delete(key);
  }
}

/**
 * Review `req.pr` at its head commit and publish the result. The job may be run again (its worker
 * died): every effect is looked up on GitHub first, so a second run posts no second check run,
 * review or comment. Whether a head is to be reviewed at all the intake decided (src/app/dispatch.ts).
 */
async function reviewHead(req: ReviewRequest, deps: ReviewDeps): Promise<ReviewResult> {
  const { pr } = req;
  const repoName = `${pr.owner}/${pr.repo}`;
  if (pr.draft && !req.force) return 'draft';
  if (req.force) deps.state.claimHead(repoName, pr.number, pr.headSha, true);

  const target: GitHubTarget = {
    octokit: req.octokit,
    queue: deps.queueFor(req.installationId),
    owner: pr.owner,
    repo: pr.repo,
    number: pr.number,
    headSha: pr.headSha,
    warn: (msg) => req.log.warn(`${repoName}#${pr.number}: ${msg}`),
  };
  let checkRunId: number | null = null;
  let source: Source | null = null;
  try {
    // A recheck puts the head's check run back in progress; a push's was started by the intake, or by
    // an earlier run of this job, found by the job's key.
    let alreadyCompleted = false;
    if (req.checkRunId !== null) {
      checkRunId = req.checkRunId;
    } else {
      const found = await findCheckRun(target, req.force ? null : req.jobKey);
      checkRunId = await startCheckRun(target, found?.id ?? null, req.jobKey);
    }
    deps.state.recordHead({ repo: repoName, pr: pr.number, headSha: pr.headSha, checkRunId, reviewId: null, conclusion: null });

    let rawConfig: unknown = null;
    const settingsWarnings: string[] = [];
    try {
      rawConfig = await req.loadConfig();
    } catch (e) {
      settingsWarnings.push(`.github/kreview.yml: ${errorMessage(e)}; using the defaults`);
    }
    const settings = settingsFromYaml(rawConfig);
    settings.warnings.unshift(...settingsWarnings);

    const t0 = Date.now();
    source = await loadSource(req, deps, settings);
    const t1 = Date.now();
    const series = seriesOfPullRequest(pr, source.patches);
    // The PR's diff is asked for while the checks run: network time hidden behind CPU time.
    const filesAsked = req.octokit.paginate(req.octokit.rest.pulls.listFiles, {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      per_page: 100,
    });
    // A failure is met where it is awaited; until then it must not count as unhandled.
    void filesAsked.catch(() => undefined);
    // No common base: each commit is reviewed against its parent, so a Fixes: tag naming an
    // earlier commit of the same PR finds it, and patch 3 sees what patches 1 and 2 changed.
    const review = await (await deps.reviewSeries())(series, {
      repo: source.repo,
      config: settings.config,
      history: source.history,
      ...(deps.checks ? { checks: deps.checks } : {}),
    });

    const t2 = Date.now();
    const files = (await filesAsked) as PrFileEntry[];
    const placement = await placeFindings(review, prDiffFromFiles(files), source.mapLine);
    const findings = placement.all.map((p) => p.finding);
    deps.metrics?.countFindings('github', findings.map((f) => f.id));
    const notes = [...settings.warnings, ...source.notes];
    const conclusion = conclusionOf(findings, settings.failOn);

    // A late delivery for an older head must not retire the comments of the newer one: such a
    // head gets its check run, and the PR's review is left to the head it now has.
    const current = (await req.octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number })).data.head.sha;
    if (current !== pr.headSha) notes.push(`The pull request has moved on to ${current.slice(0, 12)}; no review comments were posted for this commit.`);
    // The check run first, at its own priority: its completion never waits behind another pull
    // request's review. A run of this job that died after completing it does not complete it again
    // (GitHub would append its annotations a second time); the review below is idempotent by itself.
    if (req.checkRunId !== null) {
      const run = await req.octokit.rest.checks.get({ owner: pr.owner, repo: pr.repo, check_run_id: checkRunId });
      alreadyCompleted = run.data.status === 'completed';
    }
    // The PR body's Message-ID (kernel-patches-daemon, b4), else the first commit that names the mail it was applied from.
    const messageId = seriesMessageId(pr.body) ?? review.patches.map((p) => commitMessageId(p.patch.message)).find((id) => id !== null) ?? null;
    if (!alreadyCompleted) {
      await completeCheckRun(target, checkRunId, {
        conclusion,
        title: findings.length === 0 ? 'No findings' : `${findings.length} finding${findings.length === 1 ? '' : 's'}`,
        summary: renderSummary({ review, headSha: pr.headSha, total: findings.length, failOn: settings.failOn, notes }),
        annotations: annotationsOf(placement.all),
        // A series from a list: its page in the web view (kreview serve --mail-policy with web.url).
        detailsUrl: messageId && settings.mailReply ? (deps.mail?.permalink?.(messageId) ?? null) : null,
      });
    }
    const outcome =
      current === pr.headSha
        ? await publishReview(target, placement, { patchCount: review.patches.length, total: findings.length, notes: [...routeLines(review.route), ...notes] })
        : null;
    deps.state.recordHead({ repo: repoName, pr: pr.number, headSha: pr.headSha, checkRunId, reviewId: outcome?.reviewId ?? null, conclusion });
    req.log.info(
      `${repoName}#${pr.number}@${pr.headSha.slice(0, 12)}: ${conclusion}, ` +
        (outcome
          ? `${outcome.inline.length} inline, ${outcome.bodyFindings.length} in the body, ${outcome.moved.length} moved after 422, ` +
            `${outcome.outdatedComments.length + outcome.outdatedReviews.length} marked outdated; `
          : `no review (the PR moved on to ${current.slice(0, 12)}); `) +
        `source ${t1 - t0} ms, review ${t2 - t1} ms, publish ${Date.now() - t2} ms`,
    );

    if (deps.mail && settings.mailReply && messageId && deps.state.claimMail(repoName, pr.number, messageId, pr.headSha)) {
      try {
        await deps.mail.send({ review, messageId, pr: { owner: pr.owner, repo: pr.repo, number: pr.number, headSha: pr.headSha } });
      } catch (e) {
        deps.state.releaseMail(repoName, pr.number, messageId);
        req.log.error(`${repoName}#${pr.number}: mail reply not sent: ${errorMessage(e)}`);
      }
    }
    return 'reviewed';
  } catch (e) {
    const why = errorMessage(e);
    req.log.error(`${repoName}#${pr.number}@${pr.headSha.slice(0, 12)}: review failed: ${why}`);
    if (checkRunId !== null) {
      try {
        await completeCheckRun(target, checkRunId, {
          conclusion: 'neutral',
          title: 'kreview could not finish',
          summary: `kreview could not review this pull request: ${why}\n\nComment \`/kreview recheck\` to try again.`,
          annotations: [],
        });
      } catch (e2) {
        req.log.error(`${repoName}#${pr.number}: cannot complete the check run: ${errorMessage(e2)}`);
      }
    }
    return 'failed';
  } finally {
    source?.lease?.release();
  }
}
