// The web view over real HTTP on loopback, against the state a real daemon wrote (real public-inbox,
// real review pipeline, real SMTP server): pages, escaping, headers, paging, and moderation.
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/web/view.js';
import { startWebWorld, TOKEN, until, type WebWorld } from './web-fixture.js';

const worlds: WebWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(opts: Parameters<typeof startWebWorld>[0] = {}): Promise<WebWorld> {
  const w = await startWebWorld(opts);
  worlds.push(w);
  return w;
}

const heldId = (w: WebWorld): string => w.watcher.db.prepare(`SELECT message_id FROM outbox WHERE state = 'held'`).pluck().get() as string;
const stateOf = (w: WebWorld, id: string): string => w.watcher.db.prepare(`SELECT state FROM outbox WHERE message_id = ?`).pluck().get(id) as string;

async function login(w: WebWorld, token = TOKEN): Promise<{ status: number; cookie: string | null }> {
  const r = await fetch(`${w.web.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/' }) });
  const c = r.headers.get('set-cookie');
  return { status: r.status, cookie: c ? c.split(';')[0] : null };
}

async function csrfOf(w: WebWorld, cookie: string, path: string): Promise<string> {
  const html = await (await fetch(`${w.web.url}${path}`, { headers: { cookie } })).text();
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no form on ${path}`);
  return m[1];
}

function decide(w: WebWorld, id: string, action: 'approve' | 'drop', o: { cookie?: string; csrf?: string; origin?: string } = {}) {
  return fetch(`${w.web.url}/reply/${encodeURIComponent(id)}/${action}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.origin ? { origin: o.origin } : {}) },
    body: new URLSearchParams(o.csrf ? { csrf: o.csrf } : {}),
  });
}

describe('web view', { timeout: 240_000 }, () => {
  it('shows the series, its findings with the quoted lines and the held reply, with a strict CSP and no forms without a login', async () => {
    const w = await world();
    const index = await fetch(`${w.web.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await index.text();
    expect(html).toContain('btrfs: fixup worker space');
    expect(html).toContain('Held replies (1)');
    const link = /href="(\/series\/[^"]+)"/.exec(html)![1];
    const series = await (await fetch(`${w.web.url}${link}`)).text();
    // The finding on patch 1, with the trailer it is about quoted as the mail quotes it.
    expect(series).toContain('fixes/subject-mismatch');
    expect(series).toMatch(/<pre class="quote">&gt; Fixes: [0-9a-f]{12} \(&quot;btrfs: wrong subject&quot;\)/);
    expect(series).toContain('reply-held');
    expect(series).toContain('log in</a> to approve or drop');
    expect(series).not.toContain('name="csrf"');
    // The patch's permalink, as patchwork's target_url would name it.
    const [, p1] = w.mails;
    const patch = await fetch(`${w.web.url}/patch/${encodeURIComponent(p1.id)}`);
    expect(patch.status).toBe(200);
    expect(await patch.text()).toContain('fixes/subject-mismatch');
    // Nothing went out: the list is moderated.
    expect(w.world.smtp.received).toHaveLength(0);
    // Unknown pages and malformed ones are one-line errors, not crashes.
    expect((await fetch(`${w.web.url}/series/nope`)).status).toBe(404);
    expect((await fetch(`${w.web.url}/patch/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${w.web.url}/replies?page=0`)).status).toBe(400);
    expect((await fetch(`${w.web.url}/replies?state=bogus`)).status).toBe(400);
  });

  it('approving a held reply with the token sends it exactly once; without the token, or from another site, it is refused', async () => {
    const w = await world();
    w.run();
    const id = heldId(w);
    // No login: refused, nothing sent.
    expect((await decide(w, id, 'approve')).status).toBe(403);
    const wrong = await login(w, 'not-the-token-at-all');
    expect(wrong.status).toBe(403);
    expect(wrong.cookie).toBeNull();
    expect(stateOf(w, id)).toBe('held');
    const { status, cookie } = await login(w);
    expect(status).toBe(303);
    const csrf = await csrfOf(w, cookie!, `/reply/${encodeURIComponent(id)}`);
    // A logged-in browser made to post from another site, or a form without the CSRF token: refused.
    expect((await decide(w, id, 'approve', { cookie: cookie!, csrf, origin: 'https://evil.example.com' })).status).toBe(403);
    expect((await decide(w, id, 'approve', { cookie: cookie!, csrf, origin: 'https://kreview.example.org.evil.example.com' })).status).toBe(403);
    expect((await decide(w, id, 'approve', { cookie: cookie! })).status).toBe(403);
    expect(stateOf(w, id)).toBe('held');
    await new Promise((r) => setTimeout(r, 300));
    expect(w.world.smtp.received).toHaveLength(0);

    const ok = await decide(w, id, 'approve', { cookie: cookie!, csrf });
    expect(ok.status).toBe(303);
    await until(() => w.world.smtp.received.length > 0);
    // Approving again (a double click, a second maintainer) changes nothing.
    expect((await decide(w, id, 'approve', { cookie: cookie!, csrf })).status).toBe(409);
    expect((await decide(w, id, 'drop', { cookie: cookie!, csrf })).status).toBe(409);
    w.watcher.wake();
    await new Promise((r) => setTimeout(r, 500));
    expect(w.world.smtp.received).toHaveLength(1);
    expect(w.world.smtp.received[0].raw).toContain(`Message-ID: <${id}>`);
    expect(stateOf(w, id)).toBe('sent');
    const page = await (await fetch(`${w.web.url}/reply/${encodeURIComponent(id)}`)).text();
    expect(page).toContain('approved');
  });

  it('a dropped reply is never sent, and a newer pass does not write it again', async () => {
    const w = await world();
    w.run();
    const id = heldId(w);
    const { cookie } = await login(w);
    const csrf = await csrfOf(w, cookie!, '/replies?state=held');
    // Posted through a reverse proxy: the browser's Origin is web.url, the Host the backend's.
    expect((await decide(w, id, 'drop', { cookie: cookie!, csrf, origin: 'https://kreview.example.org' })).status).toBe(303);
    expect(stateOf(w, id)).toBe('dropped');
    const t = await w.watcher.tick();
    expect(t.queued).toEqual([]);
    expect(t.outbox.sent).toEqual([]);
    expect(w.world.smtp.received).toHaveLength(0);
    expect(await (await fetch(`${w.web.url}/replies?state=dropped`)).text()).toContain('reply-dropped');
  });

  it('shows a series waiting for its parts, then v2 reviewed and v1 superseded with its held reply cancelled', async () => {
    const w = await world();
    const v1Reply = heldId(w);
    const [cover2, p1v2, p2v2] = w.world.series(2);
    w.world.inbox.deliver(p1v2.raw);
    w.advance(1000);
    await w.watcher.tick();
    const waiting = await (await fetch(`${w.web.url}/messages/waiting`)).text();
    expect(waiting).toContain('[PATCH v2 1/2] btrfs: reserve delalloc space in the fixup worker');
    expect(waiting).toContain('1/2 v2');
    expect(waiting).toContain('Waiting (1)');
    w.world.inbox.deliver(cover2.raw);
    w.world.inbox.deliver(p2v2.raw);
    w.advance(1000);
    await w.watcher.tick();
    w.advance(61_000);
    const t = await w.watcher.tick();
    expect(t.reviewed).toHaveLength(1);
    expect(stateOf(w, v1Reply)).toBe('cancelled');
    const index = await (await fetch(`${w.web.url}/`)).text();
    const rows = index.split('<tr>').slice(2);
    expect(rows[0]).toContain('v2');
    expect(rows[0]).toContain('status-reviewed');
    expect(rows[1]).toContain('v1');
    expect(rows[1]).toContain('status-superseded');
    expect(rows[1]).toContain('1 cancelled');
    expect(await (await fetch(`${w.web.url}/messages/waiting`)).text()).toContain('None.');
  });

  it('without a configured token nobody can log in: read-only', async () => {
    const w = await world({ token: null });
    const id = heldId(w);
    const r = await login(w, TOKEN);
    expect(r.status).toBe(403);
    expect(r.cookie).toBeNull();
    expect((await decide(w, id, 'approve')).status).toBe(403);
    expect(stateOf(w, id)).toBe('held');
    const html = await (await fetch(`${w.web.url}/`)).text();
    expect(html).not.toContain('Log in');
  });

  it('a subject with <script> is shown as text everywhere it appears', async () => {
    const evil = `<script>document.title="owned"</script><img src=x onerror=alert(1)> btrfs: "quoted" & 'single'`;
    const w = await world({ subject: evil });
    const pages = ['/', '/replies', '/messages/waiting'];
    const html = await (await fetch(`${w.web.url}/`)).text();
    const link = /href="(\/series\/[^"]+)"/.exec(html)![1];
    pages.push(link, `/reply/${encodeURIComponent(heldId(w))}`);
    for (const p of pages) {
      const body = await (await fetch(`${w.web.url}${p}`)).text();
      expect(body, p).not.toContain('<script');
      expect(body, p).not.toContain('<img');
    }
    const series = await (await fetch(`${w.web.url}${link}`)).text();
    expect(series).toContain('&lt;script&gt;document.title=&quot;owned&quot;&lt;/script&gt;');
  });
});
