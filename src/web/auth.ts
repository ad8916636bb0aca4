// Who may approve or drop a held reply: whoever knows the token the policy names (web.tokenEnv).
// Logging in with it gives a session cookie (HttpOnly, SameSite=Strict) and a CSRF token that every
// form carries; a POST needs both, and a request another site started (Origin, Sec-Fetch-Site) is
// refused. Without a login every page is read-only. Sessions live in memory: a restart logs out.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'kreview_session';
const SESSION_MS = 12 * 3_600_000;
const MAX_SESSIONS = 100;
/** Failed logins allowed per minute, over all clients: guessing a 16+ character token stays hopeless. */
const FAILURES_PER_MINUTE = 10;
/** A shorter token is refused: it would be the only thing between a stranger and the list. */
export const MIN_TOKEN_LENGTH = 16;

interface Session {
  csrf: string;
  expires: number;
  /** The token it logged in with: a changed token ends the session. */
  token: Buffer;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
/** Compares two secrets in time that does not depend on where they differ. */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/**
 * Was this request started by another site (a form posted from elsewhere)? `publicUrl` is where
 * people reach the view (web.url): behind a reverse proxy the Host header may name the backend.
 */
export function crossSite(req: IncomingMessage, publicUrl: string | null = null): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    const o = new URL(origin);
    return o.host !== req.headers.host && (publicUrl === null || o.origin !== new URL(publicUrl).origin);
  } catch {
    return true;
  }
}

export type LoginResult = { ok: true; sessionId: string } | { ok: false; why: string };

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private failures: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Checks the token against the configured one (undefined: none configured, nobody may log in). */
  login(given: string, configured: string | undefined): LoginResult {
    const now = this.now();
    this.failures = this.failures.filter((t) => now - t < 60_000);
    if (!configured) return { ok: false, why: 'no token is configured (web.tokenEnv): this web view is read-only' };
    if (configured.length < MIN_TOKEN_LENGTH) return { ok: false, why: `the configured token is shorter than ${MIN_TOKEN_LENGTH} characters: this web view stays read-only` };
    if (this.failures.length >= FAILURES_PER_MINUTE) return { ok: false, why: 'too many failed logins; wait a minute' };
    if (!sameSecret(given, configured)) {
      this.failures.push(now);
      return { ok: false, why: 'wrong token' };
    }
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
    // The oldest goes first when too many are open.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const sessionId = randomBytes(32).toString('base64url');
    this.sessions.set(sessionId, { csrf: randomBytes(32).toString('base64url'), expires: now + SESSION_MS, token: digest(configured) });
    return { ok: true, sessionId };
  }

  /** The session of this request (its CSRF token), or null: not logged in, expired, logged out, or the token changed since. */
  of(req: IncomingMessage, configured: string | undefined): { id: string; csrf: string } | null {
    const id = cookies(req).get(SESSION_COOKIE);
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expires <= this.now() || !configured || !timingSafeEqual(s.token, digest(configured))) {
      this.sessions.delete(id);
      return null;
    }
    return { id, csrf: s.csrf };
  }

  logout(id: string): void {
    this.sessions.delete(id);
  }
}
