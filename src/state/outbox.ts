// The outbox: each reply moves pending -> sending -> sent | failed (or cancelled when a newer version
// supersedes it), keyed by its deterministic Message-ID so that enqueuing twice is a no-op.
//
// Exactly once. A row is claimed (state 'sending', this run's id) in its own committed transaction
// before the sink is called, and marked 'sent' in another right after the sink returns. Between the
// two lies a window in which the receiver may hold the message while the state does not say so: for
// SMTP it runs from the moment the final `.` is written until the server's answer is recorded, and
// the server may take up to the sink's socket timeout to answer (`answerWindowMs`). Two things end
// inside that window without a verdict: a SIGKILL (the row stays 'sending', owned by a dead run), and
// a send that times out waiting for the answer (the sink says SinkUncertain; the row stays 'sending',
// owned by no run). Retrying either at once would mail the same reply twice whenever the server did
// take it. Such an unsettled row is resolved
//  1. by the sink when it can tell (the directory sink: the .eml file exists, written by atomic rename);
//  2. else by evidence: the reply came back through a list or mailbox the daemon reads (its Message-ID
//     is in the messages table), which is how reply-all mail to a list ends;
//  3. else, once the sink's answer window and `orphanGraceMs` have passed since it was claimed without
//     evidence, it is sent again with the same Message-ID and the same bytes, so list archives and mail
//     clients collapse a duplicate; losing a reply silently would be worse.
import { randomUUID } from 'node:crypto';
import { SinkUncertain, SinkUnreachable, type Sink } from '../sinks/sink.js';
import { prepared, type Db } from './open-state.js';

/**
 * `held`: a reply to a list in `mode: moderated`, waiting for a maintainer's decision in the web view;
 * approved it becomes `pending` (and goes out like any other reply), dropped it becomes `dropped` and
 * is never sent. Neither decision can be taken twice: both change only a row that is still held.
 */
export type OutboxState = 'held' | 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'dropped';

export type Decision = 'approved' | 'dropped';

export interface OutboxEntry {
  messageId: string;
  inReplyTo: string;
  seriesKey: string;
  seriesIdentity: string;
  version: number;
  /** Policy list key the reply is counted against for rate limits. */
  list: string;
  /** Thread root Message-ID, for per-thread rate limits. */
  thread: string;
  envFrom: string;
  envTo: string[];
  raw: string;
  /** Not sent before this time (ms): the embargo. */
  notBefore: number;
  /** Held for a maintainer's approval (a moderated list). */
  held?: boolean;
}

export interface RateLimits {
  perListPerHour?: number;
  perThreadPerHour?: number;
}

export type OutboxStep = 'claimed' | 'delivered' | 'recorded';

export interface DispatchOptions {
  now?: number;
  /** Rate limits for a list key; undefined: unlimited. */
  limits?: (list: string) => RateLimits | undefined;
  /** Was this Message-ID seen coming back (a list copy)? */
  seen?: (messageId: string) => boolean;
  /** Called after each durable step; lets tests crash the process exactly there. */
  onStep?: (step: OutboxStep, messageId: string) => void;
}

export interface DispatchReport {
  sent: string[];
  retried: string[];
  failed: string[];
  deferred: string[];
  /** Sent with no answer: left unsettled, for the settle rule above. */
  uncertain: string[];
  /** One line per failed send; a sink that cannot be reached ends the dispatch (the rest wait for the next one). */
  errors: string[];
}

const HOUR = 3_600_000;

export class Outbox {
  /** Identifies this process's claims; claims by any other run id are orphans of a crash. */
  readonly runId = randomUUID();
  maxAttempts = 8;
  baseBackoffMs = 30_000;
  maxBackoffMs = 6 * HOUR;
  orphanGraceMs = 15 * 60_000;

  constructor(private readonly db: Db) {}

  /** Adds a reply; returns false if this Message-ID is already in the outbox (in any state). */
  enqueue(e: OutboxEntry, now = Date.now()): boolean {
    const r = prepared(
      this.db,
      `INSERT OR IGNORE INTO outbox (message_id, in_reply_to, series_key, series_identity, version, list, thread,
           env_from, env_to, raw, state, not_before, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.messageId, e.inReplyTo, e.seriesKey, e.seriesIdentity, e.version, e.list, e.thread, e.envFrom,
        JSON.stringify(e.envTo), e.raw, e.held ? 'held' : 'pending', e.notBefore, now);
    return r.changes === 1;
  }

  /** Was a reply to this message already queued, held, sent or dropped (cancelled ones do not count)? A dropped reply is not written again. */
  answered(inReplyTo: string): boolean {
    return prepared(this.db, `SELECT 1 FROM outbox WHERE in_reply_to = ? AND state != 'cancelled'`).pluck().get(inReplyTo) !== undefined;
  }

  /** Cancels unsent (pending or held) replies for older versions of a series identity. Returns how many. */
  cancelOlder(identity: string, newerThan: number): number {
    return prepared(this.db, `UPDATE outbox SET state = 'cancelled', last_error = 'superseded by v' || ? WHERE series_identity = ? AND version < ? AND state IN ('pending', 'held')`).run(newerThan, identity, newerThan).changes;
  }

  /**
   * A maintainer's decision on a held reply: approved goes to `pending` (sent by the next dispatch,
   * once), dropped to `dropped` (never sent). Returns false when the reply is not held (any more):
   * decided before, cancelled by a newer version, or unknown. `via` says who decided (logged).
   */
  decide(messageId: string, decision: Decision, via: string, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE outbox SET state = ? WHERE message_id = ? AND state = 'held'`)
        .run(decision === 'approved' ? 'pending' : 'dropped', messageId).changes;
      if (changed !== 1) return false;
      this.db.prepare(`INSERT OR REPLACE INTO moderation (message_id, decision, decided_at, via) VALUES (?, ?, ?, ?)`).run(messageId, decision, now, via);
      return true;
    })();
  }

  state(messageId: string): OutboxState | null {
    return (this.db.prepare(`SELECT state FROM outbox WHERE message_id = ?`).pluck().get(messageId) as OutboxState | undefined) ?? null;
  }

  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { held: 0, pending: 0, sending: 0, sent: 0, failed: 0, cancelled: 0, dropped: 0 };
    for (const r of this.db.prepare(`SELECT state, count(*) AS n FROM outbox GROUP BY state`).all() as { state: OutboxState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /** Settles rows left in 'sending' by a run that died (see the top of this file). */
  async recover(sink: Sink, opts: { now?: number; seen?: (id: string) => boolean } = {}): Promise<{ sent: string[]; requeued: string[] }> {
    const now = opts.now ?? Date.now();
    const orphans = this.db
      .prepare(`SELECT message_id, claimed_at FROM outbox WHERE state = 'sending' AND claimed_by IS NOT ?`)
      .all(this.runId) as { message_id: string; claimed_at: number }[];
    const sent: string[] = [];
    const requeued: string[] = [];
    for (const o of orphans) {
      const known = await sink.delivered(o.message_id);
      if (known === true || (known === null && opts.seen?.(o.message_id))) {
        this.markSent(o.message_id, now);
        sent.push(o.message_id);
      } else if (known === false || now - o.claimed_at >= sink.answerWindowMs + this.orphanGraceMs) {
        this.db.prepare(`UPDATE outbox SET state = 'pending', claimed_by = NULL, last_error = 'requeued after a crash' WHERE message_id = ?`).run(o.message_id);
        requeued.push(o.message_id);
      }
    }
    return { sent, requeued };
  }

  /** Sends what is due, one message at a time, each step committed before the next. */
  async dispatch(sink: Sink, opts: DispatchOptions = {}): Promise<DispatchReport> {
    const now = opts.now ?? Date.now();
    const report: DispatchReport = { sent: [], retried: [], failed: [], deferred: [], uncertain: [], errors: [] };
    const due = this.db
      .prepare(`SELECT message_id, list, thread, env_from, env_to, raw, attempts FROM outbox WHERE state = 'pending' AND not_before <= ? ORDER BY created_at, message_id`)
      .all(now) as { message_id: string; list: string; thread: string; env_from: string; env_to: string; raw: string; attempts: number }[];
    for (const [i, row] of due.entries()) {
      const limits = opts.limits?.(row.list);
      if (limits && this.overLimit(row.list, row.thread, limits, now)) {
        this.db.prepare(`UPDATE outbox SET not_before = ? WHERE message_id = ?`).run(now + 5 * 60_000, row.message_id);
        report.deferred.push(row.message_id);
        continue;
      }
      const claimed = this.db
        .prepare(`UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE message_id = ? AND state = 'pending'`)
        .run(this.runId, now, row.message_id).changes;
      if (claimed !== 1) continue;
      opts.onStep?.('claimed', row.message_id);
      try {
        await sink.send({ messageId: row.message_id, raw: row.raw, envelope: { from: row.env_from, to: JSON.parse(row.env_to) as string[] } });
      } catch (e) {
        const attempts = row.attempts + 1;
        const msg = (e as Error).message.split('\n')[0];
        if (e instanceof SinkUncertain) {
          // Owned by no run: the next recover() settles it like a crash orphan, never a blind retry.
          this.db.prepare(`UPDATE outbox SET claimed_by = NULL, last_error = ? WHERE message_id = ?`).run(msg, row.message_id);
          report.uncertain.push(row.message_id);
        } else if (attempts >= this.maxAttempts) {
          this.db.prepare(`UPDATE outbox SET state = 'failed', claimed_by = NULL, last_error = ? WHERE message_id = ?`).run(msg, row.message_id);
          report.failed.push(row.message_id);
        } else {
          const delay = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempts - 1));
          this.db.prepare(`UPDATE outbox SET state = 'pending', claimed_by = NULL, not_before = ?, last_error = ? WHERE message_id = ?`).run(now + delay, msg, row.message_id);
          report.retried.push(row.message_id);
        }
        if (e instanceof SinkUnreachable) {
          // A server that does not answer costs one timeout per dispatch, not one per waiting reply.
          const left = due.length - i - 1;
          report.errors.push(left ? `${msg}; ${left} more repl${left === 1 ? 'y waits' : 'ies wait'} for the next try` : msg);
          break;
        }
        report.errors.push(`reply <${row.message_id}>: ${msg}`);
        continue;
      }
      opts.onStep?.('delivered', row.message_id);
      this.markSent(row.message_id, now);
      opts.onStep?.('recorded', row.message_id);
      report.sent.push(row.message_id);
    }
    return report;
  }

  /** Puts failed rows back in the queue (an operator's `--retry-failed`): nothing is ever dropped. */
  retryFailed(now = Date.now()): number {
    return this.db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, not_before = ? WHERE state = 'failed'`).run(now).changes;
  }

  private markSent(messageId: string, at: number): void {
    this.db.prepare(`UPDATE outbox SET state = 'sent', sent_at = ?, claimed_by = NULL, last_error = NULL WHERE message_id = ?`).run(at, messageId);
  }

  private overLimit(list: string, thread: string, limits: RateLimits, now: number): boolean {
    const since = now - HOUR;
    const count = (col: 'list' | 'thread', v: string): number =>
      this.db.prepare(`SELECT count(*) FROM outbox WHERE ${col} = ? AND (state = 'sending' OR (state = 'sent' AND sent_at >= ?))`).pluck().get(v, since) as number;
    if (limits.perListPerHour !== undefined && count('list', list) >= limits.perListPerHour) return true;
    if (limits.perThreadPerHour !== undefined && count('thread', thread) >= limits.perThreadPerHour) return true;
    return false;
  }
}
