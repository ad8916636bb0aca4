// Hostile and random input: the parsers never crash, never keep an unsafe path, and fail only with KreviewError.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KreviewError } from '../../src/core/types.js';
import { parseDiff } from '../../src/patch/diff.js';
import { unsafePathReason } from '../../src/patch/diff-paths.js';
import { parseMail } from '../../src/patch/mail.js';

const diffLine = fc.oneof(
  fc.constantFrom('diff --git a/x.c b/x.c', 'diff --git a/../e b/../e', 'diff --git "a/\\001" "b/\\001"', '--- a/x.c', '+++ b/x.c', '--- /etc/passwd', '+++ /dev/null',
    'new file mode 100644', 'deleted file mode 100644', 'rename from ../a', 'rename to b', 'copy from /abs', 'copy to c', 'index 123..456', 'GIT binary patch', 'literal 0',
    'Binary files a/x and b/x differ', '\\ No newline at end of file', '-- ', '', '@@ -1 +1 @@', '@@ -0,0 +1,3 @@ f', '@@ -5,2 +5,0 @@'),
  fc.stringMatching(/^[-+ @\\]{0,3}[ -~]{0,12}$/),
);

describe('robustness', () => {
  it('parseDiff never throws, keeps only safe paths, and numbers lines in order', () => {
    fc.assert(
      fc.property(fc.array(diffLine, { maxLength: 40 }), (lines) => {
        const { files, warnings } = parseDiff(lines.join('\n'));
        for (const w of warnings) expect(w).not.toMatch(/[\r\n]/);
        for (const f of files) {
          for (const p of [f.oldPath, f.newPath]) if (p !== null) expect(unsafePathReason(p)).toBeNull();
          for (const h of f.hunks) {
            const news = h.lines.filter((l) => l.newLine !== null).map((l) => l.newLine!);
            const olds = h.lines.filter((l) => l.oldLine !== null).map((l) => l.oldLine!);
            expect(news).toEqual(news.map((_, i) => h.newStart + i));
            expect(olds).toEqual(olds.map((_, i) => h.oldStart + i));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('parseMail resolves or fails with a one-line KreviewError on random bytes and broken MIME', async () => {
    const header = fc.constantFrom('From: a <a@x>', 'Subject: [PATCH] x', 'Message-ID: <x@y>', 'Content-Type: multipart/mixed; boundary="b"', 'Content-Type: text/plain; charset=bogus',
      'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Subject: =?utf-8?B?!!!?=', '--b', '--b--', '');
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.array(header, { maxLength: 8 }), fc.array(fc.oneof(header, fc.string({ maxLength: 20 })), { maxLength: 10 })).map(([h, b]) => `${h.join('\n')}\n\n${b.join('\n')}`),
    );
    await fc.assert(
      fc.asyncProperty(input, async (raw) => {
        try {
          const p = await parseMail(raw, 'fuzz');
          expect(p.subject).not.toMatch(/[\r\n]/);
          expect(p.id).not.toMatch(/[\s<>]/);
        } catch (e) {
          expect(e).toBeInstanceOf(KreviewError);
          expect((e as Error).message).not.toContain('\n');
        }
      }),
      { numRuns: 300 },
    );
  });
});
