// The policy file: defaults (muted), validation with one-line errors naming the file and the key,
// list matching by List-Id or address, base per tree prefix, re-reading on change.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMail } from '../../src/patch/mail.js';
import { listsFor, parsePolicy, PolicyWatcher } from '../../src/watch/policy.js';
import { baseCandidates } from '../../src/git/route.js';
import type { Patch, Series } from '../../src/core/types.js';

const alone = (p: Patch): Series => ({ id: p.id, version: p.prefix.version, subject: p.subject, cover: null, patches: [p], total: null, missing: [], complete: true });
import { mailText } from './mail-fixtures.js';

const BASE = 'bot:\n  address: kreview@bots.example.org\n';

describe('watch policy', () => {
  it('defaults: muted, reply-all, directory outbox next to the file, warnings and up', () => {
    const p = parsePolicy(BASE, '/etc/kreview/policy.yml');
    expect(p.fallback.enabled).toBe(false);
    expect(p.fallback.replyAll).toBe(true);
    expect(p.fallback.minSeverity).toBe('warning');
    expect(p.sink).toEqual({ type: 'directory', dir: '/etc/kreview/outbox' });
    expect(p.statePath).toBe('/etc/kreview/kreview-state.db');
    expect(p.bot.domain).toBe('bots.example.org');
  });

  it("the daemon's caches are a quarter of a one-off review's unless the policy sets limits.cacheBytes", () => {
    const p = parsePolicy(BASE, '/etc/kreview/policy.yml');
    expect(p.limits.cacheBytes).toBe(16 << 20);
    expect(p.review.limits).toBe(p.limits);
    expect(p.limits.reviewMsPerPatch).toBe(30_000);
    expect(parsePolicy(`${BASE}limits: { cacheBytes: 67108864 }\n`, 'p.yml').limits.cacheBytes).toBe(64 << 20);
  });

  it('bad values are one-line errors naming the file and the key', () => {
    expect(() => parsePolicy('bot: {}', 'p.yml')).toThrow(/^policy p\.yml: bot\.address: is required$/);
    expect(() => parsePolicy(`${BASE}lists:\n  - id: x\n    mode: loud\n`, 'p.yml')).toThrow(/^policy p\.yml: lists\[0\]\.mode: must be enabled, moderated, muted or github$/);
    expect(() => parsePolicy(`${BASE}lists:\n  - mode: enabled\n`, 'p.yml')).toThrow(/lists\[0\]: needs an id \(List-Id\) or an address/);
    expect(() => parsePolicy(`${BASE}sources:\n  - type: pop3\n`, 'p.yml')).toThrow(/sources\[0\]\.type: must be public-inbox, maildir, mbox, imap or nntp/);
    expect(() => parsePolicy('bot: [unclosed', 'p.yml')).toThrow(/^policy p\.yml: not valid YAML: /);
    expect(() => parsePolicy(`${BASE}lists:\n  - id: x\n    minSeverity: fatal\n`, 'p.yml')).toThrow(/minSeverity: must be one of error, warning, note/);
  });

  it('a message belongs to the lists it names by List-Id or address; the tree prefix picks the base', async () => {
    const p = parsePolicy(
      `${BASE}lists:
  - id: netdev.vger.kernel.org
    mode: enabled
    bases: { net-next: net-next/main, net: net/main, default: master }
  - address: bpf@vger.kernel.org
    reply: author
`,
      'p.yml',
    );
    const net = await parseMail(mailText({ messageId: 'a@x', subject: '[PATCH net-next v2 1/3] net: x', listId: 'netdev.vger.kernel.org', diff: 'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b' }), 't');
    const lists = listsFor(net, p);
    expect(lists.map((l) => l.key)).toEqual(['netdev.vger.kernel.org']);
    // The base the review tries first (src/git/route.ts): the subject's tree, through the list's bases.
    expect(baseCandidates(alone(net), [], lists[0].bases)[0]).toEqual({ rev: 'net-next/main', why: '[PATCH net-next]' });
    const bpf = await parseMail(mailText({ messageId: 'b@x', subject: '[PATCH bpf] bpf: y', to: ['BPF@vger.kernel.org'] }), 't');
    const l2 = listsFor(bpf, p);
    expect(l2.map((l) => [l.key, l.enabled, l.replyAll])).toEqual([['bpf@vger.kernel.org', false, false]]);
    const other = await parseMail(mailText({ messageId: 'c@x', subject: '[PATCH] z', to: ['lkml@example.org'] }), 't');
    expect(listsFor(other, p)).toEqual([p.fallback]);
    expect(baseCandidates(alone(other), [], p.fallback.bases).map((c) => c.rev)).toEqual(['HEAD']);
  });

  it('is re-read when the file changes; a broken edit keeps the last good policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-policy-'));
    const file = join(dir, 'policy.yml');
    writeFileSync(file, `${BASE}lists:\n  - id: a.example.org\n    mode: muted\n`);
    const warnings: string[] = [];
    const w = new PolicyWatcher(file, (m) => warnings.push(m));
    expect(w.current.lists[0].enabled).toBe(false);
    expect(w.refresh()).toBe(false);
    writeFileSync(file, `${BASE}lists:\n  - id: a.example.org\n    mode: enabled\n`);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(w.refresh()).toBe(true);
    expect(w.current.lists[0].enabled).toBe(true);
    writeFileSync(file, `${BASE}lists:\n  - id: a.example.org\n    mode: sometimes\n`);
    utimesSync(file, new Date(), new Date(Date.now() + 10000));
    expect(w.refresh()).toBe(false);
    expect(w.current.lists[0].enabled).toBe(true);
    expect(warnings).toEqual([`policy ${file}: lists[0].mode: must be enabled, moderated, muted or github; keeping the previous policy`]);
  });
});
