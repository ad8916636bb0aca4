// The reply a list sees: rendered from a real parsed patch mail, sent through the outbox and
// nodemailer to a real SMTP server on loopback, and read back byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding, PatchReview, Series } from '../../src/core/types.js';
import { parseMail } from '../../src/patch/mail.js';
import { renderCoverSummary, renderEmailReply, type EmailContext } from '../../src/review/render-email.js';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { fixupDiff, mailText } from '../watch/mail-fixtures.js';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture.js';

const BODY = [
  'The fixup worker reserves delalloc space after it has locked the page.',
  '',
  'Fixes: 123456789abc ("btrfs: wrong subject")',
  'Signed-off-by: Jane Developer <jane@example.org>',
].join('\n');

async function patchReview(findings: Finding[], subject = '[PATCH v2 1/2] btrfs: reserve space in the fixup worker') {
  const patch = await parseMail(
    mailText({
      messageId: 'p1.jane@example.org',
      subject,
      to: ['linux-btrfs@vger.kernel.org'],
      cc: ['David Sterba <dsterba@suse.com>', 'Kreview Bot <KREVIEW@bots.example.org>', 'LINUX-BTRFS@vger.kernel.org'],
      inReplyTo: 'cover.jane@example.org',
      references: ['cover.jane@example.org'],
      body: BODY,
      diff: fixupDiff(),
    }),
    'test.eml',
  );
  const series: Series = { id: 'cover.jane@example.org', version: 2, subject, cover: null, patches: [patch], total: 2, missing: [2], complete: false };
  const review: PatchReview = {
    patch,
    base: { commit: 'a'.repeat(40), source: 'option', label: '--base origin/master' },
    applied: true,
    findings,
    notes: [],
    errors: [],
  };
  return { patch, series, review };
}

const lockFinding: Finding = {
  id: 'lock/reserve-under-page-lock',
  severity: 'error',
  message: 'btrfs_delalloc_reserve_space() is called with the page locked',
  location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 13 },
  explanation:
    'The reservation can flush delalloc and wait for writeback of this very page, and writeback needs the page lock that is held here since lock_page() above. Could the reservation move before lock_page()?',
  related: [{ location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 12 }, label: 'page locked here' }],
};
const fixesFinding: Finding = {
  id: 'fixes/subject-mismatch',
  severity: 'warning',
  message: 'The subject in this Fixes: tag does not match commit 123456789abc',
  location: { kind: 'message', line: 5 },
  suggestion: 'Fixes: 123456789abc ("btrfs: do not do delalloc reservation under page lock")',
  evidence: ['123456789abc ("btrfs: do not do delalloc reservation under page lock")'],
};

const ctx = (series: Series, replyAll = true): EmailContext => ({
  series,
  policy: { replyAll, extraCc: ['btrfs-reviews@example.net'] },
  bot: { name: 'kreview', address: 'kreview@bots.example.org', human: 'Jo Maintainer <jo@example.org>', optOut: 'ask jo@example.org to mute this list' },
  date: new Date('2026-11-24T12:00:00Z'),
});

describe('email reply', () => {
  let smtp: SmtpCapture;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
  });
  afterAll(async () => smtp.close());

  it('threads under the patch, quotes the lines, notes under them, and arrives byte for byte over SMTP', async () => {
    const { series, review } = await patchReview([lockFinding, fixesFinding]);
    const reply = renderEmailReply(review, ctx(series))!;
    expect(reply).not.toBeNull();
    const db = openState(join(mkdtempSync(join(tmpdir(), 'kreview-mail-')), 'state.db'));
    const outbox = new Outbox(db);
    outbox.enqueue({
      messageId: reply.messageId, inReplyTo: 'p1.jane@example.org', seriesKey: 's', seriesIdentity: 'i', version: 2, list: 'l', thread: 't',
      envFrom: 'kreview@bots.example.org', envTo: [...reply.to, ...reply.cc], raw: reply.raw, notBefore: 0,
    });
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port });
    const r = await outbox.dispatch(sink);
    await sink.close();
    expect(r.sent).toEqual([reply.messageId]);
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0];
    expect(got.raw.replace(/\r\n/g, '\n').trimEnd()).toBe(reply.raw.replace(/\r\n/g, '\n').trimEnd());
    expect(got.from).toBe('kreview@bots.example.org');
    expect(got.to.sort()).toEqual(['btrfs-reviews@example.net', 'dsterba@suse.com', 'jane@example.org', 'linux-btrfs@vger.kernel.org']);

    const cut = got.raw.indexOf('\r\n\r\n');
    const [head, body] = [got.raw.slice(0, cut + 2), got.raw.slice(cut + 4)].map((s) => s.replace(/\r\n/g, '\n'));
    expect(head).toContain('Subject: Re: [PATCH v2 1/2] btrfs: reserve space in the fixup worker\n');
    expect(head).toContain('In-Reply-To: <p1.jane@example.org>\n');
    expect(head).toMatch(/References: <cover\.jane@example\.org> <p1\.jane@example\.org>\n/);
    expect(head).toContain('To: Jane Developer <jane@example.org>\n');
    expect(head).toMatch(/Cc: linux-btrfs@vger\.kernel\.org, David Sterba <dsterba@suse\.com>,\s+btrfs-reviews@example\.net\n/);
    expect(head).not.toMatch(/^Cc:.*kreview@/im);
    expect(head).toContain('Auto-Submitted: auto-generated\n');
    expect(head).toContain('X-Patchwork-Hint: ignore\n');
    expect(head).toMatch(new RegExp(`Message-ID: <kreview-[0-9a-f]{32}@bots\\.example\\.org>`));
    expect(head).toContain('Content-Type: text/plain; charset=us-ascii');

    const lines = body.split("\n");
    expect(lines[0]).toBe('On Tue, 24 Nov 2026 10:00:00 +0000, Jane Developer wrote:');
    // The Fixes: block comes first (patch order), its note and ready-to-paste line right under it.
    const fixesAt = lines.indexOf('> Fixes: 123456789abc ("btrfs: wrong subject")');
    const hunkAt = lines.findIndex((l) => l.startsWith('> @@ -10,6 +10,8 @@'));
    expect(fixesAt).toBeGreaterThan(0);
    expect(hunkAt).toBeGreaterThan(fixesAt);
    expect(lines[fixesAt + 1]).toBe('');
    expect(lines[fixesAt + 2]).toMatch(/^The subject in this Fixes: tag does not match/);
    expect(lines).toContain('Fixes: 123456789abc ("btrfs: do not do delalloc reservation under page lock")');
    // The hunk quote keeps the diff markers and tabs, includes the lock_page() line, never wraps.
    expect(lines).toContain('> diff --git a/fs/btrfs/inode.c b/fs/btrfs/inode.c');
    expect(lines).toContain('>  \tlock_page(page);');
    const call = lines.indexOf('> +\tret = btrfs_delalloc_reserve_space(inode, &data_reserved,');
    expect(call).toBeGreaterThan(hunkAt);
    // The call spans two lines: the quote runs to the end of the statement, then the note.
    expect(lines[call + 1]).toBe('> +\t\t\t\t\t   page_start, PAGE_SIZE);');
    expect(lines[call + 2]).toBe('');
    expect(lines[call + 3]).toMatch(/^btrfs_delalloc_reserve_space\(\) is called with the page locked\./);
    // Nothing after the finding line of the hunk is quoted.
    expect(lines).not.toContain('>  \tif (!page->mapping || !PageDirty(page) || !PageChecked(page)) {');
    // Prose is wrapped at 72 columns; quoted lines and the one-line signature may be longer.
    const sig = lines.indexOf('-- ');
    for (const l of lines.slice(0, sig)) if (!l.startsWith('>') && !l.startsWith('Fixes:') && !l.startsWith('  ')) expect(l.length).toBeLessThanOrEqual(72);
    // The partial series says what is missing; no finding depends on the base, so no base line.
    expect(body).toMatch(/Only part of this series arrived \(1 of 2\); patch 2 did not come in time/);
    expect(body).not.toContain('origin/master');
    // One signature line: a bot, who runs it, how to stop it; the address is not said twice.
    expect(lines.slice(sig)).toEqual(['-- ', 'kreview is a bot run by Jo Maintainer; ask jo@example.org to mute this list.', '']);
    // Never two blank lines in a row.
    expect(body).not.toMatch(/\n\n\n/);
    // No HTML, no markdown emphasis.
    expect(body).not.toMatch(/<html|\*\*|```/i);
  });

  it('the Message-ID is the same for the same finding set and changes with it', async () => {
    const a = await patchReview([lockFinding, fixesFinding]);
    const b = await patchReview([fixesFinding, lockFinding]);
    const c = await patchReview([lockFinding]);
    const id = (x: typeof a) => renderEmailReply(x.review, ctx(x.series))!.messageId;
    expect(id(a)).toBe(id(b));
    expect(id(a)).not.toBe(id(c));
  });

  it('author-only replies go to the author alone (and the list extra Cc)', async () => {
    const { series, review } = await patchReview([lockFinding]);
    const reply = renderEmailReply(review, ctx(series, false))!;
    expect(reply.to).toEqual(['jane@example.org']);
    expect(reply.cc).toEqual(['btrfs-reviews@example.net']);
  });

  it('a problem reported on an earlier version says "still present" in one line', async () => {
    const { series, review } = await patchReview([lockFinding]);
    const reply = renderEmailReply(review, { ...ctx(series), reportedIn: () => 1 })!;
    expect(reply.text).toContain('Still present in v2 (first noted on v1): btrfs_delalloc_reserve_space()\nis called');
    expect(reply.text).not.toContain('Could the reservation move');
  });

  it('an encoded CR LF in the subject cannot add a header', async () => {
    const { series, review } = await patchReview([lockFinding], '=?utf-8?q?[PATCH]_btrfs:_x=0D=0ABcc:_victim@evil.example?=');
    const reply = renderEmailReply(review, ctx(series))!;
    const head = reply.raw.split('\r\n\r\n')[0];
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head.split('\r\n').filter((l) => /^Subject:/.test(l))).toHaveLength(1);
    expect(head).toMatch(/^Subject: Re: \[PATCH\] btrfs: x Bcc: victim@evil\.example$/m);
  });

  it('a patch with no findings gets no reply', async () => {
    const { series, review } = await patchReview([]);
    expect(renderEmailReply(review, ctx(series))).toBeNull();
  });
});

describe('email reply recipients', () => {
  it('a patch sent through B4 Relay is answered to the real author; the relay address is never Cc', async () => {
    const patch = await parseMail(
      mailText({
        messageId: '20261124-topic-v1-1-abc@kernel.org',
        subject: '[PATCH] btrfs: reserve space in the fixup worker',
        from: 'Jane Developer via B4 Relay <devnull+jane.example.org@kernel.org>',
        headers: ['Reply-To: jane@example.org'],
        to: ['linux-btrfs@vger.kernel.org'],
        body: 'From: Jane Developer <jane@example.org>\n\nReserve space.\n\nSigned-off-by: Jane Developer <jane@example.org>',
        diff: fixupDiff(),
      }),
      'relay.eml',
    );
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    const review: PatchReview = { patch, base: { commit: null, source: 'none', label: 'none' }, applied: null, findings: [lockFinding], notes: [], errors: [] };
    const reply = renderEmailReply(review, ctx(series))!;
    expect(reply.to).toEqual(['jane@example.org']);
    expect(reply.cc.map((c) => c.toLowerCase())).not.toContain('devnull+jane.example.org@kernel.org');
    expect(reply.cc).toContain('linux-btrfs@vger.kernel.org');
    // No repository: the review says nothing about the base (no finding depends on it).
    expect(reply.text).not.toMatch(/base tree|Reviewed against/);
  });
});

describe('cover letter summary', () => {
  it('one reply to the cover lists each patch and what was found, threaded under the cover', async () => {
    const { patch, review } = await patchReview([lockFinding, fixesFinding]);
    const cover = await parseMail(
      mailText({ messageId: 'cover.jane@example.org', subject: '[PATCH v2 0/2] btrfs: fixup worker space', body: 'Two changes.' }),
      'cover.eml',
    );
    const series: Series = { id: 'cover.jane@example.org', version: 2, subject: cover.subject, cover, patches: [patch], total: 2, missing: [2], complete: false };
    const reply = renderCoverSummary({ series, patches: [review] }, ctx(series))!;
    expect(reply.subject).toBe('Re: [PATCH v2 0/2] btrfs: fixup worker space');
    expect(reply.raw).toContain('In-Reply-To: <cover.jane@example.org>');
    expect(reply.text).toContain('2 notes on this series, each sent as a reply to its patch:');
    expect(reply.text).toContain('  [1/2] btrfs: reserve space in the fixup worker: 2 notes');
    expect(reply.text.replace(/\s+/g, ' ')).toContain('patch 2 did not come in time and was not reviewed.');
    expect(renderCoverSummary({ series, patches: [{ ...review, findings: [] }] }, ctx(series))).toBeNull();
  });
});
