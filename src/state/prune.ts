// Forgetting what is old: seen messages, kept mail headers, settled replies and reviewed series
// past the retention window. What is still owed (waiting messages, pending or failed replies) and
// what guards against reading a list twice (cursors, seen public-inbox blobs) is never pruned.
import type { Db } from './open-state.js';

const DAY = 86_400_000;

export interface PruneReport {
  messages: number;
  heads: number;
  replies: number;
  series: number;
}

/** Deletes rows older than `retentionDays`, at most once a day (returns null when it did not run). */
export function pruneState(db: Db, retentionDays: number, now: number): PruneReport | null {
  if (!(retentionDays > 0)) return null;
  const last = Number((db.prepare(`SELECT value FROM meta WHERE key = 'pruned_at'`).pluck().get() as string | undefined) ?? 0);
  if (now - last < DAY) return null;
  const cutoff = now - retentionDays * DAY;
  return db.transaction((): PruneReport => {
    const r: PruneReport = {
      messages: db.prepare(`DELETE FROM messages WHERE state IN ('done', 'reviewed', 'superseded', 'quarantined') AND received_at < ?`).run(cutoff).changes,
      heads: db
        .prepare(`DELETE FROM mail_heads WHERE received_at < ? AND message_id NOT IN (SELECT message_id FROM messages WHERE state = 'waiting')`)
        .run(cutoff).changes,
      replies: db.prepare(`DELETE FROM outbox WHERE state IN ('sent', 'cancelled', 'dropped') AND coalesce(sent_at, created_at) < ?`).run(cutoff).changes,
      series: 0,
    };
    const old = db.prepare(`SELECT key FROM series WHERE reviewed_at < ?`).pluck().all(cutoff) as string[];
    const members = db.prepare(`DELETE FROM series_members WHERE key = ?`);
    const series = db.prepare(`DELETE FROM series WHERE key = ?`);
    for (const k of old) {
      members.run(k);
      r.series += series.run(k).changes;
    }
    // What the web view shows of a series goes with it (and with a series mailed back from GitHub, which has no series row).
    db.prepare(`DELETE FROM patch_reviews WHERE series_key IN (SELECT key FROM series_views WHERE reviewed_at < ?)`).run(cutoff);
    db.prepare(`DELETE FROM series_views WHERE reviewed_at < ?`).run(cutoff);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('pruned_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(String(now));
    return r;
  })();
}
