// Mails the GitHub App's review of a kernel-patches-daemon pull request back to the list, as
// replies under the series' own messages: the mail side of the BPF CI model. The PR's commits are
// the series' patches; the list's mails give the addressing (Message-ID, thread, author, To, Cc).
// Everything goes through the watch daemon's outbox, so a patch is answered once, whether its
// review came from the list (`mode: enabled`) or from its pull request (`mode: github`).
import { commitMessageId, type MailForwarder } from '../app/mail-forward.js';
import { printable } from '../core/errors.js';
import { KreviewError } from '../core/types.js';
import type { Patch, PatchReview, Series } from '../core/types.js';
import type { EmailContext } from '../review/render-email.js';
import type { MailHead } from '../state/mail-heads.js';
import { identityOf, seriesKey } from './assembler.js';
import { Watcher, type WatcherOptions } from './daemon.js';
import { listsFor, type ListPolicy, type WatchPolicy } from './policy.js';
import { enqueueReplies, keepFinding, planReplies } from './series-reviewer.js';
import { ReviewStore } from '../state/review-store.js';
import { links } from '../web/links.js';

/** The watcher's own options (the policy file names bot, state, sink and list rules), and where PRs are seen. */
export interface PullRequestMailerOptions extends Pick<WatcherOptions, 'policyFile' | 'log' | 'now' | 'sink' | 'metrics'> {
  /** Where pull requests are seen on the web (default https://github.com). */
  webUrl?: string;
}

export interface ForwardReport {
  /** Message-IDs of the replies queued by this call. */
  queued: string[];
  /** Message-IDs sent during this call (it also sends anything else that was due). */
  sent: string[];
  /** One line per thing not mailed and why (no findings, already answered, no matching mail). */
  skipped: string[];
}

type ForwardArgs = Parameters<MailForwarder['send']>[0];

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
const summaryOf = (p: Patch): string => norm(p.prefix.summary || p.subject);

/** The list entry whose rules apply to a series mailed back from GitHub: the first that allows replies. */
export function forwardingList(lead: Patch, policy: WatchPolicy): ListPolicy | null {
  return listsFor(lead, policy).find((l) => l.enabled || l.viaGithub) ?? null;
}

/**
 * Pairs the PR's commits with the series' patch mails: by the Message-ID a commit names in its
 * trailers; then by subject, when it is unique on both sides (a commit's summary is the mail's
 * subject without its `[PATCH v2 3/7]` tag); then, when both have the same number of parts, by
 * position for what is left (a subject reworded when the commit was applied).
 */
export function pairParts(reviews: PatchReview[], parts: MailHead[]): Map<PatchReview, MailHead> {
  const out = new Map<PatchReview, MailHead>();
  const free = new Set(parts);
  // A commit that says which mail it was applied from (Message-ID: or Link: trailer) needs no guess.
  const byId = new Map(parts.map((p) => [p.messageId, p]));
  for (const r of reviews) {
    const id = commitMessageId(r.patch.message);
    const mail = id ? byId.get(id) : undefined;
    if (mail && free.has(mail)) {
      out.set(r, mail);
      free.delete(mail);
    }
  }
  const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map<string, number>());
  const commitSubjects = count(reviews, (r) => summaryOf(r.patch));
  const mailSubjects = count(parts, (p) => summaryOf(p.patch));
  for (const r of reviews) {
    // Only a subject that is unique on both sides says which mail a commit came from.
    const s = summaryOf(r.patch);
    if (out.has(r) || commitSubjects.get(s) !== 1 || mailSubjects.get(s) !== 1) continue;
    const mail = parts.find((p) => summaryOf(p.patch) === s)!;
    if (!free.has(mail)) continue;
    out.set(r, mail);
    free.delete(mail);
  }
  if (reviews.length === parts.length) {
    reviews.forEach((r, i) => {
      if (!out.has(r) && free.has(parts[i])) {
        out.set(r, parts[i]);
        free.delete(parts[i]);
      }
    });
  }
  return out;
}

/** The commit's message, diff and findings, addressed as the mail it was applied from. */
function asMail(commit: Patch, head: MailHead): Patch {
  const m = head.patch;
  return { ...commit, id: m.id, kind: 'mail', subject: m.subject, prefix: m.prefix, author: m.author, date: m.date, mail: m.mail, changeId: m.changeId ?? commit.changeId };
}

const senderOf = (h: MailHead): string => norm(h.patch.mail?.from?.email ?? h.patch.author.email);

/**
 * The cover letter and the patches of the series `named` belongs to, from the messages of its
 * thread: same version, one message per part number. Two messages for one part (someone posted a
 * patch of their own in the thread) are told apart by the sender of the named message.
 */
export function seriesMembers(thread: MailHead[], named: MailHead): { cover: MailHead | null; parts: MailHead[] } {
  const byPart = new Map<number, MailHead>();
  const unnumbered: MailHead[] = [];
  for (const h of [named, ...thread.filter((t) => t.messageId !== named.messageId)]) {
    if (h.version !== named.version) continue;
    if (h.part === null) {
      if (h === named) unnumbered.push(h);
      continue;
    }
    const had = byPart.get(h.part);
    if (!had || (senderOf(had) !== senderOf(named) && senderOf(h) === senderOf(named))) byPart.set(h.part, h);
  }
  const cover = byPart.get(0) ?? null;
  const parts = [...byPart.entries()].filter(([n]) => n > 0).sort(([a], [b]) => a - b).map(([, h]) => h);
  return { cover: cover?.kind === 'cover' ? cover : null, parts: [...unnumbered, ...parts] };
}

export class PullRequestMailer implements MailForwarder {
  readonly watcher: Watcher;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private readonly webUrl: string;

  constructor(opts: PullRequestMailerOptions) {
    this.log = opts.log ?? ((m) => process.stderr.write(`kreview serve: mail: ${m}\n`));
    this.now = opts.now ?? Date.now;
    this.webUrl = (opts.webUrl ?? 'https://github.com').replace(/\/+$/, '');
    this.watcher = new Watcher({ policyFile: opts.policyFile, log: this.log, now: this.now, sink: opts.sink, ...(opts.metrics ? { metrics: opts.metrics } : {}) });
  }

  /** The web view's page of the series this Message-ID belongs to (the policy's web.url), or null. */
  permalink(messageId: string): string | null {
    const url = this.watcher.policy.current.web.url;
    return url ? `${url}${links.message(messageId)}` : null;
  }

  async send(args: ForwardArgs): Promise<void> {
    const r = await this.forward(args);
    const where = `${args.pr.owner}/${args.pr.repo}#${args.pr.number}`;
    this.log(`${where}: series <${printable(args.messageId)}>: queued ${r.queued.length} repl${r.queued.length === 1 ? 'y' : 'ies'}, sent ${r.sent.length}`);
    for (const s of r.skipped) this.log(`${where}: ${s}`);
  }

  /** Finds the series' mails, renders the replies under the list's rules, queues them, sends what is due. */
  async forward({ review, messageId, pr }: ForwardArgs): Promise<ForwardReport> {
    const w = this.watcher;
    // The id comes from a PR body anyone can write: it only ever reaches SQL as a parameter and logs as printable text.
    const shown = printable(messageId);
    if (w.policy.refresh()) this.log(`policy ${w.policy.file} reloaded`);
    const heads = w.messages.heads;
    let named = heads.get(messageId);
    if (!named) {
      // The list mirror may not have been read since the series arrived: read it once now.
      const errors = await w.pollSources();
      for (const e of errors) this.log(e);
      named = heads.get(messageId);
    }
    if (!named) throw new KreviewError(`series <${shown}> is not in any list kreview watches (yet); nothing mailed`);
    const policy = w.policy.current;
    const { cover, parts } = seriesMembers(heads.thread(named.thread), named);
    const lead = (cover ?? parts[0] ?? named).patch;
    const list = forwardingList(lead, policy);
    if (!list) throw new KreviewError(`series <${shown}> went to a muted list (${listsFor(lead, policy).map((l) => l.key).join(', ')}); nothing mailed`);

    const report: ForwardReport = { queued: [], sent: [], skipped: [] };
    const pairs = pairParts(review.patches, parts);
    for (const r of review.patches) if (!pairs.has(r)) report.skipped.push(`commit ${r.patch.commit?.slice(0, 12) ?? r.patch.id} ("${r.patch.subject}") matches no patch mail of the series; its findings were not mailed`);

    const paired = [...pairs].sort(([, a], [, b]) => (a.part ?? 0) - (b.part ?? 0));
    const mailed = paired.map(([r, h]) => ({ ...r, patch: asMail(r.patch, h) }));
    const series: Series = {
      id: cover?.messageId ?? parts[0]?.messageId ?? named.messageId,
      version: named.version,
      subject: lead.prefix.summary || lead.subject,
      cover: cover?.patch ?? null,
      patches: mailed.map((r) => r.patch),
      total: lead.prefix.total ?? parts.length,
      missing: [],
      complete: true,
    };
    const identity = identityOf(series);
    const ctx: EmailContext = {
      series,
      policy: { replyAll: list.replyAll, extraCc: list.extraCc },
      bot: policy.bot,
      reportedIn: (k) => w.seriesStore.reportedBefore(identity, k, series.version),
      templatesDir: policy.templatesDir ?? undefined,
      findingsPerMail: policy.limits.findingsPerMail,
      via: `The same review is on the pull request: ${this.webUrl}/${pr.owner}/${pr.repo}/pull/${pr.number} (at ${pr.headSha.slice(0, 12)}).`,
      date: new Date(this.now()),
    };
    const plan = planReplies(mailed, series, ctx, list, w.outbox);
    report.skipped.push(...plan.skipped, ...plan.errors);

    const arrived = new Map([...(cover ? [cover] : []), ...parts].map((h) => [h.messageId, h.receivedAt]));
    const now = this.now();
    const key = seriesKey(series);
    w.db.transaction(() => {
      // Shown in the web view like a series reviewed from the list, with the PR it was reviewed on.
      new ReviewStore(w.db).record(key, identity, list.key, { series, patches: mailed }, (f) => keepFinding(f, list), now, `${pr.owner}/${pr.repo}#${pr.number}`);
      const { queued } = enqueueReplies(w.outbox, w.seriesStore, plan.replies, {
        key,
        identity,
        version: series.version,
        cover: series.cover,
        list,
        from: policy.bot.address,
        now,
        arrivedAt: (parent) => arrived.get(parent.id) ?? now,
      });
      report.queued.push(...queued);
    })();
    const sent = await w.flushOutbox();
    report.sent.push(...sent.sent);
    return report;
  }

  /** Sends what became due (an embargo ended, a retry's back-off passed). */
  async flush(): Promise<string[]> {
    return (await this.watcher.flushOutbox()).sent;
  }

  async close(): Promise<void> {
    await this.watcher.close();
  }
}
