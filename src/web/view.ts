// The web view: server-rendered pages of what the mail daemon saw, reviewed, said and holds, from
// templates/web/*.eta, readable without JavaScript. Every page shows text from mail (subjects, names,
// patch lines), written by strangers: templates print it only through eta's escaping `<%= %>`, and
// every answer carries a Content-Security-Policy that allows no script at all. Held replies of a
// moderated list are approved or dropped with plain POST forms, by a logged-in maintainer (auth.ts).
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Eta } from 'eta';
import PostalMime from 'postal-mime';
import { packagePath } from '../core/paths.js';
import type { Db } from '../state/open-state.js';
import { Outbox, type Decision, type OutboxState } from '../state/outbox.js';
import { ReviewStore } from '../state/review-store.js';
import type { WatchPolicy } from '../watch/policy.js';
import { crossSite, sameSecret, SESSION_COOKIE, Sessions } from './auth.js';
import type { RouteHandler } from './server.js';
import * as q from './queries.js';
import { links } from './links.js';

export const WEB_TEMPLATES = packagePath('templates', 'web') + '/';

/** No script, no frames, no outside fetches; styles from our own stylesheet; forms post only here. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts, which the
  // cross-site check (auth.ts) must refuse. same-origin keeps permalinks out of other sites' logs.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A form body larger than this is refused: the forms hold a token and an id. */
const MAX_FORM_BYTES = 8 * 1024;

export interface WebViewOptions {
  db: Db;
  /** The policy as it is now (reloaded by the daemon): the token's variable, the lists. */
  policy: () => WatchPolicy;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Told after a held reply was approved or dropped (the daemon wakes up to send it). */
  onDecision?: (messageId: string, decision: Decision) => void;
  log?: (msg: string) => void;
}

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' '));

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return Promise.reject(new HttpError(415, 'a form post is expected'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new HttpError(413, 'the form is too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function pageOf(url: URL): number {
  const p = url.searchParams.get('page');
  if (p === null) return 1;
  if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > q.MAX_PAGE) throw new HttpError(400, `page must be a number from 1 to ${q.MAX_PAGE}`);
  return Number(p);
}

/** Splits a path into its decoded segments; a malformed escape is a 400, never a crash. */
function segments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, 'malformed path');
  }
}

/** Only a path on this site, never `//elsewhere` or a scheme: where a login may send the browser back to. */
const safeNext = (next: string | null): string => (next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/');

export function webView(o: WebViewOptions): RouteHandler {
  const env = o.env ?? process.env;
  const now = o.now ?? Date.now;
  const log = o.log ?? ((m: string) => process.stderr.write(`kreview web: ${m}\n`));
  const sessions = new Sessions(now);
  const outbox = new Outbox(o.db);
  const reviews = new ReviewStore(o.db);
  const eta = new Eta({ views: WEB_TEMPLATES, autoEscape: true, autoTrim: [false, 'nl'], cache: true });
  const css = readFileSync(packagePath('templates', 'web', 'web.css'));
  const token = (): string | undefined => env[o.policy().web.tokenEnv] || undefined;

  const send = (res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): true => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : html);
    return true;
  };
  const redirect = (res: ServerResponse, to: string, extra: Record<string, string> = {}): true => {
    res.writeHead(303, { location: to, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra }).end();
    return true;
  };

  const render = (req: IncomingMessage, res: ServerResponse, view: string, data: Record<string, unknown>, status = 200): true => {
    const session = sessions.of(req, token());
    const html = eta.render(`./${view}`, {
      ...data,
      counts: q.counts(o.db),
      session: session ? { csrf: session.csrf } : null,
      canLogin: token() !== undefined,
      here: req.url ?? '/',
      links,
      iso,
      listings: q.MESSAGE_LISTINGS,
      replyStates: q.REPLY_STATES,
    });
    return send(res, status, html);
  };

  const decide = async (req: IncomingMessage, res: ServerResponse, messageId: string, decision: Decision): Promise<true> => {
    if (crossSite(req, o.policy().web.url)) throw new HttpError(403, 'refused: the request came from another site');
    const session = sessions.of(req, token());
    const form = await readForm(req);
    if (!session) throw new HttpError(403, 'refused: log in with the token to approve or drop replies');
    const csrf = form.get('csrf') ?? '';
    if (!sameSecret(csrf, session.csrf)) throw new HttpError(403, 'refused: the form is stale (reload the page)');
    const held = q.reply(o.db, messageId);
    if (!held) throw new HttpError(404, 'no such reply');
    if (!outbox.decide(messageId, decision, `web view session ${session.id.slice(0, 8)}`, now())) throw new HttpError(409, `this reply is ${held.state}, not held: nothing was changed`);
    log(`reply <${messageId.slice(0, 200)}> ${decision} in the web view`);
    o.onDecision?.(messageId, decision);
    return redirect(res, links.reply(messageId));
  };

  const get = async (req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<boolean> => {
    const [head, id, ...rest] = parts;
    if (parts.length === 0) return render(req, res, 'series-list', { title: 'Series', series: q.seriesPage(o.db, pageOf(url)) });
    if (head === 'static' && id === 'web.css' && !rest.length) {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600', ...SECURITY_HEADERS }).end(req.method === 'HEAD' ? undefined : css);
      return true;
    }
    if (head === 'series' && id !== undefined && !rest.length) {
      const row = q.seriesRow(o.db, id);
      if (!row) throw new HttpError(404, 'no such series');
      return render(req, res, 'series', {
        title: row.subject,
        s: row,
        view: reviews.series(id),
        patches: reviews.patchesOf(id),
        versions: q.versionsOf(o.db, id),
        replies: q.repliesFor(o.db, { seriesKey: id }),
      });
    }
    if (head === 'patch' && id !== undefined && !rest.length) {
      const p = reviews.patch(id);
      if (!p) throw new HttpError(404, 'no review of this patch is kept (not reviewed yet, or forgotten after retentionDays)');
      return render(req, res, 'patch', { title: p.subject, p, s: q.seriesRow(o.db, p.seriesKey), replies: q.repliesFor(o.db, { inReplyTo: id }) });
    }
    if (head === 'messages' && id !== undefined && !rest.length) {
      if (!(q.MESSAGE_LISTINGS as readonly string[]).includes(id)) throw new HttpError(404, 'no such listing');
      const state = id as q.MessageListing;
      return render(req, res, 'messages', { title: `Messages: ${state}`, state, messages: q.messagesPage(o.db, state, pageOf(url)) });
    }
    if (head === 'replies' && id === undefined) {
      const s = url.searchParams.get('state');
      if (s !== null && !(q.REPLY_STATES as readonly string[]).includes(s)) throw new HttpError(400, `state must be one of ${q.REPLY_STATES.join(', ')}`);
      return render(req, res, 'replies', { title: s ? `Replies: ${s}` : 'Replies', state: s, replies: q.repliesPage(o.db, s as OutboxState | null, pageOf(url)) });
    }
    if (head === 'reply' && id !== undefined && !rest.length) {
      const r = q.reply(o.db, id);
      if (!r) throw new HttpError(404, 'no such reply');
      const mail = await PostalMime.parse(r.raw);
      return render(req, res, 'reply', {
        title: mail.subject ?? r.messageId,
        r,
        mail: { subject: mail.subject ?? '', to: r.to, text: mail.text ?? '' },
      });
    }
    if (head === 'msg' && id !== undefined && !rest.length) {
      // A permalink by Message-ID (a GitHub check run's details_url names the series' mail): the patch's page, else its series'.
      if (reviews.patch(id)) return redirect(res, links.patch(id));
      const key = q.seriesOfMessage(o.db, id);
      if (key) return redirect(res, links.series(key));
      throw new HttpError(404, 'kreview has not reviewed this message (yet), or forgot it after retentionDays');
    }
    if (head === 'login' && id === undefined) return render(req, res, 'login', { title: 'Log in', next: safeNext(url.searchParams.get('next')), error: null });
    return false;
  };

  const post = async (req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<boolean> => {
    const [head, id, action, ...rest] = parts;
    if (head === 'reply' && id !== undefined && (action === 'approve' || action === 'drop') && !rest.length)
      return decide(req, res, id, action === 'approve' ? 'approved' : 'dropped');
    if (head === 'login' && id === undefined) {
      if (crossSite(req, o.policy().web.url)) throw new HttpError(403, 'refused: the request came from another site');
      const form = await readForm(req);
      const next = safeNext(form.get('next'));
      const r = sessions.login(form.get('token') ?? '', token());
      if (!r.ok) {
        log(`login refused: ${r.why}`);
        return render(req, res, 'login', { title: 'Log in', next, error: r.why }, 403);
      }
      const secure = o.policy().web.url?.startsWith('https:') ? '; Secure' : '';
      return redirect(res, next, { 'set-cookie': `${SESSION_COOKIE}=${r.sessionId}; HttpOnly; SameSite=Strict; Path=/${secure}` });
    }
    if (head === 'logout' && id === undefined) {
      if (crossSite(req, o.policy().web.url)) throw new HttpError(403, 'refused: the request came from another site');
      await readForm(req);
      const s = sessions.of(req, token());
      if (s) sessions.logout(s.id);
      return redirect(res, '/', { 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
    }
    return false;
  };

  return async (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://web.invalid');
    } catch {
      return false;
    }
    try {
      const parts = segments(url.pathname);
      if (req.method === 'GET' || req.method === 'HEAD') return await get(req, res, url, parts);
      if (req.method === 'POST') return await post(req, res, parts);
      return false;
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      return render(req, res, 'error', { title: `Error ${e.status}`, status: e.status, message: e.message }, e.status);
    }
  };
}
