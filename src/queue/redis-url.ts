// The `--queue redis://...` URL, checked before any connection so that a typo is one line at start-up
// (ioredis would take almost anything and retry it forever).
import { KreviewError } from '../core/types.js';

/** Checks `redis://[:password@]host:port[/db]`; rediss (TLS) and unix sockets are not offered. */
export function parseRedisUrl(url: string): { host: string; port: number; db: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KreviewError(`--queue ${url}: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:') throw new KreviewError(`--queue ${url}: only redis:// URLs are supported`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new KreviewError(`--queue ${url}: the database number must be a whole number`);
  return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: u.port ? Number(u.port) : 6379, db };
}
