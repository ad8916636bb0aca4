// Reviews a ready series with the shared pipeline and turns the result into outbox entries under
// the list's policy: severity threshold, checks, recipients, embargo, never twice per Message-ID.
import type { KreviewConfig } from '../core/config.js';
import type { Finding, Patch, PatchReview, Review } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import type { History } from '../git/history-types.js';
import { openHistory } from '../git/history.js';
import { findingKey, renderCoverSummary, renderEmailReply, type EmailContext, type EmailReply } from '../review/render-email.js';
import { reviewSeries } from '../review/pipeline.js';
import type { Db } from '../state/open-state.js';
import type { MessageStore } from '../state/messages.js';
import type { Outbox, OutboxEntry } from '../state/outbox.js';
import type { SeriesStore } from '../state/series-store.js';
import { seriesKey, type ReadySeries } from './assembler.js';
import { baseFor, listsFor, type ListPolicy, type WatchPolicy } from './policy.js';

export type ReviewFn = (series: ReadySeries['series'], opts: { repo: string | null; base?: string; config: KreviewConfig; history: History | null }) => Promise<Review>;

export interface ReviewOutcome {
  key: string;
  queued: string[];
  cancelled: number;
  errors: string[];
}

const HOUR = 3_600_000;

/** The list whose rules apply: the first enabled entry that the series' lead message went to. */
export function governingList(patch: Patch, policy: WatchPolicy): ListPolicy {
  const lists = listsFor(patch, policy);
  return lists.find((l) => l.enabled) ?? lists[0];
}

/** Does the list's policy (severity floor, checks) let this finding be mailed? */
export function keepFinding(f: Finding, list: ListPolicy): boolean {
  if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[list.minSeverity]) return false;
  return !list.checks.length || list.checks.some((c) => f.id === c || f.id.startsWith(`${c}/`));
}

export class SeriesReviewer {
  private readonly histories = new Map<string, Promise<History>>();

  constructor(
    private readonly db: Db,
    private readonly messages: MessageStore,
    private readonly seriesStore: SeriesStore,
    private readonly outbox: Outbox,
    private readonly warn: (msg: string) => void,
    private readonly review: ReviewFn = reviewSeries,
  ) {}

  /**
   * One History per repository for the daemon's lifetime (its git processes and indexes stay
   * warm), caught up before each review with what was committed or fetched since: a Fixes: tag
   * naming yesterday's commit must not be "unknown" to a daemon started last week.
   */
  private async history(repo: string): Promise<History> {
    let h = this.histories.get(repo);
    if (!h) {
      h = openHistory(repo);
      this.histories.set(repo, h);
      h.catch(() => this.histories.delete(repo));
      return h;
    }
    const kept = await h;
    await kept.refresh();
    return kept;
  }

  async reviewReady(r: ReadySeries, policy: WatchPolicy, now: number): Promise<ReviewOutcome> {
    const { series } = r;
    const lead = series.cover ?? series.patches[0];
    const list = governingList(lead, policy);
    const key = seriesKey(series);
    const outcome: ReviewOutcome = { key, queued: [], cancelled: 0, errors: [] };
    const hasBaseCommit = series.cover?.baseCommit || series.patches.some((p) => p.baseCommit);
    const base = hasBaseCommit ? undefined : baseFor(series.patches[0], list);
    const config: KreviewConfig = list.checks.length ? { ...policy.review, enable: list.checks } : policy.review;
    let review: Review;
    try {
      const history = list.repo ? await this.history(list.repo) : null;
      review = await this.review(series, { repo: list.repo, base, config, history });
    } catch (e) {
      // The series is not retried forever: it is marked reviewed with the error logged.
      outcome.errors.push(`${key}: review failed: ${(e as Error).message.split('\n')[0]}`);
      this.warn(outcome.errors[0]);
      this.messages.setState(r.messageIds, 'reviewed');
      return outcome;
    }
    for (const pr of review.patches) outcome.errors.push(...pr.errors);

    const ctx: EmailContext = {
      // Late parts: the earlier reply already said what was missing; these say nothing about it.
      series: r.followUp ? { ...series, missing: [], complete: true } : series,
      policy: { replyAll: list.replyAll, extraCc: list.extraCc },
      bot: policy.bot,
      reportedIn: (k) => this.seriesStore.reportedBefore(r.identity, k, series.version),
      templatesDir: policy.templatesDir ?? undefined,
    };
    const replies: { reply: EmailReply; parent: Patch; keys: string[] }[] = [];
    const kept: PatchReview[] = [];
    for (const pr of review.patches) {
      const findings = pr.findings.filter((f) => keepFinding(f, list));
      const filtered = { ...pr, findings };
      kept.push(filtered);
      if (!findings.length || this.outbox.answered(pr.patch.id)) continue;
      try {
        const reply = renderEmailReply(filtered, ctx);
        if (reply) replies.push({ reply, parent: pr.patch, keys: findings.map((f) => findingKey(pr.patch, f)) });
      } catch (e) {
        outcome.errors.push(`${pr.patch.source}: cannot render the reply: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (list.coverSummary && series.cover && !this.outbox.answered(series.cover.id)) {
      const summary = renderCoverSummary({ series, patches: kept }, ctx);
      if (summary) replies.push({ reply: summary, parent: series.cover, keys: [] });
    }

    this.db.transaction(() => {
      outcome.cancelled = this.outbox.cancelOlder(r.identity, series.version);
      for (const { reply, parent, keys } of replies) {
        const arrived = r.arrivedAt.get(parent.id) ?? now;
        const entry: OutboxEntry = {
          messageId: reply.messageId,
          inReplyTo: parent.id,
          seriesKey: key,
          seriesIdentity: r.identity,
          version: series.version,
          list: list.key,
          thread: parent.mail?.references[0] ?? parent.mail?.inReplyTo ?? series.cover?.id ?? parent.id,
          envFrom: policy.bot.address,
          envTo: [...reply.to, ...reply.cc],
          raw: reply.raw,
          notBefore: arrived + list.embargoHours * HOUR,
        };
        if (this.outbox.enqueue(entry, now)) outcome.queued.push(reply.messageId);
        this.seriesStore.addReported(r.identity, keys, series.version);
      }
      this.seriesStore.record(key, r.identity, series.version, series.missing, now, r.messageIds);
      this.messages.setState(r.messageIds, 'reviewed');
    })();
    return outcome;
  }

  async close(): Promise<void> {
    for (const h of this.histories.values()) {
      try {
        await (await h).close();
      } catch {
        // A History that failed to open has nothing to close.
      }
    }
    this.histories.clear();
  }
}
