// Seen messages: one row per Message-ID, the decoded patch kept as JSON until its series is reviewed.
import type { Patch } from '../core/types.js';
import { MailHeads } from './mail-heads.js';
import type { Db } from './open-state.js';

export type MessageKind = 'patch' | 'cover' | 'other' | 'ignored' | 'bad';
/**
 * `reviewing`: its series' review started and has not ended; found so at start-up, the process died
 * during it. `quarantined`: its review failed, ran past its limit or killed the process; never tried
 * again (the reason is in `note`).
 */
export type MessageState = 'waiting' | 'reviewing' | 'reviewed' | 'superseded' | 'done' | 'quarantined';

/** States that keep the decoded patch (it is still to be reviewed, or an operator may look at it). */
const KEEPS_PATCH: ReadonlySet<MessageState> = new Set(['waiting', 'reviewing', 'quarantined']);

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
}

export class MessageStore {
  private readonly hasStmt;
  private readonly insertStmt;
  private readonly listsStmt;
  private readonly setListsStmt;
  private readonly waitingStmt;
  private readonly setStateStmt;
  readonly heads: MailHeads;

  constructor(private readonly db: Db) {
    this.heads = new MailHeads(db);
    this.hasStmt = db.prepare(`SELECT 1 FROM messages WHERE message_id = ?`).pluck();
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO messages (message_id, source, received_at, kind, state, lists, patch_json, note)
       VALUES (@id, @source, @at, @kind, @state, @lists, @patch, @note)`,
    );
    this.listsStmt = db.prepare(`SELECT lists FROM messages WHERE message_id = ?`).pluck();
    this.setListsStmt = db.prepare(`UPDATE messages SET lists = ? WHERE message_id = ?`);
    this.waitingStmt = db.prepare(
      `SELECT patch_json, received_at, lists FROM messages WHERE state = 'waiting' ORDER BY received_at, rowid`,
    );
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

  /** Records many messages in one transaction (one fsync for a whole batch). */
  addMany(rows: Parameters<MessageStore['add']>[0][]): void {
    this.db.transaction(() => {
      for (const r of rows) this.add(r);
    })();
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

  /** Messages whose review was under way when the process died: quarantined; returns their ids. */
  quarantineInterrupted(): string[] {
    const ids = this.db.prepare(`SELECT message_id FROM messages WHERE state = 'reviewing'`).pluck().all() as string[];
    this.quarantine(ids, 'its review never finished: the process died during it (out of memory, or killed); not tried again');
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

  waiting(): StoredPatch[] {
    return (this.waitingStmt.all() as { patch_json: string; received_at: number; lists: string }[]).map((r) => ({
      patch: JSON.parse(r.patch_json) as Patch,
      receivedAt: r.received_at,
      lists: JSON.parse(r.lists) as string[],
    }));
  }

  /** Moves messages out of the waiting set; their JSON is dropped (the review's outcome is in the outbox). */
  setState(ids: string[], state: MessageState): void {
    const tx = this.db.transaction(() => {
      for (const id of ids) this.setStateStmt.run(state, KEEPS_PATCH.has(state) ? 0 : 1, id);
    });
    tx();
  }
}
