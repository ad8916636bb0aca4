import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KreviewError } from '../../src/core/types.js';
import { parseMail } from '../../src/patch/mail.js';

/** A mail from header lines and body lines, CRLF-free unless the test adds it. */
const mail = (headers: string[], body: string[]): string => `${headers.join('\n')}\n\n${body.join('\n')}\n`;
const H = (subject: string, extra: string[] = []): string[] => [
  'From: Jane Dev <jane@example.org>',
  'To: list@vger.kernel.org',
  `Subject: ${subject}`,
  'Date: Tue, 5 Mar 2024 10:00:00 +0000',
  'Message-ID: <m1@example.org>',
  ...extra,
];
const DIFF = ['diff --git a/a.c b/a.c', '--- a/a.c', '+++ b/a.c', '@@ -1 +1 @@', '-x', '+y'];

describe('parseMail', () => {
  it('reads a format-patch mail: message lines, trailers, notes, diff, footers', async () => {
    const raw = readFileSync(new URL('../fixtures/mail/v2-series.mbox', import.meta.url), 'utf8').split('\n\nFrom 2222')[0];
    const cover = await parseMail(raw, 'cover');
    expect(cover).toMatchObject({ id: 'cover.v2@example.org', kind: 'mail', files: [], baseCommit: '0123456789abcdef0123456789abcdef01234567', changeId: '20240305-fixup-0a1b2c3d4e5f' });
    expect(cover.prefix).toMatchObject({ version: 2, index: 0, total: 2 });
    expect(cover.mail).toMatchObject({ listIds: ['linux-btrfs.vger.kernel.org'], autoSubmitted: false, cc: [{ name: 'Dave', email: 'dave@example.com' }] });
  });

  it('keeps Patch.message line numbers true to the summary line', async () => {
    const p = await parseMail(mail(H('[PATCH v3 2/7] btrfs: fix it', ['In-Reply-To: <c@x>', 'References: <a@x> <c@x>']), [
      '', 'Body line.', '', 'Fixes: 0123456789ab ("x")', 'Signed-off-by: Jane Dev <jane@example.org>', '--- ', 'notes', '', ...DIFF,
    ]), 'm');
    expect(p.message.split('\n')).toEqual(['btrfs: fix it', '', 'Body line.', '', 'Fixes: 0123456789ab ("x")', 'Signed-off-by: Jane Dev <jane@example.org>']);
    expect(p.trailers.map((t) => [t.key, t.line])).toEqual([['Fixes', 5], ['Signed-off-by', 6]]);
    expect(p.notes).toBe('notes\n');
    expect(p.files).toHaveLength(1);
    expect(p.mail).toMatchObject({ inReplyTo: 'c@x', references: ['a@x', 'c@x'] });
  });

  it('decodes quoted-printable, base64 and RFC 2047 subjects, names and Message-IDs', async () => {
    const qp = await parseMail(mail(
      ['From: =?UTF-8?Q?Bj=C3=B6rn_T=C3=B6pel?= <bjorn@example.org>', 'Subject: =?UTF-8?Q?[PATCH]_ext4:_f=C3=BCx?=', 'Message-ID: =?us-ascii?Q?<q=3Dp@x>?=', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable'],
      ['Gr=C3=BC=C3=9Fe, a long line that is soft-wrapped by quoted-printable encod=', 'ing.', '', 'Signed-off-by: Bj=C3=B6rn <bjorn@example.org>'],
    ), 'qp');
    expect(qp.subject).toBe('[PATCH] ext4: füx');
    expect(qp.author).toEqual({ name: 'Björn Töpel', email: 'bjorn@example.org' });
    expect(qp.id).toBe('q=p@x');
    expect(qp.message).toContain('Grüße, a long line that is soft-wrapped by quoted-printable encoding.');
    const b64 = await parseMail(mail(['From: a <a@x>', 'Subject: [PATCH] b64', 'Message-ID: <b@x>', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
      [Buffer.from(['Text', '---', ...DIFF].join('\n')).toString('base64')]), 'b64');
    expect(b64.files.map((f) => f.newPath)).toEqual(['a.c']);
  });

  it('unfolds headers and accepts CRLF', async () => {
    const raw = mail(['From: Jane <jane@example.org>', 'Subject: [PATCH v2 1/2] a very long subject that', ' was folded by the mailer', 'Message-ID:', ' <fold@x>'], ['Body', '---', ...DIFF]).replace(/\n/g, '\r\n');
    const p = await parseMail(raw, 'crlf');
    expect(p.subject).toBe('[PATCH v2 1/2] a very long subject that was folded by the mailer');
    expect(p.id).toBe('fold@x');
    expect(p.message).toBe('a very long subject that was folded by the mailer\n\nBody');
    expect(p.files[0].hunks[0].lines.map((l) => l.text)).toEqual(['x', 'y']);
  });

  it('takes the author from in-body From:, Subject: and Date:', async () => {
    const p = await parseMail(mail(H('[PATCH] relayed subject'), ['From: Real Author <real@example.org>', 'Subject: [PATCH] the real subject', 'Date: Mon, 4 Mar 2024 09:00:00 +0000', '', 'Body.', '---', ...DIFF]), 'inbody');
    expect(p.author).toEqual({ name: 'Real Author', email: 'real@example.org' });
    expect(p.subject).toBe('[PATCH] the real subject');
    expect(p.date).toBe('2024-03-04T09:00:00.000Z');
    expect(p.message).toBe('the real subject\n\nBody.');
  });

  it('finds the author of a B4 Relay mail in Reply-To', async () => {
    const p = await parseMail(mail(['From: Jane Dev via B4 Relay <devnull+jane.example.org@kernel.org>', 'Reply-To: jane@example.org', 'Subject: [PATCH] x', 'Message-ID: <r@x>'], ['Body', '---', ...DIFF]), 'relay');
    expect(p.author).toEqual({ name: 'Jane Dev', email: 'jane@example.org' });
    expect(p.mail?.from?.email).toBe('devnull+jane.example.org@kernel.org');
  });

  it('reads a patch sent as a text/x-patch attachment', async () => {
    const attached = ['From 1234 Mon Sep 17 00:00:00 2001', 'From: Att Author <att@example.org>', 'Subject: [PATCH] attached: fix', '', 'Why.', '', 'Signed-off-by: Att Author <att@example.org>', '---', ...DIFF, ''].join('\n');
    const p = await parseMail(mail(['From: Sender <s@x>', 'Subject: patch attached', 'Message-ID: <att@x>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="BOUND"'], [
      '--BOUND', 'Content-Type: text/plain; charset=utf-8', '', 'Please apply.', '--BOUND',
      'Content-Type: text/x-patch; name="0001-fix.patch"', 'Content-Disposition: attachment; filename="0001-fix.patch"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from(attached).toString('base64'), '--BOUND--',
    ]), 'attach');
    expect(p.author.email).toBe('att@example.org');
    expect(p.subject).toBe('[PATCH] attached: fix');
    expect(p.trailers.map((t) => t.key)).toEqual(['Signed-off-by']);
    expect(p.files.map((f) => f.newPath)).toEqual(['a.c']);
  });

  it('never keeps CR/LF in header values (no injected Bcc)', async () => {
    const p = await parseMail(mail(['From: =?utf-8?q?Eve=0D=0ABcc:_victim@x?= <eve@x>', 'Subject: =?utf-8?q?[PATCH]_x=0D=0ABcc:_victim@example.org?=', 'Message-ID: <=?utf-8?q?a=0D=0Ab?=@x>', 'References: <r1@x>'], ['body']), 'inject');
    for (const s of [p.subject, p.author.name, p.id, ...Object.values(p.mail!.headers), ...p.mail!.references]) expect(s).not.toMatch(/[\r\n]/);
    expect(p.subject).toBe('[PATCH] x Bcc: victim@example.org');
    expect(p.mail!.headers.bcc).toBeUndefined();
  });

  it('keeps a mail without a diff as a Patch with no files', async () => {
    const p = await parseMail(mail(H('Re: [PATCH v3 2/7] btrfs: fix it'), ['> quoted', '', 'Reviewed-by: R <r@x>']), 'reply');
    expect(p.files).toEqual([]);
    expect(p.prefix.isReply).toBe(true);
  });

  it('reads an 8-bit body without a charset as latin1, with a note that is not an error', async () => {
    const head = Buffer.from(`${H('[PATCH] x').join('\n')}\n\n`);
    const p = await parseMail(Buffer.concat([head, Buffer.from('Gr\xfc\xdfe from M\xfcnchen\n', 'latin1')]), 'latin');
    expect(p.message).toContain('Grüße from München');
    expect(p.notices).toEqual(['the body is not UTF-8 and names no charset; read it as latin1']);
    expect(p.warnings).toEqual([]);
  });

  it('warns when a MIME part holds bytes its charset cannot decode', async () => {
    const head = Buffer.from(['From: a <a@x>', 'Subject: [PATCH] x', 'Message-ID: <fffd@x>', 'Content-Type: multipart/mixed; boundary="B"', '', '--B', 'Content-Type: text/plain; charset=utf-8', '', ''].join('\n'));
    const p = await parseMail(Buffer.concat([head, Buffer.from('M\xfcnchen\n--B--\n', 'latin1')]), 'bad');
    expect(p.notices).toEqual(['some bytes of the body do not fit its charset and were replaced']);
    expect(p.warnings).toEqual([]);
  });

  it('reads an undeclared 8-bit part of a multipart mail as latin1, with a note that is not an error', async () => {
    const head = Buffer.from(['From: a <a@x>', 'Subject: [PATCH] x', 'Message-ID: <mp@x>', 'Content-Type: multipart/mixed; boundary="B"', '', '--B', 'Content-Type: text/plain;', ' format=fixed', '', ''].join('\n'));
    const p = await parseMail(Buffer.concat([head, Buffer.from('M\xfcnchen\n--B--\n', 'latin1')]), 'mp');
    expect(p.message).toBe('x\n\nMünchen');
    expect(p.notices).toEqual(['a part of the body is not UTF-8 and names no charset; read it as latin1']);
    expect(p.warnings).toEqual([]);
  });

  it('marks automatic mail, but not list mail stamped Precedence: bulk', async () => {
    const ooo = await parseMail(mail(H('Out of office', ['Auto-Submitted: auto-replied']), ['away']), 'a');
    const list = await parseMail(mail(H('[PATCH] x', ['Precedence: bulk', 'List-Id: <linux-ext4.vger.kernel.org>']), ['body']), 'b');
    const bulk = await parseMail(mail(H('news', ['Precedence: bulk']), ['body']), 'c');
    const no = await parseMail(mail(H('[PATCH] x', ['Auto-Submitted: no']), ['body']), 'd');
    expect([ooo, list, bulk, no].map((p) => p.mail!.autoSubmitted)).toEqual([true, false, true, false]);
  });

  it('gives a mail without a Message-ID (format-patch output) a stable id, and no warning', async () => {
    const raw = mail(['From: a <a@x>', 'Subject: [PATCH] x'], ['body']);
    const [a, b] = [await parseMail(raw, 's'), await parseMail(raw, 's')];
    expect(a.id).toMatch(/^[0-9a-f]{32}@kreview\.invalid$/);
    expect(a.id).toBe(b.id);
    expect(a.warnings).toEqual([]);
  });

  it('handles a 5 MB mail', async () => {
    const big = Array.from({ length: 120_000 }, (_, i) => `+line ${i} of a large generated table entry`);
    const raw = mail(H('[PATCH] big'), ['Big.', '---', 'diff --git a/t.c b/t.c', 'new file mode 100644', '--- /dev/null', '+++ b/t.c', `@@ -0,0 +1,${big.length} @@`, ...big]);
    expect(raw.length).toBeGreaterThan(5_000_000);
    const t = Date.now();
    const p = await parseMail(raw, 'big');
    expect(p.files[0].hunks[0].lines).toHaveLength(big.length);
    // Generous: the bound catches a quadratic parser (minutes), not a busy machine.
    expect(Date.now() - t).toBeLessThan(20_000);
  });

  it.each([
    ['', /^e: empty message$/],
    ['just some text without any header', /^e: not a mail message/],
    ['\u0000\u0001\u0002 binary junk', /^e: not a mail message/],
  ])('rejects %j with a one-line KreviewError', async (raw, re) => {
    const err = await parseMail(raw, 'e').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KreviewError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain('\n');
  });

  it('survives malformed MIME: a boundary that never closes, a bogus charset', async () => {
    const p = await parseMail(mail(['From: a <a@x>', 'Subject: [PATCH] mime', 'Message-ID: <mime@x>', 'Content-Type: multipart/mixed; boundary="B"'], [
      '--B', 'Content-Type: text/plain; charset=x-no-such-charset', '', 'Body', '---', ...DIFF,
    ]), 'mime');
    expect(p.files.map((f) => f.newPath)).toEqual(['a.c']);
  });

  it('drops a hostile path in a mail with a one-line warning', async () => {
    const p = await parseMail(mail(H('[PATCH] evil'), ['x', '---', 'diff --git a/../../etc/passwd b/../../etc/passwd', '--- a/../../etc/passwd', '+++ b/../../etc/passwd', '@@ -1 +1 @@', '-a', '+b']), 'evil.eml');
    expect(p.files).toEqual([]);
    expect(p.warnings).toEqual(['dropped the diff of "../../etc/passwd": ".." in path']);
  });
});
