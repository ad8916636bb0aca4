// The policy's web view keys and `mode: moderated`, and the state they lead to: a moderated list's
// replies are held; approve and drop change only a held reply; paging keeps every page bounded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, type Db } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { pruneState } from '../../src/state/prune.js';
import { ReviewStore } from '../../src/state/review-store.js';
import { parsePolicy } from '../../src/watch/policy.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { webView } from '../../src/web/view.js';

const BASE = 'bot:\n  address: kreview@bots.example.org\n';
const PW = '    patchwork: { url: https://patchwork.example.org, project: btrfs }\n';

describe('policy: moderated lists and the web view', () => {
  it('mode: moderated reviews and answers like enabled, with replies held', () => {
    const p = parsePolicy(`${BASE}lists:\n  - id: a.example.org\n    mode: moderated\n  - id: b.example.org\n    mode: enabled\n`, 'p.yml');
    expect(p.lists.map((l) => [l.enabled, l.moderated])).toEqual([[true, true], [true, false]]);
    expect(p.web).toEqual({ url: null, tokenEnv: 'KREVIEW_WEB_TOKEN' });
  });

  it("a patchwork check links to the patch's page in the web view unless the list names its own targetUrl", () => {
    const web = 'web: { url: "https://kreview.example.org/", tokenEnv: KREVIEW_TOKEN_X }\n';
    const p = parsePolicy(`${BASE}${web}lists:\n  - id: a.example.org\n${PW}  - id: b.example.org\n    patchwork: { url: https://patchwork.example.org, targetUrl: "https://ci.example.org/{msgid}" }\n`, 'p.yml');
    expect(p.web).toEqual({ url: 'https://kreview.example.org', tokenEnv: 'KREVIEW_TOKEN_X' });
    expect(p.lists[0].patchwork?.targetUrl).toBe('https://kreview.example.org/patch/{msgid}');
    expect(p.lists[1].patchwork?.targetUrl).toBe('https://ci.example.org/{msgid}');
    // Without web.url, no link (as before).
    expect(parsePolicy(`${BASE}lists:\n  - id: a.example.org\n${PW}`, 'p.yml').lists[0].patchwork?.targetUrl).toBeNull();
    expect(() => parsePolicy(`${BASE}web: { url: "javascript:alert(1)" }\n`, 'p.yml')).toThrow(/^policy p\.yml: web\.url: must be an http\(s\) URL$/);
  });
});

describe('state: held replies', () => {
  const entry = (id: string, version = 1) => ({
    messageId: id, inReplyTo: `parent-${id}`, seriesKey: `s#v${version}`, seriesIdentity: 's', version, list: 'l', thread: 't', envFrom: 'b@x', envTo: ['a@x'], raw: 'x', notBefore: 0, held: true,
  });
  const fresh = (): Db => openState(join(mkdtempSync(join(tmpdir(), 'kreview-web-')), 'state.db'));

  it('only a held reply can be approved or dropped, once; a newer version cancels held replies; dropped ones are pruned with the sent', () => {
    const db = fresh();
    const o = new Outbox(db);
    for (const id of ['a', 'b', 'c']) o.enqueue(entry(id), 0);
    expect(o.counts().held).toBe(3);
    expect(o.decide('a', 'approved', 'test')).toBe(true);
    expect(o.decide('a', 'approved', 'test')).toBe(false);
    expect(o.decide('a', 'dropped', 'test')).toBe(false);
    expect(o.state('a')).toBe('pending');
    expect(o.decide('b', 'dropped', 'test')).toBe(true);
    expect(o.state('b')).toBe('dropped');
    // A dropped reply counts as the patch's answer: it is never written again.
    expect(o.answered('parent-b')).toBe(true);
    expect(o.decide('nope', 'approved', 'test')).toBe(false);
    expect(o.cancelOlder('s', 2)).toBe(2);
    expect(o.state('c')).toBe('cancelled');
    const r = pruneState(db, 1, 10 * 86_400_000);
    expect(r?.replies).toBe(3);
    expect(o.state('b')).toBeNull();
    db.close();
  });
});

describe('web view paging', () => {
  let web: WebServer | null = null;
  afterEach(async () => {
    await web?.close();
    web = null;
  });

  it('a listing shows 50 rows a page, with links to the next and previous pages', async () => {
    const db = openState(join(mkdtempSync(join(tmpdir(), 'kreview-web-')), 'state.db'));
    const views = new ReviewStore(db);
    for (let i = 0; i < 120; i++) {
      const id = `series-${String(i).padStart(3, '0')}`;
      const series = { id, version: 1, subject: `subject ${i}`, cover: null, patches: [], total: 1, missing: [], complete: true };
      views.record(`${id}#v1`, id, 'list', { series, patches: [] }, () => true, 1_000_000 + i);
    }
    const policy = parsePolicy(BASE, '/tmp/p.yml');
    web = await startWebServer({ port: 0, handlers: [webView({ db, policy: () => policy, env: {} })] });
    const page = async (n: number) => (await fetch(`${web!.url}/?page=${n}`)).text();
    const rows = (html: string) => [...html.matchAll(/href="\/series\/(series-\d+)/g)].map((m) => m[1]);
    const p1 = await page(1);
    expect(rows(p1)).toHaveLength(50);
    expect(rows(p1)[0]).toBe('series-119');
    expect(p1).toContain('href="/?page=2"');
    const p3 = await page(3);
    expect(rows(p3)).toHaveLength(20);
    expect(rows(p3).at(-1)).toBe('series-000');
    expect(p3).not.toContain('rel="next"');
    expect(p3).toContain('href="/?page=2"');
    expect((await fetch(`${web.url}/?page=1001`)).status).toBe(400);
    db.close();
  });
});
