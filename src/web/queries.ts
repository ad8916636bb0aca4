// The web view's reads of the daemon's state: each a page of at most PAGE_SIZE rows (one more is
// read to know whether a next page exists), so no page loads the whole state, however large.
import type { Db } from '../state/open-state.js';
import type { OutboxState } from '../state/outbox.js';

export const PAGE_SIZE = 50;
/** Past this page a listing stops (50,000 rows deep): OFFSET costs grow with it. */
export const MAX_PAGE = 1000;

export interface Page<T> {
  rows: T[];
  page: number;
  next: boolean;
}

function paged<T>(rows: T[], page: number): Page<T> {
  return { rows: rows.slice(0, PAGE_SIZE), page, next: rows.length > PAGE_SIZE && page < MAX_PAGE };
}

const args = (page: number): [number, number] => [PAGE_SIZE + 1, (page - 1) * PAGE_SIZE];

export type SeriesStatus = 'reviewed' | 'does not apply' | 'not reviewed' | 'superseded';

export interface SeriesRow {
  key: string;
  version: number;
  subject: string;
  author: string;
  list: string;
  status: SeriesStatus;
  /** The series table's own words (the route, the base it did not apply to). */
  detail: string;
  newest: number;
  reviewedAt: number;
  missing: number[];
  findings: number;
  replies: Partial<Record<OutboxState, number>>;
}

function statusOf(state: string, version: number, newest: number): SeriesStatus {
  if (newest > version) return 'superseded';
  if (state.startsWith('not reviewed')) return 'not reviewed';
  if (state.includes('does not apply')) return 'does not apply';
  return 'reviewed';
}

interface RawSeries {
  key: string;
  version: number;
  state: string | null;
  reviewed_at: number;
  missing: string;
  subject: string;
  author: string;
  list: string;
  origin: string | null;
  newest: number;
  findings: number | null;
  replies: string;
}

// Driven by the views (what the web view can show): a series reviewed before they existed is not listed.
const SERIES_SELECT = `
  SELECT v.key, v.version, s.state, v.reviewed_at, v.missing, v.subject, v.author, v.list, v.origin,
    (SELECT max(version) FROM series_views v2 WHERE v2.identity = v.identity) AS newest,
    (SELECT sum(json_array_length(p.findings)) + sum(p.more) FROM patch_reviews p WHERE p.series_key = v.key) AS findings,
    (SELECT json_group_object(state, n) FROM (SELECT state, count(*) AS n FROM outbox o WHERE o.series_key = v.key GROUP BY state)) AS replies
  FROM series_views v LEFT JOIN series s ON s.key = v.key`;

function seriesFromRow(r: RawSeries): SeriesRow {
  const state = r.state ?? (r.origin ? `reviewed on ${r.origin}` : 'reviewed');
  return {
    key: r.key,
    version: r.version,
    subject: r.subject,
    author: r.author,
    list: r.list,
    status: statusOf(state, r.version, r.newest),
    detail: state,
    newest: r.newest,
    reviewedAt: r.reviewed_at,
    missing: JSON.parse(r.missing) as number[],
    findings: r.findings ?? 0,
    replies: JSON.parse(r.replies) as Partial<Record<OutboxState, number>>,
  };
}

/** Reviewed series, newest review first. */
export function seriesPage(db: Db, page: number): Page<SeriesRow> {
  const rows = db.prepare(`${SERIES_SELECT} ORDER BY v.reviewed_at DESC, v.key LIMIT ? OFFSET ?`).all(...args(page)) as RawSeries[];
  return paged(rows.map(seriesFromRow), page);
}

export function seriesRow(db: Db, key: string): SeriesRow | null {
  const r = db.prepare(`${SERIES_SELECT} WHERE v.key = ?`).get(key) as RawSeries | undefined;
  return r ? seriesFromRow(r) : null;
}

/** Other reviewed versions of the same series, for links between them. */
export function versionsOf(db: Db, key: string): { key: string; version: number }[] {
  return db
    .prepare(`SELECT key, version FROM series_views WHERE identity = (SELECT identity FROM series_views WHERE key = ?) ORDER BY version LIMIT 100`)
    .all(key) as { key: string; version: number }[];
}

/** The newest reviewed series a message (patch or cover letter) was part of, or led, or null. */
export function seriesOfMessage(db: Db, messageId: string): string | null {
  const member = db.prepare(`SELECT key FROM series_members WHERE message_id = ? ORDER BY version DESC LIMIT 1`).pluck().get(messageId) as string | undefined;
  return member ?? ((db.prepare(`SELECT key FROM series_views WHERE lead = ? ORDER BY version DESC LIMIT 1`).pluck().get(messageId) as string | undefined) ?? null);
}

export type MessageListing = 'waiting' | 'superseded' | 'quarantined';
export const MESSAGE_LISTINGS: readonly MessageListing[] = ['waiting', 'superseded', 'quarantined'];

export interface MessageRow {
  messageId: string;
  receivedAt: number;
  subject: string;
  author: string;
  thread: string | null;
  version: number | null;
  part: number | null;
  total: number | null;
  lists: string[];
  note: string | null;
}

/**
 * Messages in one state: waiting (grouped by thread and part: a series waiting for its parts reads
 * as one), superseded by a newer version before review, or quarantined (with the reason).
 */
export function messagesPage(db: Db, state: MessageListing, page: number): Page<MessageRow> {
  const order = state === 'waiting' ? 'h.thread, h.version, h.part, m.received_at' : 'm.received_at DESC, m.message_id';
  const rows = db
    .prepare(
      `SELECT m.message_id, m.received_at, m.lists, m.note, h.thread, h.version, h.part,
         coalesce(json_extract(h.head_json, '$.subject'), json_extract(m.patch_json, '$.subject'), '') AS subject,
         coalesce(json_extract(h.head_json, '$.author.name'), json_extract(m.patch_json, '$.author.name'), '') AS author_name,
         coalesce(json_extract(h.head_json, '$.author.email'), json_extract(m.patch_json, '$.author.email'), '') AS author_email,
         coalesce(json_extract(h.head_json, '$.prefix.total'), json_extract(m.patch_json, '$.prefix.total')) AS total
       FROM messages m LEFT JOIN mail_heads h ON h.message_id = m.message_id
       WHERE m.state = ? AND m.kind IN ('patch', 'cover') ORDER BY ${order} LIMIT ? OFFSET ?`,
    )
    .all(state, ...args(page)) as {
    message_id: string;
    received_at: number;
    lists: string;
    note: string | null;
    thread: string | null;
    version: number | null;
    part: number | null;
    subject: string;
    author_name: string;
    author_email: string;
    total: number | null;
  }[];
  return paged(
    rows.map((r) => ({
      messageId: r.message_id,
      receivedAt: r.received_at,
      subject: r.subject,
      author: r.author_name ? `${r.author_name} <${r.author_email}>` : r.author_email,
      thread: r.thread,
      version: r.version,
      part: r.part,
      total: r.total,
      lists: JSON.parse(r.lists) as string[],
      note: r.note,
    })),
    page,
  );
}

export interface ReplyRow {
  messageId: string;
  inReplyTo: string;
  /** The subject of the message it answers (from the kept headers), or ''. */
  parentSubject: string;
  seriesKey: string;
  list: string;
  to: string[];
  state: OutboxState;
  attempts: number;
  notBefore: number;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
  decision: { decision: string; at: number; via: string } | null;
}

interface RawReply {
  message_id: string;
  in_reply_to: string;
  parent_subject: string | null;
  series_key: string;
  list: string;
  env_to: string;
  state: OutboxState;
  attempts: number;
  not_before: number;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
  decision: string | null;
  decided_at: number | null;
  via: string | null;
}

const REPLY_SELECT = `
  SELECT o.message_id, o.in_reply_to, o.series_key, o.list, o.env_to, o.state, o.attempts, o.not_before, o.created_at, o.sent_at, o.last_error,
    json_extract(h.head_json, '$.subject') AS parent_subject, d.decision, d.decided_at, d.via
  FROM outbox o LEFT JOIN mail_heads h ON h.message_id = o.in_reply_to LEFT JOIN moderation d ON d.message_id = o.message_id`;

function replyFromRow(r: RawReply): ReplyRow {
  return {
    messageId: r.message_id,
    inReplyTo: r.in_reply_to,
    parentSubject: r.parent_subject ?? '',
    seriesKey: r.series_key,
    list: r.list,
    to: JSON.parse(r.env_to) as string[],
    state: r.state,
    attempts: r.attempts,
    notBefore: r.not_before,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    lastError: r.last_error,
    decision: r.decision ? { decision: r.decision, at: r.decided_at ?? 0, via: r.via ?? '' } : null,
  };
}

export const REPLY_STATES: readonly OutboxState[] = ['held', 'pending', 'sending', 'sent', 'failed', 'cancelled', 'dropped'];

/** Replies in one state (all when null), newest first. */
export function repliesPage(db: Db, state: OutboxState | null, page: number): Page<ReplyRow> {
  const where = state ? `WHERE o.state = ?` : '';
  const rows = db.prepare(`${REPLY_SELECT} ${where} ORDER BY o.created_at DESC, o.message_id LIMIT ? OFFSET ?`).all(...(state ? [state] : []), ...args(page)) as RawReply[];
  return paged(rows.map(replyFromRow), page);
}

/** The replies of one series, or to one message (a patch has at most a few). */
export function repliesFor(db: Db, by: { seriesKey: string } | { inReplyTo: string }): ReplyRow[] {
  const [col, v] = 'seriesKey' in by ? ['o.series_key', by.seriesKey] : ['o.in_reply_to', by.inReplyTo];
  return (db.prepare(`${REPLY_SELECT} WHERE ${col} = ? ORDER BY o.created_at, o.message_id LIMIT 200`).all(v) as RawReply[]).map(replyFromRow);
}

export function reply(db: Db, messageId: string): (ReplyRow & { raw: string }) | null {
  const r = db.prepare(`${REPLY_SELECT.replace('SELECT o.message_id', 'SELECT o.raw, o.message_id')} WHERE o.message_id = ?`).get(messageId) as (RawReply & { raw: string }) | undefined;
  return r ? { ...replyFromRow(r), raw: r.raw } : null;
}

export interface Counts {
  waiting: number;
  held: number;
  quarantined: number;
}

/** The few counts the header shows (each an indexed count). */
export function counts(db: Db): Counts {
  const one = (sql: string): number => db.prepare(sql).pluck().get() as number;
  return {
    waiting: one(`SELECT count(*) FROM messages WHERE state = 'waiting'`),
    held: one(`SELECT count(*) FROM outbox WHERE state = 'held'`),
    quarantined: one(`SELECT count(*) FROM messages WHERE state = 'quarantined'`),
  };
}
