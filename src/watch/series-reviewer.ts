// Reviews a ready series with the shared pipeline and turns the result into outbox entries under
// the list's policy: severity threshold, checks, recipients, embargo, never twice per Message-ID.
import type { KreviewConfig } from '../core/config.js';
import type { Finding, Patch, PatchReview, Review, Series } from '../core/types.js';
import type { History } from '../git/history-types.js';
import { HistoryPool } from '../git/history-pool.js';
import { openHistory } from '../git/history.js';
import { findingKey, renderCoverSummary, renderEmailReply, type EmailContext, type EmailReply } from '../review/render-email.js';
import { isMailable } from '../review/filter.js';
import { reviewSeries, type ReviewOptions } from '../review/pipeline.js';
import { loadMaintainers } from '../git/maintainers.js';
import { relaxedTransaction, type Db } from '../state/open-state.js';
import type { MessageStore } from '../state/messages.js';
import type { Outbox, OutboxEntry } from '../state/outbox.js';
import type { SeriesStore } from '../state/series-store.js';
import { seriesKey, type ReadySeries } from './assembler.js';
import { listsFor, type ListPolicy, type WatchPolicy } from './policy.js';
import { checkFor, patchworkInstance } from '../sinks/patchwork.js';
import { PatchworkChecks } from '../state/patchwork-checks.js';
import { ReviewStore } from '../state/review-store.js';
import type { SeriesJob } from '../queue/series-job.js';

export type ReviewFn = (
  series: ReadySeries['series'],
  opts: { repo: string | null; base?: string; config: KreviewConfig; history: History | null; route?: ReviewOptions['route']; placeUnapplied?: boolean },
) => Promise<Review>;

/** What a series' review on a worker needs (src/queue/series-job.ts), but its limit. */
export type RemoteReviewInput = Pick<SeriesJob, 'messageId' | 'series' | 'repo' | 'config' | 'maintainersFile' | 'bases'>;

/** Reviews made by workers (`kreview watch --queue`): every ready series handed over first, then each Review waited for. */
export interface RemoteReviews {
  submit(input: RemoteReviewInput): Promise<void>;
  review(input: RemoteReviewInput): Promise<Review>;
}

export interface ReviewOutcome {
  key: string;
  queued: string[];
  cancelled: number;
  errors: string[];
  /** The review could not be made; the messages' state is left to the caller (quarantine keeps them whole). */
  failed?: boolean;
}

const HOUR = 3_600_000;

/** The list whose rules apply: the first enabled entry that the series' lead message went to. */
export function governingList(patch: Patch, policy: WatchPolicy): ListPolicy {
  const lists = listsFor(patch, policy);
  return lists.find((l) => l.enabled) ?? lists[0];
}

/** Does the list's policy (severity and confidence floors, checks) let this finding be mailed? */
export function keepFinding(f: Finding, list: ListPolicy): boolean {
  return isMailable(f, list);
}

export interface PlannedReply {
  reply: EmailReply;
  /** The message it answers. */
  parent: Patch;
  /** The finding keys it reports (for "still present" on a later version). */
  keys: string[];
}

/**
 * The replies a reviewed series owes under a list's rules: at most one for each patch with findings
 * the list mails that nobody answered yet, and the summary of `series` to its cover letter when the
 * list asks for one. A clean patch gets nothing; remarks about the whole series (parts that never
 * came) go in one mail only. `kept` is every patch with only the mailed findings; `skipped` says, a
 * line each, what was not answered and why; `errors` the replies that could not be rendered.
 * `mailedAlready` says a finding (by its key) was mailed on this very version of the series before:
 * a RESEND or a forward of the same patch is not told the same thing twice. Only the rest is mailed;
 * `kept` still has them all (JSON, patchwork and GitHub show every finding).
 */
export function planReplies(
  reviews: PatchReview[],
  series: Series,
  ctx: EmailContext,
  list: ListPolicy,
  outbox: Outbox,
  mailedAlready: (key: string) => boolean = () => false,
): { replies: PlannedReply[]; kept: PatchReview[]; skipped: string[]; errors: string[] } {
  const out = { replies: [] as PlannedReply[], kept: [] as PatchReview[], skipped: [] as string[], errors: [] as string[] };
  const cover = series.cover;
  const summary = list.coverSummary && cover !== null && !outbox.answered(cover.id);
  for (const pr of reviews) {
    const findings = pr.findings.filter((f) => keepFinding(f, list));
    const filtered = { ...pr, findings };
    out.kept.push(filtered);
    if (!findings.length) continue;
    if (outbox.answered(pr.patch.id)) {
      out.skipped.push(`patch <${pr.patch.id}> was already answered; not mailed again`);
      continue;
    }
    const fresh = findings.filter((f) => !mailedAlready(findingKey(pr.patch, f)));
    if (!fresh.length) {
      out.skipped.push(`patch <${pr.patch.id}>: its findings were mailed already on this version of the series (a resend?); not mailed again`);
      continue;
    }
    try {
      const reply = renderEmailReply(fresh.length === findings.length ? filtered : { ...pr, findings: fresh }, { ...ctx, seriesRemarks: !summary && out.replies.length === 0 });
      if (reply) out.replies.push({ reply, parent: pr.patch, keys: reply.findingKeys });
      else out.skipped.push(`patch <${pr.patch.id}> has no address to reply to`);
    } catch (e) {
      out.errors.push(`${pr.patch.source}: cannot render the reply: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (summary && out.replies.length) {
    const reply = renderCoverSummary({ series, patches: out.kept }, ctx);
    if (reply) out.replies.push({ reply, parent: cover, keys: [] });
  }
  return out;
}

/**
 * Puts planned replies in the outbox (call inside the caller's transaction): older versions' unsent
 * replies are cancelled, each reply waits out the list's embargo from its parent's arrival, and
 * the problems it reports are remembered. Returns the Message-IDs queued and how many were cancelled.
 */
export function enqueueReplies(
  outbox: Outbox,
  seriesStore: SeriesStore,
  replies: PlannedReply[],
  s: { key: string; identity: string; version: number; cover: Patch | null; list: ListPolicy; from: string; now: number; arrivedAt: (parent: Patch) => number },
): { queued: string[]; cancelled: number } {
  const cancelled = outbox.cancelOlder(s.identity, s.version);
  const queued: string[] = [];
  for (const { reply, parent, keys } of replies) {
    const entry: OutboxEntry = {
      messageId: reply.messageId,
      inReplyTo: parent.id,
      seriesKey: s.key,
      seriesIdentity: s.identity,
      version: s.version,
      list: s.list.key,
      thread: parent.mail?.references[0] ?? parent.mail?.inReplyTo ?? s.cover?.id ?? parent.id,
      envFrom: s.from,
      envTo: [...reply.to, ...reply.cc],
      raw: reply.raw,
      notBefore: s.arrivedAt(parent) + s.list.embargoHours * HOUR,
      held: s.list.moderated,
    };
    if (outbox.enqueue(entry, s.now)) queued.push(reply.messageId);
    seriesStore.addReported(s.identity, keys, s.version);
  }
  return { queued, cancelled };
}

/** What the series table says of a reviewed series: its route status when it was not simply reviewed. */
function seriesState(review: Review): string {
  const r = review.route;
  if (!r) return 'reviewed';
  if (!r.kernel) return `not reviewed: for ${r.trees.join(', ')} (no rules for that tree)`;
  if (r.applies === false) return `reviewed; does not apply to ${r.baseWhy}`;
  return 'reviewed';
}

export class SeriesReviewer {
  /**
   * One History per repository, kept while the daemon reviews (its git processes and indexes stay
   * warm) and caught up before each review with what was committed or fetched since: a Fixes: tag
   * naming yesterday's commit must not be "unknown" to a daemon started last week.
   */
  private readonly histories = new HistoryPool();
  /** Patchwork checks owed, for lists whose policy names an instance. */
  readonly checks: PatchworkChecks;
  /** What the web view shows of each review. */
  private readonly views: ReviewStore;

  constructor(
    private readonly db: Db,
    private readonly messages: MessageStore,
    private readonly seriesStore: SeriesStore,
    private readonly outbox: Outbox,
    /** An error of the pass (a review that failed). */
    private readonly problem: (msg: string) => void,
    private readonly review: ReviewFn = reviewSeries,
    /** A warning: logged and kept for --status, not an error of the pass. */
    private readonly warn: (msg: string) => void = () => {},
    private readonly remote: RemoteReviews | null = null,
  ) {
    this.checks = new PatchworkChecks(db);
    this.views = new ReviewStore(db);
  }

  /** The list whose rules apply to a series, and the review configuration they make. */
  private rulesFor(series: Series, policy: WatchPolicy): { list: ListPolicy; config: KreviewConfig; input: RemoteReviewInput } {
    const lead = series.cover ?? series.patches[0];
    const list = governingList(lead, policy);
    const config: KreviewConfig = list.checks.length ? { ...policy.review, enable: list.checks } : policy.review;
    const input = { messageId: lead?.mail?.messageId ?? series.id, series, repo: list.repo, config, maintainersFile: list.maintainers, bases: list.bases };
    return { list, config, input };
  }

  /** With workers: hands every ready series over at once (the newest version of each), so that they are reviewed side by side. */
  async submit(ready: ReadySeries[], policy: WatchPolicy): Promise<void> {
    if (!this.remote) return;
    const newest = new Map<string, ReadySeries>();
    for (const r of ready) if ((newest.get(r.identity)?.series.version ?? -1) < r.series.version) newest.set(r.identity, r);
    for (const r of newest.values()) await this.remote.submit(this.rulesFor(r.series, policy).input);
  }

  async reviewReady(r: ReadySeries, policy: WatchPolicy, now: number): Promise<ReviewOutcome> {
    const { series } = r;
    const key = seriesKey(series);
    const outcome: ReviewOutcome = { key, queued: [], cancelled: 0, errors: [] };
    const { list, config, input } = this.rulesFor(series, policy);
    let review: Review;
    try {
      const repo = list.repo;
      if (this.remote) review = await this.remote.review(input);
      else {
        // The tree of each patch and the base its series applies to are decided in the pipeline (src/git/route.ts).
        const route = { maintainers: await loadMaintainers(list.maintainers, repo), bases: list.bases };
        const lease = repo ? await this.histories.acquire(repo, () => openHistory(repo)) : null;
        try {
          review = await this.review(series, { repo, config, history: lease?.history ?? null, route, placeUnapplied: false });
        } finally {
          lease?.release();
        }
      }
    } catch (e) {
      // The series is not retried forever: the caller quarantines it or marks it reviewed, with the error logged.
      outcome.errors.push(`${key}: review failed: ${(e as Error).message.split('\n')[0]}`);
      this.problem(outcome.errors[0]);
      outcome.failed = true;
      return outcome;
    }
    for (const pr of review.patches) outcome.errors.push(...pr.errors);
    // A malformed but reviewable patch: said as it happens and kept for --status, no error of the pass.
    for (const pr of review.patches) for (const w of pr.warnings ?? []) this.warn(w);

    const ctx: EmailContext = {
      // Late parts: the earlier reply already said what was missing; these say nothing about it.
      series: r.followUp ? { ...series, missing: [], complete: true } : series,
      policy: { replyAll: list.replyAll, extraCc: list.extraCc },
      bot: policy.bot,
      reportedIn: (k) => this.seriesStore.reportedBefore(r.identity, k, series.version),
      templatesDir: policy.templatesDir ?? undefined,
      findingsPerMail: policy.limits.findingsPerMail,
    };
    const plan = planReplies(review.patches, series, ctx, list, this.outbox, (k) => this.seriesStore.mailedAt(r.identity, k, series.version));
    outcome.errors.push(...plan.errors);

    // Not waiting for the disk: undone by a power loss, the series is reviewed again and its replies get the same ids.
    relaxedTransaction(this.db, () => {
      const { queued, cancelled } = enqueueReplies(this.outbox, this.seriesStore, plan.replies, {
        key,
        identity: r.identity,
        version: series.version,
        cover: series.cover,
        list,
        from: policy.bot.address,
        now,
        arrivedAt: (parent) => r.arrivedAt.get(parent.id) ?? now,
      });
      outcome.queued.push(...queued);
      outcome.cancelled = cancelled;
      const pw = list.patchwork;
      if (pw)
        for (const pr of review.patches) {
          if (pr.patch.kind !== 'mail') continue;
          const kept = pr.findings.filter((f) => keepFinding(f, list));
          this.checks.enqueue(pr.patch.id, patchworkInstance(pw), checkFor(kept, pw.targetUrl, pr.patch.id), now);
        }
      this.seriesStore.record(key, r.identity, series.version, series.missing, now, r.messageIds, seriesState(review));
      this.views.record(key, r.identity, list.key, review, (f) => keepFinding(f, list), now);
      this.messages.setState(r.messageIds, 'reviewed');
    });
    return outcome;
  }

  async close(): Promise<void> {
    await this.histories.close();
  }
}
