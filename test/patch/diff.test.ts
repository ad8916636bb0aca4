import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/patch/diff.js';

const d = (...lines: string[]): string => lines.join('\n');

describe('parseDiff', () => {
  it('maps a git diff to files, hunks and exact line numbers', () => {
    const { files, warnings } = parseDiff(d(
      'diff --git a/fs/btrfs/inode.c b/fs/btrfs/inode.c',
      'index 1111111aaaa..2222222bbbb 100644',
      '--- a/fs/btrfs/inode.c',
      '+++ b/fs/btrfs/inode.c',
      '@@ -10,4 +10,5 @@ static int fixup(struct page *page)',
      ' a',
      '-b',
      '+B',
      '+C',
      '',
      ' d',
      '\\ No newline at end of file',
      '-- ',
      '2.43.0',
      '',
    ));
    expect(warnings).toEqual([]);
    expect(files).toHaveLength(1);
    const f = files[0];
    expect(f).toMatchObject({ oldPath: 'fs/btrfs/inode.c', newPath: 'fs/btrfs/inode.c', status: 'modified', binary: false, oldBlob: '1111111aaaa', newBlob: '2222222bbbb' });
    expect(f.hunks[0]).toMatchObject({ oldStart: 10, oldLines: 4, newStart: 10, newLines: 5, section: 'static int fixup(struct page *page)' });
    expect(f.hunks[0].lines).toEqual([
      { kind: 'ctx', text: 'a', oldLine: 10, newLine: 10 },
      { kind: 'del', text: 'b', oldLine: 11, newLine: null },
      { kind: 'add', text: 'B', oldLine: null, newLine: 11 },
      { kind: 'add', text: 'C', oldLine: null, newLine: 12 },
      { kind: 'ctx', text: '', oldLine: 12, newLine: 13 },
      { kind: 'ctx', text: 'd', oldLine: 13, newLine: 14 },
    ]);
  });

  it('reads new, deleted, renamed and copied files', () => {
    const { files, warnings } = parseDiff(d(
      'diff --git a/new.c b/new.c',
      'new file mode 100644',
      'index 0000000..e69de29',
      '--- /dev/null',
      '+++ b/new.c',
      '@@ -0,0 +1,2 @@',
      '+x',
      '+y',
      'diff --git a/old.c b/old.c',
      'deleted file mode 100644',
      'index e69de29..0000000',
      '--- a/old.c',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-x',
      'diff --git a/dir/a b.c b/dir/c d.c',
      'similarity index 90%',
      'rename from dir/a b.c',
      'rename to dir/c d.c',
      'diff --git a/x.c b/y.c',
      'similarity index 100%',
      'copy from x.c',
      'copy to y.c',
      'diff --git a/empty b/empty',
      'new file mode 100644',
      'index 0000000..e69de29',
    ));
    expect(warnings).toEqual([]);
    expect(files.map((f) => [f.status, f.oldPath, f.newPath, f.oldBlob, f.newBlob])).toEqual([
      ['added', null, 'new.c', null, 'e69de29'],
      ['deleted', 'old.c', null, 'e69de29', null],
      ['renamed', 'dir/a b.c', 'dir/c d.c', null, null],
      ['copied', 'x.c', 'y.c', null, null],
      ['added', null, 'empty', null, 'e69de29'],
    ]);
    expect(files[0].hunks[0].lines.map((l) => l.newLine)).toEqual([1, 2]);
  });

  it('marks binary diffs and skips the literal data', () => {
    const { files, warnings } = parseDiff(d(
      'diff --git a/fw.bin b/fw.bin',
      'index 1234567..89abcde 100644',
      'GIT binary patch',
      'literal 12',
      'RcmZ?wbhEHbRA2xB0R+1M&j0`b',
      '',
      'literal 0',
      'HcmV?d00001',
      '',
      'diff --git a/logo.png b/logo.png',
      'Binary files a/logo.png and b/logo.png differ',
      'diff --git a/t.c b/t.c',
      '--- a/t.c',
      '+++ b/t.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    ));
    expect(warnings).toEqual([]);
    expect(files.map((f) => [f.newPath, f.binary, f.hunks.length])).toEqual([
      ['fw.bin', true, 0],
      ['logo.png', true, 0],
      ['t.c', false, 1],
    ]);
  });

  it('unquotes C-quoted paths', () => {
    const { files } = parseDiff(d(
      'diff --git "a/f\\303\\266o\\tbar" "b/f\\303\\266o\\tbar"',
      '--- "a/f\\303\\266o\\tbar"',
      '+++ "b/f\\303\\266o\\tbar"',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    ));
    // The tab is a control character: the file is dropped, and the warning escapes it.
    expect(files).toEqual([]);
    const ok = parseDiff(d('diff --git "a/f\\303\\266o" "b/f\\303\\266o"', '--- "a/f\\303\\266o"', '+++ "b/f\\303\\266o"', '@@ -1 +1 @@', '-a', '+b'));
    expect(ok.files[0].newPath).toBe('föo');
  });

  it.each([
    ['../../etc/passwd', '".." in path'],
    ['a/../../etc/passwd', '".." in path'],
    ['.git/hooks/pre-commit', '".git" in path'],
  ])('drops the diff of %s with a one-line warning', (path, reason) => {
    const { files, warnings } = parseDiff(d(`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, '@@ -1 +1 @@', '-a', '+b',
      'diff --git a/ok.c b/ok.c', '--- a/ok.c', '+++ b/ok.c', '@@ -1 +1 @@', '-a', '+b'));
    expect(files.map((f) => f.newPath)).toEqual(['ok.c']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(reason);
    expect(warnings[0]).not.toContain('\n');
  });

  it('drops absolute paths and paths with NUL', () => {
    const abs = parseDiff(d('--- /etc/passwd', '+++ /etc/passwd', '@@ -1 +1 @@', '-a', '+b'));
    expect(abs.files).toEqual([]);
    expect(abs.warnings[0]).toContain('absolute path');
    const git = parseDiff(d('diff --git /etc/passwd /etc/passwd', 'old mode 100644', 'new mode 100755'));
    expect(git.files).toEqual([]);
    expect(git.warnings[0]).toContain('absolute path');
    const nul = parseDiff(d('--- a/x\u0000y', '+++ b/x\u0000y', '@@ -1 +1 @@', '-a', '+b'));
    expect(nul.files).toEqual([]);
    expect(nul.warnings[0]).toMatch(/control character/);
    expect(nul.warnings[0]).not.toContain('\u0000');
  });

  it('keeps what fits when hunk counts claim too many lines', () => {
    const { files, warnings } = parseDiff(d(
      'diff --git a/a.c b/a.c',
      '--- a/a.c',
      '+++ b/a.c',
      '@@ -1,9 +1,9 @@',
      ' x',
      '-y',
      '+z',
      '@@ -20,2 +20,2 @@ f()',
      ' p',
      '-q',
      '+r',
      'diff --git a/b.c b/b.c',
      '--- a/b.c',
      '+++ b/b.c',
      '@@ -1 +1 @@',
      '-m',
      '+n',
    ));
    expect(files.map((f) => [f.newPath, f.hunks.length])).toEqual([['a.c', 2], ['b.c', 1]]);
    expect(files[0].hunks[0].lines).toHaveLength(3);
    expect(files[0].hunks[1].lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([['ctx', 20, 20], ['del', 21, null], ['add', null, 21]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^a\.c: hunk @@ -1,9 \+1,9 @@ is short by 7 old and 7 new line/);
  });

  it('warns about lines beyond the counts instead of taking them', () => {
    const { files, warnings } = parseDiff(d('--- a/a.c', '+++ b/a.c', '@@ -1,1 +1,1 @@', '-x', '+y', '+extra', ' ctx'));
    expect(files[0].hunks[0].lines).toHaveLength(2);
    expect(warnings).toEqual(['a.c: 2 line(s) after a hunk\'s counts ran out were ignored (hunk counts do not match the lines)']);
  });

  it('reads plain diff -u output with several files and CRLF', () => {
    const { files, warnings } = parseDiff(
      d('--- linux.orig/a.c\t2024-01-01 00:00:00', '+++ linux/a.c\t2024-01-01 00:00:00', '@@ -1 +1 @@', '-a', '+b', '--- linux.orig/b.c', '+++ linux/b.c', '@@ -3 +3,2 @@', ' c', '+d').replace(/\n/g, '\r\n'),
    );
    expect(warnings).toEqual([]);
    expect(files.map((f) => [f.oldPath, f.newPath, f.hunks[0].lines.length])).toEqual([['a.c', 'a.c', 2], ['b.c', 'b.c', 2]]);
  });

  it('ignores a hunk without a file and empty input', () => {
    expect(parseDiff('')).toEqual({ files: [], warnings: [] });
    expect(parseDiff('@@ -1 +1 @@\n-a\n+b').warnings).toHaveLength(1);
  });
});
