// Puts a placed review on GitHub: the check run (annotations in batches of 50), the PR review
// (inline comments, body fallback, 422 recovery), and the retirement of comments a new push made outdated.
import type { ProbotOctokit } from 'probot';
import { errorMessage } from '../core/errors.js';
import type { Finding, Severity } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import type { ContentQueue } from './content-queue.js';
import type { InlineComment, PlacedFinding, Placement } from './placement.js';
import { readMarkers, renderComment, renderOutdated, renderReviewBody } from './render.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubTarget {
  octokit: Octokit;
  queue: ContentQueue;
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** Where problems that do not stop the review are told (one line each). */
  warn: (msg: string) => void;
}

export const CHECK_NAME = 'kreview';
const ANNOTATION_BATCH = 50;
const LEVEL: Record<Severity, 'failure' | 'warning' | 'notice'> = { error: 'failure', warning: 'warning', note: 'notice' };

export type Conclusion = 'success' | 'neutral' | 'failure';

/** failure at or above the threshold; neutral when warnings remain below it; success otherwise (notes only, or nothing). */
export function conclusionOf(findings: Finding[], failOn: Severity): Conclusion {
  if (findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return 'failure';
  if (findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning)) return 'neutral';
  return 'success';
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
  raw_details?: string;
}

/**
 * Check-run annotations sit on lines of the head commit: a finding about a line that a later commit
 * changed, or about a file the PR deletes, has no such line and lives in the summary and review body.
 */
export function annotationsOf(placed: PlacedFinding[]): Annotation[] {
  const out: Annotation[] = [];
  for (const p of placed) {
    if (p.finding.location.kind !== 'file' || p.headLine === null) continue;
    const line = p.headLine;
    out.push({
      path: p.finding.location.path,
      start_line: line,
      end_line: line,
      annotation_level: LEVEL[p.finding.severity],
      title: p.finding.id,
      message: p.finding.message + (p.finding.explanation ? `\n\n${p.finding.explanation}` : ''),
      ...(p.finding.suggestion ? { raw_details: p.finding.suggestion } : {}),
    });
  }
  return out;
}

/**
 * The kreview check run of this head: the one made for `externalId` (a job's key) when given, else the
 * newest. Asked of GitHub, not of local state, so that a job taken over by another worker or machine
 * finds what the first one made.
 */
export async function findCheckRun(t: GitHubTarget, externalId: string | null): Promise<{ id: number; status: string } | null> {
  const runs = await t.octokit.paginate(t.octokit.rest.checks.listForRef, {
    owner: t.owner,
    repo: t.repo,
    ref: t.headSha,
    check_name: CHECK_NAME,
    filter: 'all',
    per_page: 100,
  });
  const mine = runs.filter((r) => r.name === CHECK_NAME && (externalId === null || r.external_id === externalId));
  if (mine.length === 0) return null;
  const newest = mine.reduce((a, b) => (b.id > a.id ? b : a));
  return { id: newest.id, status: newest.status };
}

/** Put the check run "in progress": the existing one again, or a new one tagged with `externalId`. */
export async function startCheckRun(t: GitHubTarget, existingId: number | null, externalId?: string): Promise<number> {
  if (existingId !== null) {
    await t.queue.run(
      () =>
        t.octokit.rest.checks.update({
          owner: t.owner,
          repo: t.repo,
          check_run_id: existingId,
          status: 'in_progress',
          started_at: new Date().toISOString(),
        }),
      'start',
    );
    return existingId;
  }
  const r = await t.queue.run(
    () =>
      t.octokit.rest.checks.create({
        owner: t.owner,
        repo: t.repo,
        name: CHECK_NAME,
        head_sha: t.headSha,
        status: 'in_progress',
        started_at: new Date().toISOString(),
        ...(externalId ? { external_id: externalId } : {}),
      }),
    'start',
  );
  return r.data.id;
}

/** Complete the check run; GitHub appends the annotations of each update, so they go 50 at a time. */
export async function completeCheckRun(
  t: GitHubTarget,
  id: number,
  out: { conclusion: Conclusion; title: string; summary: string; annotations: Annotation[]; detailsUrl?: string | null },
): Promise<void> {
  const batches: Annotation[][] = [];
  for (let i = 0; i < out.annotations.length; i += ANNOTATION_BATCH) batches.push(out.annotations.slice(i, i + ANNOTATION_BATCH));
  if (batches.length === 0) batches.push([]);
  for (let i = 0; i < batches.length; i++) {
    const last = i === batches.length - 1;
    await t.queue.run(
      () =>
        t.octokit.rest.checks.update({
          owner: t.owner,
          repo: t.repo,
          check_run_id: id,
          output: { title: out.title, summary: out.summary, ...(batches[i].length ? { annotations: batches[i] } : {}) },
          ...(last ? { status: 'completed' as const, conclusion: out.conclusion, completed_at: new Date().toISOString() } : {}),
          ...(last && out.detailsUrl ? { details_url: out.detailsUrl } : {}),
        }),
      'complete',
    );
  }
}

interface OwnComment {
  id: number;
  body: string;
  key: string;
}

interface OwnReview {
  id: number;
  body: string;
  keys: string[];
}

const isOwn = (user: { type?: string } | null | undefined, body: string | null | undefined): boolean =>
  user?.type === 'Bot' && readMarkers(body).length > 0;
const isOutdated = (body: string): boolean => readMarkers(body).some((m) => m.kind === 'outdated');

async function ownContent(t: GitHubTarget): Promise<{ comments: OwnComment[]; reviews: OwnReview[]; pending: number[] }> {
  const [comments, reviews] = await Promise.all([
    t.octokit.paginate(t.octokit.rest.pulls.listReviewComments, { owner: t.owner, repo: t.repo, pull_number: t.number, per_page: 100 }),
    t.octokit.paginate(t.octokit.rest.pulls.listReviews, { owner: t.owner, repo: t.repo, pull_number: t.number, per_page: 100 }),
  ]);
  return {
    comments: comments
      .filter((c) => isOwn(c.user, c.body) && !isOutdated(c.body))
      .flatMap((c) => {
        const key = readMarkers(c.body).find((m) => m.kind === 'comment')?.value;
        return key ? [{ id: c.id, body: c.body, key }] : [];
      }),
    // Only the app's own pending reviews are listed to it: those are probes a crash left behind.
    pending: reviews.filter((r) => r.state === 'PENDING' && r.user?.type === 'Bot').map((r) => r.id),
    reviews: reviews
      .filter((r) => r.state !== 'PENDING' && isOwn(r.user, r.body) && !isOutdated(r.body ?? ''))
      .map((r) => ({ id: r.id, body: r.body ?? '', keys: readMarkers(r.body).filter((m) => m.kind === 'comment').map((m) => m.value) })),
  };
}

const status = (e: unknown): number | undefined => (e as { status?: number })?.status;

type ReviewComment = { path: string; line: number; side: 'RIGHT' | 'LEFT'; body: string };

function toApi(c: InlineComment): ReviewComment {
  return { path: c.path, line: c.line, side: c.side, body: renderComment(c.placed) };
}

/** Does GitHub accept these comments? Asked with a pending review, which nobody else sees, deleted at once. */
async function accepted(t: GitHubTarget, comments: InlineComment[]): Promise<boolean> {
  try {
    const r = await t.queue.run(() =>
      t.octokit.rest.pulls.createReview({
        owner: t.owner,
        repo: t.repo,
        pull_number: t.number,
        commit_id: t.headSha,
        comments: comments.map(toApi),
      }),
    );
    await t.queue.run(() =>
      t.octokit.rest.pulls.deletePendingReview({ owner: t.owner, repo: t.repo, pull_number: t.number, review_id: r.data.id }),
    );
    return true;
  } catch (e) {
    if (status(e) === 422) return false;
    throw e;
  }
}

/** Bisect a rejected set of comments down to the ones GitHub refuses. */
async function rejected(t: GitHubTarget, comments: InlineComment[], knownBad: boolean): Promise<InlineComment[]> {
  if (comments.length === 0) return [];
  if (!knownBad && (await accepted(t, comments))) return [];
  if (comments.length === 1) return comments;
  const mid = Math.ceil(comments.length / 2);
  const left = comments.slice(0, mid);
  const right = comments.slice(mid);
  const badLeft = await rejected(t, left, false);
  // When the left half is clean, the fault is known to be in the right half.
  const badRight = await rejected(t, right, badLeft.length === 0);
  return [...badLeft, ...badRight];
}

export interface ReviewOutcome {
  reviewId: number | null;
  inline: InlineComment[];
  /** Comments GitHub refused (422), moved into the body. */
  moved: InlineComment[];
  bodyFindings: PlacedFinding[];
  outdatedComments: number[];
  outdatedReviews: number[];
}

export interface ReviewModel {
  patchCount: number;
  total: number;
  notes: string[];
}

/**
 * Post what is new since kreview's last review of this PR, and mark what no longer applies.
 * Old comments are edited (not deleted) into an "Outdated" form: deleting would also orphan the
 * replies people wrote under them, and REST cannot resolve threads or minimise comments.
 */
export async function publishReview(t: GitHubTarget, placement: Placement, model: ReviewModel): Promise<ReviewOutcome> {
  const own = await ownContent(t);
  const active = new Set([...own.comments.map((c) => c.key), ...own.reviews.flatMap((r) => r.keys)]);
  const current = new Set(placement.all.map((p) => p.key));
  const outcome: ReviewOutcome = { reviewId: null, inline: [], moved: [], bodyFindings: [], outdatedComments: [], outdatedReviews: [] };

  // An edit that fails (another bot's comment carrying a copied marker, a comment deleted meanwhile)
  // is told and skipped: the new review matters more than the old one's wording.
  for (const c of own.comments) {
    if (current.has(c.key)) continue;
    try {
      await t.queue.run(() =>
        t.octokit.rest.pulls.updateReviewComment({ owner: t.owner, repo: t.repo, comment_id: c.id, body: renderOutdated(c.body, t.headSha) }),
      );
      outcome.outdatedComments.push(c.id);
    } catch (e) {
      t.warn(`cannot mark review comment ${c.id} outdated: ${errorMessage(e)}`);
    }
  }
  for (const r of own.reviews) {
    if (r.keys.length === 0 || r.keys.some((k) => current.has(k))) continue;
    try {
      await t.queue.run(() =>
        t.octokit.rest.pulls.updateReview({ owner: t.owner, repo: t.repo, pull_number: t.number, review_id: r.id, body: renderOutdated(r.body, t.headSha) }),
      );
      outcome.outdatedReviews.push(r.id);
    } catch (e) {
      t.warn(`cannot mark review ${r.id} outdated: ${errorMessage(e)}`);
    }
  }

  let inline = placement.comments.filter((c) => !active.has(c.placed.key));
  const body = placement.body.filter((b) => !active.has(b.key));
  if (inline.length === 0 && body.length === 0) return outcome;

  const post = (comments: InlineComment[], bodyItems: PlacedFinding[]) =>
    t.queue.run(() =>
      t.octokit.rest.pulls.createReview({
        owner: t.owner,
        repo: t.repo,
        pull_number: t.number,
        commit_id: t.headSha,
        event: 'COMMENT',
        body: renderReviewBody({
          headSha: t.headSha,
          patchCount: model.patchCount,
          total: model.total,
          inline: comments.length,
          notes: model.notes,
          body: bodyItems,
        }),
        comments: comments.map(toApi),
      }),
    );

  let bodyItems = body;
  try {
    outcome.reviewId = (await post(inline, bodyItems)).data.id;
  } catch (e) {
    if (status(e) !== 422 || inline.length === 0) throw e;
    // GitHub allows one pending review per user and PR: a probe left by a crash would fail every probe.
    for (const stale of own.pending) {
      await t.queue.run(() =>
        t.octokit.rest.pulls.deletePendingReview({ owner: t.owner, repo: t.repo, pull_number: t.number, review_id: stale }),
      );
    }
    outcome.moved = await rejected(t, inline, true);
    const moved = new Set(outcome.moved);
    inline = inline.filter((c) => !moved.has(c));
    bodyItems = [...body, ...outcome.moved.map((c) => c.placed)];
    outcome.reviewId = (await post(inline, bodyItems)).data.id;
  }
  outcome.inline = inline;
  outcome.bodyFindings = bodyItems;
  return outcome;
}
