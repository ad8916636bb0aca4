import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KreviewError, type Patch } from '../../src/core/types.js';
import { readInputs } from '../../src/sources/files.js';
import { readMessages } from '../../src/sources/mbox.js';
import { TestRepo } from '../helpers/git-repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = (name: string): string => new URL(`../fixtures/mail/${name}`, import.meta.url).pathname;

async function collect(paths: string[]): Promise<(Patch | KreviewError)[]> {
  const out: (Patch | KreviewError)[] = [];
  for await (const x of readInputs(paths)) out.push(x);
  return out;
}
const describeAll = (xs: (Patch | KreviewError)[]): string[] => xs.map((x) => (x instanceof KreviewError ? `error ${x.message}` : `${x.source} ${x.subject}`));

const msg = (id: string, subject: string, body = 'body'): string => `From: a <a@x>\nSubject: ${subject}\nMessage-ID: <${id}>\n\n${body}\n`;

describe('readMessages (mbox)', () => {
  it('splits at From lines only after a blank line and unescapes >From', async () => {
    const mbox = [
      'From mboxrd@z Thu Jan  1 00:00:00 1970', msg('1@x', 'one', 'From here on, text.\n>From quoted\n>>From deeper'),
      'From mboxrd@z Thu Jan  1 00:00:00 1970', msg('2@x', 'two'),
    ].join('\n');
    const got = [];
    for await (const m of readMessages(Readable.from([Buffer.from(mbox)]), 'x.mbox')) got.push(m);
    expect(got.map((m) => m.source)).toEqual(['x.mbox#1', 'x.mbox#2']);
    expect(got[0].raw.toString()).toContain('From here on, text.\nFrom quoted\n>From deeper\n');
    expect(got.every((m) => m.warnings.length === 0)).toBe(true);
  });

  it('takes an mbox that starts with blank lines as an mbox, and a lone message as one message', async () => {
    const read = async (text: string): Promise<string[]> => {
      const out = [];
      for await (const m of readMessages(Readable.from([Buffer.from(text)]), 'f')) out.push(m.source);
      return out;
    };
    expect(await read(`\n\nFrom x Mon Jan  1 00:00:00 2024\n${msg('1@x', 'one')}\nFrom x Mon Jan  1 00:00:00 2024\n${msg('2@x', 'two')}`)).toEqual(['f#1', 'f#2']);
    expect(await read(msg('1@x', 'one', 'text\n\nFrom x Mon Jan  1 00:00:00 2024\nnot a separator here'))).toEqual(['f']);
  });

  it('reads across chunk boundaries byte by byte', async () => {
    const mbox = Buffer.from(readFileSync(fixture('v2-series.mbox')));
    const chunks = [...mbox].map((b) => Buffer.from([b]));
    const got = [];
    for await (const m of readMessages(Readable.from(chunks), 's')) got.push(m.raw.toString());
    expect(got).toHaveLength(3);
    expect(got[1]).toContain('From now on it reserves first.');
  });

  it('warns about a truncated last message and keeps the others', async () => {
    const mbox = `From x Mon Jan  1 00:00:00 2024\n${msg('1@x', 'one')}\nFrom x Mon Jan  1 00:00:00 2024\nFrom: a <a@x>\nSubject: [PATCH] cut`;
    const got = [];
    for await (const m of readMessages(Readable.from([Buffer.from(mbox)]), 't.mbox')) got.push(m);
    expect(got.map((m) => m.warnings)).toEqual([[], ['truncated: the headers never end']]);
    const cut = `From x Mon Jan  1 00:00:00 2024\n${msg('1@x', 'one')}\nFrom x Mon Jan  1 00:00:00 2024\n${msg('2@x', 'two', 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n co')}`.trimEnd();
    const again = [];
    for await (const m of readMessages(Readable.from([Buffer.from(cut)]), 'c.mbox')) again.push(m.warnings);
    expect(again).toEqual([[], ['truncated: the input ends in the middle of a line']]);
    const single = [];
    for await (const m of readMessages(Readable.from([Buffer.from(msg('1@x', 'one').trimEnd())]), 'one.eml')) single.push(m.warnings);
    expect(single).toEqual([[]]);
  });
});

describe('readInputs', () => {
  it('reads an mbox, a single .patch, an .eml and a directory in sorted order', async () => {
    const dir = join(tmp, 'dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'b.eml'), msg('b@x', 'b'));
    writeFileSync(join(dir, 'a.eml'), msg('a@x', 'a'));
    writeFileSync(join(dir, 'sub', 'c.eml'), msg('c@x', 'c'));
    writeFileSync(join(dir, '.hidden'), msg('h@x', 'h'));
    const got = await collect([fixture('v2-series.mbox'), dir]);
    expect(describeAll(got)).toEqual([
      `${fixture('v2-series.mbox')}#1 [PATCH v2 0/2] btrfs: fix page lock ordering`,
      `${fixture('v2-series.mbox')}#2 [PATCH v2 1/2] btrfs: reserve before locking the page`,
      `${fixture('v2-series.mbox')}#3 [PATCH v2 2/2] btrfs: drop a stale comment`,
      `${join(dir, 'a.eml')} a`,
      `${join(dir, 'b.eml')} b`,
      `${join(dir, 'sub', 'c.eml')} c`,
    ]);
  });

  it('reads real git format-patch output, one file per patch and --stdout', async () => {
    const repo = new TestRepo(join(tmp, 'repo'));
    repo.commit('base', { files: { 'a.c': 'a\n' } });
    repo.commit('a: change\n\nWhy.\n\nSigned-off-by: T <t@x>\n', { files: { 'a.c': 'b\n' } });
    repo.commit('a: again\n\nFixes: 0123456789ab ("a: change")\nSigned-off-by: T <t@x>\n', { files: { 'a.c': 'c\n' } });
    repo.git('format-patch', '-q', '--cover-letter', '-v2', '-o', join(tmp, 'fp'), '--base=HEAD~2', 'HEAD~2');
    const mbox = join(tmp, 'all.mbox');
    writeFileSync(mbox, repo.formatPatch('HEAD~2'));
    const files = await collect([join(tmp, 'fp')]);
    expect(describeAll(files).map((s) => s.replace(join(tmp, 'fp') + '/', ''))).toEqual([
      'v2-0000-cover-letter.patch [PATCH v2 0/2] *** SUBJECT HERE ***',
      'v2-0001-a-change.patch [PATCH v2 1/2] a: change',
      'v2-0002-a-again.patch [PATCH v2 2/2] a: again',
    ]);
    const p2 = files[2] as Patch;
    expect(p2.trailers.map((t) => [t.key, t.line])).toEqual([['Fixes', 3], ['Signed-off-by', 4]]);
    // format-patch writes base-commit: into the cover letter when there is one.
    expect((files[0] as Patch).baseCommit).toBe(repo.git('rev-parse', 'HEAD~2'));
    expect(p2.files[0].hunks[0].lines.map((l) => l.kind)).toEqual(['del', 'add']);
    const stream = await collect([mbox]);
    expect(describeAll(stream).map((s) => s.replace(mbox, 'm'))).toEqual(['m#1 [PATCH 1/2] a: change', 'm#2 [PATCH 2/2] a: again']);
  });

  it('reads a truncated mbox: the cut patch carries warnings, the others are whole', async () => {
    const full = readFileSync(fixture('v2-series.mbox'), 'utf8');
    const path = join(tmp, 'cut.mbox');
    writeFileSync(path, full.slice(0, full.indexOf('-/* stale */') + 5));
    const got = (await collect([path])) as Patch[];
    expect(got[2].source).toBe(`${path}#3`);
    expect(got.map((p) => p.warnings)).toEqual([
      [],
      [],
      ['truncated: the input ends in the middle of a line', `fs/btrfs/inode.c: hunk @@ -20,1 +20,1 @@ is short by 0 old and 1 new line(s) (the diff ends first); kept the 1 line(s) before`],
    ]);
  });

  it('keeps an --interdiff and --range-diff of a single patch in the notes, out of the diff', async () => {
    const repo = new TestRepo(join(tmp, 'idf'));
    repo.commit('base', { files: { f: 'a\n' } });
    repo.git('checkout', '-q', '-b', 'v1');
    repo.commit('f: change', { files: { f: 'b\n' } });
    repo.git('checkout', '-q', '-b', 'v2', 'master');
    repo.commit('f: change', { files: { f: 'c\n' } });
    const path = join(tmp, 'idf.patch');
    writeFileSync(path, repo.formatPatch('master..v2', '-v2', '--interdiff=v1'));
    const [p] = (await collect([path])) as Patch[];
    expect(p.notes).toContain('Interdiff against v1:');
    expect(p.files.map((f) => f.hunks.flatMap((h) => h.lines.map((l) => `${l.kind} ${l.text}`)))).toEqual([['del a', 'add c']]);
  });

  it('yields one error per bad input and goes on', async () => {
    const empty = join(tmp, 'empty.eml');
    writeFileSync(empty, '');
    const junk = join(tmp, 'junk.patch');
    writeFileSync(junk, 'not a mail at all\n');
    const got = await collect([join(tmp, 'missing.mbox'), empty, junk, fixture('v2-series.mbox')]);
    expect(describeAll(got).slice(0, 3)).toEqual([
      `error cannot read ${join(tmp, 'missing.mbox')}: ENOENT`,
      `error ${empty}: no message in it (empty input)`,
      `error ${junk}: not a mail message (no From, Subject, Date or Message-ID header)`,
    ]);
    expect(got.slice(3).every((x) => !(x instanceof KreviewError))).toBe(true);
    expect(got).toHaveLength(6);
  });

  it('reads a message on stdin', () => {
    const script = `import { readInputs } from './src/sources/files.ts';
for await (const p of readInputs(['-'])) console.log(p instanceof Error ? 'error ' + p.message : p.source + ' ' + p.id);`;
    const r = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../..'), input: `From 123 Mon Sep 17 00:00:00 2001\n${msg('in@x', '[PATCH] stdin')}`, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('stdin in@x');
  });
});
