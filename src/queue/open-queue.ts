// The queue a `--queue` URL names: `redis://host:port[/db]` (BullMQ, any number of machines) or
// `sqlite:FILE` (one machine: the feeder and its workers share the file).
import type { Review } from '../core/types.js';
import { parseRedisUrl } from './redis-url.js';
import type { SeriesJob, SeriesJobQueue } from './series-job.js';

/** A finished series job is needed only until its feeder has read it: kept a day. */
const SERIES_KEEP_MS = 86_400_000;

/** The SQLite file of a `sqlite:FILE` URL, or null for Redis (checked: a typo is one line at start-up). */
export function sqliteFileOf(url: string): string | null {
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  parseRedisUrl(url);
  return null;
}

/** How long a running job may go unseen before it counts as its worker's death, on this queue. */
export function lockMsOf(url: string): number {
  if (sqliteFileOf(url)) return 60_000;
  const ms = Number(process.env.KREVIEW_QUEUE_LOCK_MS ?? 30_000);
  return Number.isFinite(ms) && ms >= 1000 ? ms : 30_000;
}

export async function openSeriesQueue(url: string): Promise<SeriesJobQueue> {
  const file = sqliteFileOf(url);
  if (file) {
    const { SqliteJobQueue } = await import('./sqlite-queue.js');
    return new SqliteJobQueue<SeriesJob, Review>(file, { table: 'series_jobs', keepDoneMs: SERIES_KEEP_MS });
  }
  const { RedisJobQueue, SERIES_QUEUE_NAME } = await import('./redis-queue.js');
  const q = new RedisJobQueue<SeriesJob, Review>(url, { name: SERIES_QUEUE_NAME, keepS: SERIES_KEEP_MS / 1000 });
  await q.ready();
  return q;
}
