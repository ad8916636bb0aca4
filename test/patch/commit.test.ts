import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { TestRepo } from '../helpers/git-repo.js';
import { patchFromCommit } from '../../src/patch/commit.js';
import { parseDiff } from '../../src/patch/diff.js';
import { subjectOf } from '../../src/git/commit-object.js';

const repo = new TestRepo();
afterAll(() => repo.remove());

const base = repo.commit('base', { files: { 'fs/a.c': 'one\ntwo\nthree\n', 'fs/old name.c': 'x\ny\nz\nw\n', 'doc.txt': 'keep\n' } });
const head = repo.commit(
  'fs: change a and rename a file\nacross two lines\n\nBody here.\n\nFixes: 0123456789ab ("fs: old")\nSigned-off-by: T <t@x.org>\n',
  { files: { 'fs/a.c': 'one\nTWO\nthree\nfour\n', 'fs/old name.c': null, 'fs/new name.c': 'x\ny\nz\nw\n', 'doc.txt': null, 'img.bin': '\u0000\u0001binary' } },
);

describe('patchFromCommit', () => {
  it('builds a Patch from a real commit and its git show diff', () => {
    const rawMessage = repo.git('log', '-1', '--format=%B', head);
    const diffText = execFileSync('git', ['show', '-M', '--format=', head], { cwd: repo.dir, encoding: 'utf8' });
    const p = patchFromCommit({ oid: head, parents: [base], author: { name: 'Test Author', email: 'author@example.org' }, date: 1_600_000_120, rawMessage, diffText, source: `x@${head.slice(0, 12)}` });
    expect(p).toMatchObject({ id: head, kind: 'commit', commit: head, parent: base, baseCommit: null, mail: null, warnings: [], date: '2020-09-13T12:28:40.000Z' });
    expect(p.subject).toBe(repo.subject(head));
    expect(p.prefix.summary).toBe(p.subject);
    expect(p.trailers.map((t) => [t.key, t.line])).toEqual([['Fixes', 6], ['Signed-off-by', 7]]);
    expect(p.message.split('\n')[5]).toBe('Fixes: 0123456789ab ("fs: old")');
    expect(p.files.map((f) => [f.status, f.oldPath, f.newPath, f.binary]).sort()).toEqual([
      ['added', null, 'img.bin', true],
      ['deleted', 'doc.txt', null, false],
      ['modified', 'fs/a.c', 'fs/a.c', false],
      ['renamed', 'fs/old name.c', 'fs/new name.c', false],
    ]);
  });

  it('agrees with git numstat on added and deleted lines', () => {
    const diffText = execFileSync('git', ['show', '--no-renames', '--format=', head], { cwd: repo.dir, encoding: 'utf8' });
    const numstat = repo.git('show', '--no-renames', '--format=', '--numstat', head).split('\n').filter((l) => !l.startsWith('-'));
    const { files } = parseDiff(diffText);
    for (const row of numstat) {
      const [add, del, path] = row.split('\t');
      const f = files.find((x) => (x.newPath ?? x.oldPath) === path)!;
      const lines = f.hunks.flatMap((h) => h.lines);
      expect([lines.filter((l) => l.kind === 'add').length, lines.filter((l) => l.kind === 'del').length]).toEqual([Number(add), Number(del)]);
    }
  });

  it('leaves files empty when the diff is loaded later', () => {
    const p = patchFromCommit({ oid: base, parents: [], author: { name: 'a', email: 'b' }, date: null, rawMessage: 'base\n', source: 's' });
    expect(p).toMatchObject({ files: [], parent: null, subject: 'base', message: 'base', trailers: [] });
  });

  it('reads the subject as the first paragraph and trims the message end, whatever the blank lines and line ends', () => {
    const cases: [string, string, string][] = [
      // raw message, kreview's subject, git's %s (subjectOf)
      ['\n\n  net: fix\r\n  the leak \r\n\r\nbody\r\n\u00a0\t\n', 'net: fix the leak', 'net: fix the leak'],
      ['one line', 'one line', 'one line'],
      ['a\n \t\nb', 'a', 'a'],
      ['a\nb\n\v\n', 'a b', 'a b'],
      ['\n \n', '', ''],
      ['', '', ''],
    ];
    for (const [raw, subject, gitSubject] of cases) {
      const p = patchFromCommit({ oid: base, parents: [], author: { name: 'a', email: 'b' }, date: null, rawMessage: raw, source: 's' });
      expect([p.subject, subjectOf(raw)]).toEqual([subject, gitSubject]);
      expect(p.message).toBe(raw.replace(/\r\n?/g, '\n').replace(/\s+$/, ''));
    }
  });
});
