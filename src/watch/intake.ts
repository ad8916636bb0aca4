// Turns raw messages from any source into rows of the messages table, once per Message-ID:
// decodes them, sorts out bots, auto-replies, replies and muted lists, keeps patches for assembly.
import type { Patch } from '../core/types.js';
import { parseMail } from '../patch/mail.js';
import { parseSubject } from '../patch/subject.js';
import { classifyMessage } from '../series/classify.js';
import type { MessageKind, MessageStore } from '../state/messages.js';
import { automaticReason, matchesSender } from './bot-filter.js';
import { peekHeaders, type HeaderPeek } from './header-scan.js';
import { listsFor, type WatchPolicy } from './policy.js';
import type { RawMessage } from './raw-message.js';

export interface IntakeCounts {
  read: number;
  duplicates: number;
  patches: number;
  skipped: number;
  bad: number;
}

/**
 * What kind of message this is for the watcher, and why it is not reviewed when it is not.
 * `head`: a patch or cover letter whose headers are kept for replies (reviewed here, or on GitHub).
 */
export function classify(patch: Patch, policy: WatchPolicy): { kind: MessageKind; note?: string; head?: 'patch' | 'cover' } {
  const auto = automaticReason(patch, policy.bot.address, policy.bot.domain);
  if (auto) return { kind: 'ignored', note: auto };
  const senders = [patch.author.email, patch.mail?.from?.email ?? ''].filter(Boolean);
  const lists = listsFor(patch, policy);
  const ignored = [...policy.ignoreSenders, ...lists.flatMap((l) => l.ignoreSenders)];
  if (senders.some((s) => matchesSender(s, ignored))) return { kind: 'ignored', note: 'ignored sender' };
  const muted = !lists.some((l) => l.enabled);
  if (muted && !lists.some((l) => l.viaGithub)) return { kind: 'ignored', note: `muted list ${lists.map((l) => l.key).join(', ')}` };
  // b4's reading: a reply keeps `[PATCH` in its subject and may quote a whole diff; it is still a reply.
  const c = classifyMessage(patch);
  if (c !== 'patch' && c !== 'cover') return { kind: 'other', note: c === 'reply' ? 'a reply' : 'not a patch' };
  if (muted) return { kind: 'ignored', note: 'reviewed through its GitHub pull request', head: c };
  return { kind: c, head: c };
}

export class Intake {
  readonly counts: IntakeCounts = { read: 0, duplicates: 0, patches: 0, skipped: 0, bad: 0 };

  constructor(
    private readonly messages: MessageStore,
    private readonly policy: () => WatchPolicy,
    private readonly warn: (msg: string) => void,
    private readonly now: () => number = Date.now,
    /** Decodes on other threads (the review threads, idle while intake runs): a batch's messages are all handed over first. */
    private readonly decodeElsewhere: ((raw: Buffer, origin: string) => Promise<Patch>) | null = null,
  ) {}

  /**
   * With other threads to decode on, every message of the batch that will be decoded is handed over
   * at once (the same test as below: not known already, not a reply); handle() then takes the results
   * in the batch's order, so what is stored and warned is the same as decoding one by one here.
   */
  private decodeAhead(batch: RawMessage[], peeks: HeaderPeek[], known: boolean[]): (Promise<Patch> | null)[] {
    const decode = this.decodeElsewhere;
    if (!decode) return batch.map(() => null);
    return batch.map((m, i) => {
      const peek = peeks[i];
      if (known[i]) return null;
      if (peek.messageId && peek.subject !== null && !peek.subject.includes('=?') && parseSubject(peek.subject).isReply) return null;
      const p = decode(m.raw, m.origin);
      // A result handle() does not take (a duplicate within the batch) must not be an unhandled rejection.
      p.catch(() => {});
      return p;
    });
  }

  /** Stores a batch; a bad message is recorded with its one-line error and the batch goes on. */
  async handle(batch: RawMessage[]): Promise<void> {
    const policy = this.policy();
    const rows: Parameters<MessageStore['add']>[0][] = [];
    const inBatch = new Set<string>();
    const peeks = batch.map((m) => peekHeaders(m.raw));
    // Looked up once per message: nothing is stored until the batch's end.
    const known = peeks.map((p) => p.messageId !== null && p.messageId !== '' && this.messages.has(p.messageId));
    const ahead = this.decodeAhead(batch, peeks, known);
    for (const [i, m] of batch.entries()) {
      this.counts.read++;
      const peek = peeks[i];
      if (peek.messageId && (inBatch.has(peek.messageId) || known[i])) {
        this.counts.duplicates++;
        if (peek.listIds.length) this.messages.addLists(peek.messageId, peek.listIds);
        continue;
      }
      // A reply is never reviewed nor answered: it is recorded (for dedupe and as evidence that a
      // reply of ours came back) without decoding the whole MIME structure, which is most of the cost.
      if (peek.messageId && peek.subject !== null && !peek.subject.includes('=?') && parseSubject(peek.subject).isReply) {
        inBatch.add(peek.messageId);
        this.counts.skipped++;
        rows.push({ id: peek.messageId, source: m.origin, at: this.now(), kind: 'other', lists: peek.listIds, note: 'a reply' });
        continue;
      }
      let patch: Patch;
      try {
        patch = await (ahead[i] ?? parseMail(m.raw, m.origin));
      } catch (e) {
        this.counts.bad++;
        this.warn((e as Error).message);
        if (peek.messageId) {
          inBatch.add(peek.messageId);
          rows.push({ id: peek.messageId, source: m.origin, at: this.now(), kind: 'bad', lists: peek.listIds, note: (e as Error).message.slice(0, 300) });
        }
        continue;
      }
      if (inBatch.has(patch.id) || (patch.id === peek.messageId ? known[i] : this.messages.has(patch.id))) {
        this.counts.duplicates++;
        continue;
      }
      inBatch.add(patch.id);
      const { kind, note, head } = classify(patch, policy);
      if (kind === 'patch' || kind === 'cover') this.counts.patches++;
      else this.counts.skipped++;
      rows.push({ id: patch.id, source: m.origin, at: this.now(), kind, lists: patch.mail?.listIds ?? [], patch, note, head });
    }
    this.messages.addMany(rows);
  }
}
