// Seen messages: one row per Message-ID, the decoded patch kept as JSON until its series is reviewed.
import type { Patch } from '../core/types.js';
import { MailHeads } from './mail-heads.js';
import { relaxedTransaction, type Db } from './open-state.js';

export type MessageKind = 'patch' | 'cover' | 'other' | 'ignored' | 'bad';
/**
 * `reviewing`: its series' review started and has not ended; found so at start-up, the process died
 * during it. `quarantined`: its review failed, ran past its limit or killed the process twice; never
 * tried again (the reason is in `note`).
 */
export type MessageState = 'waiting' | 'reviewing' | 'reviewed' | 'superseded' | 'done' | 'quarantined';

/** States that keep the decoded patch (it is still to be reviewed, or an operator may look at it). */
const KEEPS_PATCH: ReadonlySet<MessageState> = new Set(['waiting', 'reviewing', 'quarantined']);

/** `note` of a message sent back to wait after the process died during its review once. */
const INTERRUPTED_ONCE = 'interrupted once: the process died during its review';
/** `note` of a quarantined message an operator sent back to wait (`kreview watch --requeue`). */
const REQUEUED = 'requeued by an operator after quarantine';

export interface Quarantined {
  messageId: string;
  subject: string;
  receivedAt: number;
  reason: string;
}

export interface StoredPatch {
  patch: Patch;
  receivedAt: number;
  lists: string[];
  /**
   * No longer waiting: handled (reviewed, superseded, done) by a review batch the process died in.
   * It is given to assembly again so that the batch is grouped as it was the first time.
   */
  settled?: true;
}

/** States of a message its batch has moved on; their JSON is dropped when the batch ends (`endBatch`). */
const HANDLED = `('reviewed', 'superseded', 'done')`;

function fromRow(r: { patch_json: string; received_at: number; lists: string; waiting: number }): StoredPatch {
  const out: StoredPatch = { patch: JSON.parse(r.patch_json) as Patch, receivedAt: r.received_at, lists: JSON.parse(r.lists) as string[] };
  if (!r.waiting) out.settled = true;
  return out;
}

export class MessageStore {
  private readonly hasStmt;
  private readonly insertStmt;
  private readonly listsStmt;
  private readonly setListsStmt;
  private readonly setStateStmt;
  readonly heads: MailHeads;
  /** Ids moved out of waiting by the review batch under way (null: none under way); see beginBatch. */
  private batch: Set<string> | null = null;
  /**
   * Rowids of messages that a batch the last process died in had moved on (their JSON still
   * there): waitingBatches gives them to assembly with their senders' waiting messages.
   */
  private unsettled: number[] = [];

  constructor(private readonly db: Db) {
    this.heads = new MailHeads(db);
    this.hasStmt = db.prepare(`SELECT 1 FROM messages WHERE message_id = ?`).pluck();
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO messages (message_id, source, received_at, kind, state, lists, patch_json, note)
       VALUES (@id, @source, @at, @kind, @state, @lists, @patch, @note)`,
    );
    this.listsStmt = db.prepare(`SELECT lists FROM messages WHERE message_id = ?`).pluck();
    this.setListsStmt = db.prepare(`UPDATE messages SET lists = ? WHERE message_id = ?`);
    this.setStateStmt = db.prepare(`UPDATE messages SET state = ?, patch_json = CASE WHEN ? THEN NULL ELSE patch_json END WHERE message_id = ?`);
  }

  has(messageId: string): boolean {
    return this.hasStmt.get(messageId) !== undefined;
  }

  /**
   * Records a message once; returns false when the Message-ID was already known. `head` keeps the
   * headers of a patch or cover letter for later replies (see mail-heads.ts), even when its list
   * is not reviewed here.
   */
  add(m: { id: string; source: string; at: number; kind: MessageKind; lists: string[]; patch?: Patch; note?: string; head?: 'patch' | 'cover' }): boolean {
    const waiting = m.kind === 'patch' || m.kind === 'cover';
    const r = this.insertStmt.run({
      id: m.id,
      source: m.source,
      at: m.at,
      kind: m.kind,
      state: waiting ? 'waiting' : 'done',
      lists: JSON.stringify(m.lists),
      patch: waiting && m.patch ? JSON.stringify(m.patch) : null,
      note: m.note ?? null,
    });
    if (r.changes === 1 && m.head && m.patch) this.heads.add(m.patch, m.head, m.at);
    return r.changes === 1;
  }

  /** Records many messages in one transaction, not waiting for the disk (a power loss means reading them again). */
  addMany(rows: Parameters<MessageStore['add']>[0][]): void {
    relaxedTransaction(this.db, () => {
      for (const r of rows) this.add(r);
    });
  }

  /** The same message seen through another list: remember the list, nothing else. */
  addLists(messageId: string, lists: string[]): void {
    const cur = this.listsStmt.get(messageId) as string | undefined;
    if (cur === undefined) return;
    const set = new Set<string>(JSON.parse(cur) as string[]);
    const before = set.size;
    for (const l of lists) set.add(l);
    if (set.size !== before) this.setListsStmt.run(JSON.stringify([...set]), messageId);
  }

  /** Takes messages out of review for good, with the one-line reason. */
  quarantine(ids: string[], reason: string): void {
    const st = this.db.prepare(`UPDATE messages SET state = 'quarantined', note = ? WHERE message_id = ?`);
    this.db.transaction(() => {
      for (const id of ids) st.run(reason, id);
    })();
  }

  /**
   * Messages whose review was under way when the process died. A death is not proof of poison (an
   * operator's kill, a reboot, the OOM killer choosing this process for another's sake), so the first
   * one sends them back to wait for one more try; found dying in review a second time, they are
   * quarantined.
   */
  recoverInterrupted(): { retried: string[]; quarantined: string[] } {
    const rows = this.db.prepare(`SELECT message_id, note FROM messages WHERE state = 'reviewing'`).all() as { message_id: string; note: string | null }[];
    const again = rows.filter((r) => r.note === INTERRUPTED_ONCE).map((r) => r.message_id);
    const first = rows.filter((r) => r.note !== INTERRUPTED_ONCE).map((r) => r.message_id);
    const retry = this.db.prepare(`UPDATE messages SET state = 'waiting', note = ? WHERE message_id = ?`);
    this.db.transaction(() => {
      for (const id of first) retry.run(INTERRUPTED_ONCE, id);
    })();
    // A batch's messages keep their JSON until it ends: found so, the process died during that batch.
    this.unsettled = this.db.prepare(`SELECT rowid FROM messages WHERE patch_json IS NOT NULL AND state IN ${HANDLED}`).pluck().all() as number[];
    this.quarantine(again, 'its review never finished, twice: the process died during it each time (out of memory, or killed); not tried again');
    return { retried: first, quarantined: again };
  }

  /**
   * An operator's second chance for quarantined messages (`kreview watch --requeue`): `all`, or the
   * named Message-IDs with the rest of each one's thread (a series is quarantined as a whole, so one
   * id brings back its cover and siblings). They wait again; a death during their next review is
   * then treated as the first. Returns the ids requeued.
   */
  requeue(which: 'all' | string[]): string[] {
    const rows = this.db
      .prepare(
        `SELECT message_id AS id, coalesce(json_extract(patch_json, '$.mail.references[0]'), json_extract(patch_json, '$.mail.inReplyTo'), message_id) AS root
         FROM messages WHERE state = 'quarantined'`,
      )
      .all() as { id: string; root: string }[];
    const wanted = which === 'all' ? null : new Set(which.map((id) => id.replace(/^<|>$/g, '')));
    const roots = new Set(rows.filter((r) => wanted === null || wanted.has(r.id)).map((r) => r.root));
    const ids = rows.filter((r) => roots.has(r.root) || wanted?.has(r.root)).map((r) => r.id);
    const st = this.db.prepare(`UPDATE messages SET state = 'waiting', note = ? WHERE message_id = ? AND state = 'quarantined'`);
    this.db.transaction(() => {
      for (const id of ids) st.run(REQUEUED, id);
    })();
    return ids;
  }

  quarantined(limit = 50): Quarantined[] {
    const rows = this.db
      .prepare(`SELECT message_id, received_at, note, json_extract(patch_json, '$.subject') AS subject FROM messages WHERE state = 'quarantined' ORDER BY received_at DESC, rowid DESC LIMIT ?`)
      .all(limit) as { message_id: string; received_at: number; note: string | null; subject: string | null }[];
    return rows.map((r) => ({ messageId: r.message_id, receivedAt: r.received_at, reason: r.note ?? '', subject: r.subject ?? '' }));
  }

  count(state: MessageState): number {
    return this.db.prepare(`SELECT count(*) FROM messages WHERE state = ?`).pluck().get(state) as number;
  }

  /**
   * The waiting messages in batches of about `size`, each batch holding every waiting message of
   * its senders (a series comes from one sender, so no series is split), so that a backlog is never
   * all in memory at once. Only ids and senders are read up front.
   */
  *waitingBatches(size: number): Generator<StoredPatch[]> {
    const sender = `coalesce(lower(json_extract(patch_json, '$.mail.from.email')), lower(json_extract(patch_json, '$.author.email')), '')`;
    const rows = this.db.prepare(`SELECT rowid AS id, ${sender} AS sender FROM messages WHERE state = 'waiting'`).all() as { id: number; sender: string }[];
    // What a batch the last process died in had already handled: grouped again with the rest of its
    // senders' messages, as it was grouped the first time (a newer version's review borrows parts of
    // an older one that was marked superseded, a series reviewed then answers no longer decides).
    if (this.unsettled.length) {
      rows.push(
        ...(this.db
          .prepare(`SELECT rowid AS id, ${sender} AS sender FROM messages WHERE rowid IN (SELECT value FROM json_each(?)) AND patch_json IS NOT NULL AND state IN ${HANDLED}`)
          .all(JSON.stringify(this.unsettled)) as { id: number; sender: string }[]),
      );
      rows.sort((x, y) => x.id - y.id);
      this.unsettled = [];
    }
    const bySender = new Map<string, number[]>();
    for (const r of rows) {
      const ids = bySender.get(r.sender);
      if (ids) ids.push(r.id);
      else bySender.set(r.sender, [r.id]);
    }
    const load = this.db.prepare(
      `SELECT patch_json, received_at, lists, state = 'waiting' AS waiting FROM messages WHERE rowid IN (SELECT value FROM json_each(?))
         AND (state = 'waiting' OR (patch_json IS NOT NULL AND state IN ${HANDLED})) ORDER BY received_at, rowid`,
    );
    let batch: number[] = [];
    const flush = (): StoredPatch[] => {
      const out = (load.all(JSON.stringify(batch)) as { patch_json: string; received_at: number; lists: string; waiting: number }[]).map(fromRow);
      batch = [];
      return out;
    };
    for (const ids of bySender.values()) {
      batch.push(...ids);
      if (batch.length >= size) yield flush();
    }
    if (batch.length) yield flush();
  }

  /**
   * Moves messages out of the waiting set; their JSON is dropped (the review's outcome is in the
   * outbox), at once or, inside a review batch, when the batch ends.
   */
  setState(ids: string[], state: MessageState): void {
    const keep = KEEPS_PATCH.has(state) || this.batch !== null;
    // Bookkeeping: a killed process keeps it (the `reviewing` mark is for that); a power loss at worst repeats a review.
    relaxedTransaction(this.db, () => {
      for (const id of ids) this.setStateStmt.run(state, keep ? 0 : 1, id);
    });
    if (this.batch) for (const id of ids) this.batch.add(id);
  }

  /**
   * A review batch starts: the messages it moves on keep their JSON until endBatch. A process that
   * dies in the batch leaves them so, and the next one groups the batch again from the same
   * messages (waitingBatches), not from what was still waiting: an older version marked superseded
   * at the batch's start is still there for the newer version that borrows its parts. `settled`:
   * such messages of the last process's batch, given again; their JSON is dropped with this one's.
   */
  beginBatch(settled: string[] = []): void {
    this.batch = new Set(settled);
  }

  /** The batch ended: the JSON of the messages it reviewed, superseded or set aside is dropped. */
  endBatch(): void {
    const ids = this.batch;
    this.batch = null;
    if (!ids?.size) return;
    const st = this.db.prepare(`UPDATE messages SET patch_json = NULL WHERE message_id = ? AND patch_json IS NOT NULL AND state IN ${HANDLED}`);
    relaxedTransaction(this.db, () => {
      for (const id of ids) st.run(id);
    });
  }
}
