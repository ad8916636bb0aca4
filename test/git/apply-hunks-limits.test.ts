// What a hostile or huge diff costs the hunk applier and the hunk-only images (issue 9 rows 1 and
// 11): a hunk header naming line 150,000,000, a new 140,000-line file, hunks placed far from where
// they say. The end-to-end cases run the real CLI in a child with a small heap, so that a
// regression fails the test instead of taking the machine down.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { applyHunks, hunksWithin } from '../../src/git/apply-hunks.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { parseDiff } from '../../src/patch/diff.js';
import type { DiffLine, Hunk, Patch } from '../../src/core/types.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kreview-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A mail with the given diff, as git format-patch would send it. */
function mailWith(diff: string): string {
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Eve Mallory <eve@example.com>',
    'Subject: [PATCH] foo: tidy the frobnicator',
    'Message-ID: <limits-1@example.com>',
    'Date: Mon, 1 Jan 2024 00:00:00 +0000',
    '',
    'Tidy it.',
    '',
    'Signed-off-by: Eve Mallory <eve@example.com>',
    '---',
    diff + '-- ',
    '2.40.0',
    '',
  ].join('\n');
}

/** `kreview review` on a mail in a child process with a heap cap and a time cap. */
function reviewCapped(mbox: string, heapMb: number): { code: number | null; signal: string | null; out: string } {
  const path = join(dir, `m${Math.random().toString(36).slice(2)}.mbox`);
  writeFileSync(path, mbox);
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, KREVIEW_BIN, 'review', path], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, out: `${r.stdout}\n${r.stderr}` };
}

describe('a hunk header that names a line far past any real file (issue 9 row 1)', () => {
  const diff = ['diff --git a/fs/foo.c b/fs/foo.c', '--- a/fs/foo.c', '+++ b/fs/foo.c', '@@ -1,1 +150000000,1 @@', '-a', '+b', ''].join('\n');

  it('a 449-byte mail is reviewed in a 256 MB heap, and the hunk past the limit is named in one line', () => {
    const r = reviewCapped(mailWith(diff), 256);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.out).toContain('fs/foo.c: not reviewed past line 200000 (limits.linesPerFile): 1 of 1 hunks, the first @@ -1,1 +150000000,1 @@');
    expect(r.out).toContain('1 patch reviewed');
  }, 130_000);

  it('the hunk-only images leave out lines past the limit instead of padding up to them (in a 128 MB child)', () => {
    const src = (p: string) => JSON.stringify(fileURLToPath(new URL(p, import.meta.url)));
    const code = [
      `import { hunkOnlyImage, hunkOnlyPreImage } from ${src('../../src/git/apply-hunks.ts')};`,
      `import { parseDiff } from ${src('../../src/patch/diff.ts')};`,
      `const [f] = parseDiff(${JSON.stringify(diff)}).files;`,
      'process.stdout.write(JSON.stringify([hunkOnlyImage(f.hunks), hunkOnlyPreImage(f.hunks)]));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(r.signal).toBeNull();
    expect(JSON.parse(r.stdout)).toEqual(['', 'a\n']);
  }, 70_000);
});

/** A hunk from ` ctx` / `-del` / `+add` strings. */
function hunk(oldStart: number, newStart: number, body: string[]): Hunk {
  let o = oldStart;
  let n = newStart;
  const lines: DiffLine[] = body.map((l) => {
    const text = l.slice(1);
    if (l[0] === '-') return { kind: 'del', text, oldLine: o++, newLine: null };
    if (l[0] === '+') return { kind: 'add', text, oldLine: null, newLine: n++ };
    return { kind: 'ctx', text, oldLine: o++, newLine: n++ };
  });
  return { oldStart, oldLines: lines.filter((l) => l.kind !== 'add').length, newStart, newLines: lines.filter((l) => l.kind !== 'del').length, section: '', lines };
}

describe('a new file of 140,000 lines (issue 9 row 11)', () => {
  const n = 140_000;
  const body = Array.from({ length: n }, (_, i) => `+#define GEN_REG_${i} 0x${i.toString(16)}`);

  it('is applied without spreading its lines onto the stack', () => {
    const r = applyHunks('', [hunk(0, 1, body)]);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.text.split('\n')).toHaveLength(n + 1);
  });

  it('a mail that adds it is reviewed end to end in a 512 MB heap', () => {
    const diff = ['diff --git a/include/gen/regs.h b/include/gen/regs.h', 'new file mode 100644', '--- /dev/null', '+++ b/include/gen/regs.h', `@@ -0,0 +1,${n} @@`, ...body, ''].join('\n');
    const r = reviewCapped(mailWith(diff), 512);
    expect(r.signal).toBeNull();
    expect(r.out).not.toContain('Maximum call stack');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 patch reviewed');
  }, 130_000);

  it('a file that would grow past the line limit is refused in one line, not built', () => {
    const r = applyHunks('', [hunk(0, 1, body.slice(0, 500))], 400);
    expect(r).toEqual({ ok: false, reason: 'the file would have 500 lines, past the limit of 400 (limits.linesPerFile)' });
  });
});

describe('placing hunks costs time linear in the file', () => {
  it('a long hunk whose context matches nowhere, in a file of identical lines, fails fast', () => {
    // Every position matches the first 20,000 lines and fails on the last: comparing line by line
    // at each of 80,000 positions is 1.6e9 comparisons; by rolling hash it is one per position.
    const pre = 'z\n' + 'x\n'.repeat(100_000);
    const h = hunk(1, 1, [...Array.from({ length: 20_000 }, () => ' x'), ' z', '-x', '+y']);
    const t = Date.now();
    const r = applyHunks(pre, [h]);
    expect(r.ok).toBe(false);
    expect(Date.now() - t).toBeLessThan(3_000);
  }, 10_000);

  it('still finds a hunk at an offset and at the stated place among identical lines', () => {
    const pre = 'x\n'.repeat(50) + 'a\nb\nc\n' + 'x\n'.repeat(50);
    const r = applyHunks(pre, [hunk(40, 40, [' a', '-b', '+B', ' c'])]);
    expect(r).toMatchObject({ ok: true, shifts: [{ old: 11, new: 11 }] });
    if (r.ok) expect(r.text).toBe('x\n'.repeat(50) + 'a\nB\nc\n' + 'x\n'.repeat(50));
  });

  it('a hunk stated at line 150,000,000 of a small file is looked for only where it could be', () => {
    const pre = 'a\nb\nc\n';
    const t = Date.now();
    expect(applyHunks(pre, [{ ...hunk(1, 1, ['-b', '+B']), oldStart: 150_000_000, newStart: 150_000_000 }])).toMatchObject({ ok: true, text: 'a\nB\nc\n' });
    expect(Date.now() - t).toBeLessThan(500);
  });
});

describe('hunks past the line limit in a mail without a repository', () => {
  function patchOf(diff: string): Patch {
    return {
      id: 'x@example.org', kind: 'mail', source: 'test', subject: 's',
      prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: 's' },
      author: { name: 'A', email: 'a@example.org' }, date: null, message: 's', trailers: [], notes: '', files: parseDiff(diff).files,
      baseCommit: null, changeId: null, commit: null, parent: null, mail: null, warnings: [],
    };
  }

  it('are left out of what the checks see; the hunks before the limit are reviewed', async () => {
    const diff = [
      'diff --git a/fs/foo.c b/fs/foo.c', '--- a/fs/foo.c', '+++ b/fs/foo.c',
      '@@ -10,2 +10,2 @@ int f(void)', ' a', '-b', '+B',
      '@@ -500,2 +500,2 @@ int g(void)', ' c', '-d', '+D',
      '@@ -900,1 +900,1 @@ int h(void)', '-e', '+E', '',
    ].join('\n');
    const ws = await createWorkspace(patchOf(diff), { repo: null, history: null, limits: { linesPerFile: 100 } });
    const [file] = await ws.files();
    expect(file.hunks.map((h) => h.newStart)).toEqual([10]);
    const post = (await ws.postImage('fs/foo.c'))!;
    expect(post.text.split('\n')).toHaveLength(12);
    expect(post.text.split('\n')[10]).toBe('B');
    expect(ws.notes).toContain('fs/foo.c: not reviewed past line 100 (limits.linesPerFile): 2 of 3 hunks, the first @@ -500,2 +500,2 @@');
  });

  it('hunksWithin splits by both sides', () => {
    const inside = hunk(5, 5, [' a', '+b']);
    const newFar = hunk(6, 300, [' c', '+d']);
    expect(hunksWithin([inside, newFar], 100)).toEqual({ within: [inside], past: [newFar] });
  });
});
