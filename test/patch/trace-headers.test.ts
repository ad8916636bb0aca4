// The transport trace (Received, DKIM/ARC, provider stamps) is dropped before MIME decoding: the
// header structure below is a real vger delivery (io-uring, December 2024; signatures shortened).
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/patch/mail.js';
import { withoutTrace } from '../../src/patch/trace-headers.js';

const TRACE = [
  'Return-Path: <io-uring+bounces-5534-lists+io-uring=lfdr.de@vger.kernel.org>',
  'X-Original-To: lists+io-uring@lfdr.de',
  'Delivered-To: lists+io-uring@lfdr.de',
  'Received: from am.mirrors.kernel.org (am.mirrors.kernel.org [147.75.80.249])',
  '\tby mail.lfdr.de (Postfix) with ESMTPS id AC5DE9F5BA4',
  '\tfor <lists+io-uring@lfdr.de>; Wed, 18 Dec 2024 01:37:02 +0100 (CET)',
  'Authentication-Results: smtp.subspace.kernel.org;',
  '\tdkim=pass (2048-bit key) header.d=example.uk header.i=@example.uk header.b="V6ybPA68"',
  'ARC-Seal:i=1; a=rsa-sha256; d=subspace.kernel.org; s=arc-20240116;',
  '\tt=1734482163; cv=none; b=lZER4Ik2re2CVNae9Z7IGp1V7cDYIGkwEHxXnJr4FeU08btcr8ZubVec',
  'ARC-Message-Signature:i=1; a=rsa-sha256; d=subspace.kernel.org;',
  '\ts=arc-20240116; t=1734482163; c=relaxed/simple;',
  'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
  '        d=example.uk; s=20230601; t=1734482161; x=1735086961; darn=vger.kernel.org;',
  '        h=content-transfer-encoding:mime-version:references:in-reply-to',
  'X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
  '        d=1e100.net; s=20230601; t=1734482161; x=1735086961;',
  'X-Gm-Message-State: AOJu0Ywuj386C1a8IlqlpbK9RHPbgW+uYBHuiDS94ASQcwBC0tqF1LTq',
  '\ts56VfyaOYjd2gDIlDknb3I0JauKVSCkcfM+KUwtfKTE4NJVPRx2l5PgXjJ6RDqd2pHPSLIU+pqz',
  'X-Google-Smtp-Source: AGHT+IHK6RI0g4RndMxzssu5s+vJ3eAoHV4b2tI6m6aTkW2JbWD2HemNCOpu054vZvqLojVx6HHW/Q==',
  'X-Received: by 2002:a05:6a00:1807:b0:725:4615:a778 with SMTP id d2e1a72fcca58-72a8d225a2bmr1336107b3a.7.1734482161021;',
  '        Tue, 17 Dec 2024 16:36:01 -0800 (PST)',
];

const HEAD = [
  'From: David Wei <dw@example.uk>',
  'To: io-uring@vger.kernel.org,',
  '\tnetdev@vger.kernel.org',
  'Cc: Jens Axboe <axboe@kernel.dk>,',
  '\tPavel Begunkov <asml.silence@gmail.com>',
  'Subject: [PATCH net-next v9 01/20] net: page_pool: do not cast the provider argument',
  'Date: Tue, 17 Dec 2024 16:35:29 -0800',
  'Message-ID: <20241218003549.786301-2-dw@example.uk>',
  'In-Reply-To: <20241218003549.786301-1-dw@example.uk>',
  'References: <20241218003549.786301-1-dw@example.uk>',
  'X-Patchwork-Hint: ignore',
  'Precedence: bulk',
  'X-Mailing-List: io-uring@vger.kernel.org',
  'List-Id: <io-uring.vger.kernel.org>',
  'MIME-Version: 1.0',
];

const DIFF = [
  'diff --git a/net/core/page_pool_user.c b/net/core/page_pool_user.c',
  '--- a/net/core/page_pool_user.c',
  '+++ b/net/core/page_pool_user.c',
  '@@ -1,3 +1,3 @@',
  ' int check(void)',
  '-\tstruct binding *b = p;',
  '+\tvoid *b = p;',
];
const BODY = ['The path is generic: do not assume the provider type.', '', 'Signed-off-by: David Wei <dw@example.uk>', '---', ...DIFF, ''];

describe('transport trace fields', () => {
  it('are not kept in the patch, and what policy checks read is', async () => {
    const raw = [...TRACE, ...HEAD, 'Content-Transfer-Encoding: 8bit', '', ...BODY].join('\n');
    const p = await parseMail(raw, 'io-uring');
    const names = Object.keys(p.mail!.headers);
    for (const t of ['received', 'return-path', 'delivered-to', 'x-original-to', 'authentication-results', 'arc-seal', 'arc-message-signature', 'dkim-signature', 'x-google-dkim-signature', 'x-gm-message-state', 'x-google-smtp-source', 'x-received'])
      expect(names).not.toContain(t);
    expect(p.mail!.headers).toMatchObject({ 'x-patchwork-hint': 'ignore', precedence: 'bulk', 'list-id': '<io-uring.vger.kernel.org>' });
    expect(p.mail!.cc.map((c) => c.email)).toEqual(['axboe@kernel.dk', 'asml.silence@gmail.com']);
    expect(p.mail!.to.map((c) => c.email)).toEqual(['io-uring@vger.kernel.org', 'netdev@vger.kernel.org']);
    expect(p.mail!.inReplyTo).toBe('20241218003549.786301-1-dw@example.uk');
    expect(p.files.map((f) => f.newPath)).toEqual(['net/core/page_pool_user.c']);
  });

  it('are dropped from a multipart mail too, whose attached patch is still found', async () => {
    const raw = [
      ...TRACE,
      ...HEAD,
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The patch is attached.',
      '--b1',
      'Content-Type: text/x-patch; name="0001-page_pool.patch"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="0001-page_pool.patch"',
      '',
      Buffer.from(BODY.join('\n')).toString('base64'),
      '--b1--',
      '',
    ].join('\n');
    const p = await parseMail(raw, 'io-uring');
    expect(Object.keys(p.mail!.headers)).not.toContain('received');
    expect(p.files.map((f) => f.newPath)).toEqual(['net/core/page_pool_user.c']);
    expect(p.trailers.map((t) => t.key)).toContain('Signed-off-by');
  });

  it('leaves a header block without them as it is, byte for byte', () => {
    const block = Buffer.from([...HEAD, 'Subject-Extra: caf\xe9', '', ''].join('\r\n'), 'latin1');
    expect(withoutTrace(block)).toBe(block);
    const traced = Buffer.concat([Buffer.from(`${TRACE.join('\r\n')}\r\n`, 'latin1'), block]);
    expect(withoutTrace(traced).equals(block)).toBe(true);
  });
});
