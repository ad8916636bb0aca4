// History on real repositories: resolve, ambiguity, subjects, ancestry, releases, the Fixes/revert/
// backport indexes, blame, and incremental index updates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { KreviewError } from '../../src/core/types.js';

/** Write a blob whose id shares its first `digits` hex digits with `oid`; returns the blob id. */
function collidingBlob(repo: TestRepo, oid: string, digits: number): string {
  for (let i = 0; ; i++) {
    const content = `filler ${i}\n`;
    const id = createHash('sha1').update(`blob ${content.length}\0${content}`).digest('hex');
    if (id.startsWith(oid.slice(0, digits))) {
      return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: content, encoding: 'utf8' }).trim();
    }
  }
}

const repo = new TestRepo();
let h: History;
const c: Record<string, string> = {};
let blob = '';

beforeAll(async () => {
  c.base = repo.commit('mm: add the allocator\n', { files: { 'mm/alloc.c': 'int a;\nint b;\nint c;\n' } });
  repo.tag('v1.0');
  c.bug = repo.commit('mm: introduce the bug\n', { files: { 'mm/alloc.c': 'int a;\nint bug;\nint c;\n' } });
  repo.git('tag', '-a', '-m', 'release v1.1', 'v1.1');
  c.fix1 = repo.commit(`mm: fix the bug\n\nFixes: ${c.bug.slice(0, 12)} ("mm: introduce the bug")\n`, {
    files: { 'mm/alloc.c': 'int a;\nint fixed;\nint c;\n' },
  });
  c.revert = repo.commit(`Revert "mm: fix the bug"\n\nThis reverts commit ${c.fix1}.\n`, {
    files: { 'mm/alloc.c': 'int a;\nint bug;\nint c;\n' },
  });
  c.feature = repo.commit('net: add a feature\n', { files: { 'net/core.c': 'void f(void) {}\n' } });
  repo.tag('v1.2');
  // A stable branch off v1.1 carrying backports of the fix: one with -x, one with the same patch.
  repo.git('checkout', '-q', '-b', 'stable', 'v1.1');
  repo.git('cherry-pick', '-x', c.fix1);
  c.pickX = repo.head();
  repo.git('checkout', '-q', '-b', 'other', 'v1.1');
  repo.git('cherry-pick', c.fix1);
  c.pickSame = repo.head();
  c.side = repo.commit(`net: side fix\n\nFixes: ${c.feature.slice(0, 12)} ("net: add a feature")\n`, { files: { 'net/x.c': 'x\n' } });
  repo.git('checkout', '-q', 'master');
  blob = collidingBlob(repo, c.feature, 5);
  h = await openHistory(repo.dir);
}, 120_000);

afterAll(async () => {
  await h?.close();
  repo.remove();
});

describe('resolve', () => {
  it('finds commits by full and abbreviated id, reports missing ones', async () => {
    const r = await h.resolve([c.bug, c.bug.slice(0, 12), c.bug.slice(0, 12).toUpperCase(), 'deadbeefdeadbeef']);
    expect(r.get(c.bug)).toMatchObject({ status: 'found', oid: c.bug, type: 'commit' });
    expect(r.get(c.bug.slice(0, 12))).toMatchObject({ status: 'found', oid: c.bug });
    expect(r.get(c.bug.slice(0, 12).toUpperCase())).toMatchObject({ status: 'found', oid: c.bug });
    expect(r.get('deadbeefdeadbeef')).toEqual({ query: 'deadbeefdeadbeef', status: 'missing' });
  });

  it('reports the type of non-commits', async () => {
    const tree = repo.git('rev-parse', `${c.base}^{tree}`);
    const r = await h.resolve([blob, tree.slice(0, 12)]);
    expect(r.get(blob)).toMatchObject({ status: 'found', type: 'blob' });
    expect(r.get(tree.slice(0, 12))).toMatchObject({ status: 'found', type: 'tree', oid: tree });
  });

  it('reports an ambiguous prefix with every candidate, commits first', async () => {
    const prefix = c.feature.slice(0, 5);
    const r = (await h.resolve([prefix])).get(prefix)!;
    expect(r.status).toBe('ambiguous');
    expect(r.candidates?.[0]).toEqual({ oid: c.feature, type: 'commit' });
    expect(r.candidates).toContainEqual({ oid: blob, type: 'blob' });
  });

  it('treats hostile ids as names that do not exist, without running them', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'kreview-hostile-')), 'x');
    const hostile = [`--output=${target}`, '$(reboot)', 'HEAD\n--all', '-p', ''];
    const r = await h.resolve(hostile);
    for (const q of hostile) expect(r.get(q)?.status).toBe('missing');
    expect(existsSync(target)).toBe(false);
    await expect(h.revParse(`--output=${target}`)).rejects.toThrow(KreviewError);
    await expect(h.revParse('HEAD\n--all')).rejects.toThrow(KreviewError);
    await expect(h.blame(`--output=${target}`, 'mm/alloc.c', [[1, 1]])).rejects.toThrow(KreviewError);
    expect(existsSync(target)).toBe(false);
  });
});

describe('commits and messages', () => {
  it('gives subjects, parents and authors in one call; unknown ids are absent', async () => {
    const m = await h.commits([c.bug, c.fix1, 'f'.repeat(40)]);
    expect(m.get(c.bug)).toMatchObject({ oid: c.bug, subject: 'mm: introduce the bug', parents: [c.base], author: { name: 'Test Author' } });
    expect(m.get(c.fix1)?.subject).toBe('mm: fix the bug');
    expect(m.has('f'.repeat(40))).toBe(false);
  });

  it('reads a full message and resolves revisions', async () => {
    expect(await h.message(c.fix1)).toContain(`Fixes: ${c.bug.slice(0, 12)}`);
    expect(await h.revParse('v1.1')).toBe(c.bug);
    expect(await h.revParse('stable')).toBe(c.pickX);
    expect(await h.revParse('no-such-branch')).toBeNull();
  });

  it('finds commits by exact subject across branches', async () => {
    expect((await h.bySubject('mm: fix the bug')).sort()).toEqual([c.fix1, c.pickX, c.pickSame].sort());
    expect(await h.bySubject('mm: fix')).toEqual([]);
  });
});

describe('ancestry and releases', () => {
  it('answers reachability from a base', async () => {
    expect(await h.isAncestor(c.bug, c.feature)).toBe(true);
    expect(await h.isAncestor(c.feature, c.feature)).toBe(true);
    expect(await h.isAncestor(c.feature, c.bug)).toBe(false);
    expect(await h.isAncestor(c.fix1, c.pickX)).toBe(false);
    expect(await h.isAncestor(c.bug.slice(0, 12), 'stable')).toBe(true);
    expect(await h.isAncestor('deadbeef', 'HEAD')).toBe(false);
  });

  it('names the oldest release containing a commit, before the base', async () => {
    expect(await h.firstRelease(c.base, c.feature, 'v*')).toBe('v1.0');
    expect(await h.firstRelease(c.bug, c.feature, 'v*')).toBe('v1.1');
    expect(await h.firstRelease(c.fix1, c.feature, 'v*')).toBe('v1.2');
    // v1.2 is not an ancestor of the revert's parent, so nothing has released fix1 there yet.
    expect(await h.firstRelease(c.fix1, c.revert, 'v*')).toBeNull();
    expect(await h.firstRelease(c.bug, c.feature, 'release-*')).toBeNull();
  });

  it('grows an abbreviation past a shared prefix', async () => {
    expect(await h.abbrev(c.bug)).toBe(c.bug.slice(0, 12));
    const a = await h.abbrev(c.feature, 4);
    expect(a.length).toBeGreaterThan(5);
    expect(c.feature.startsWith(a)).toBe(true);
    expect(await h.abbrev(c.bug, 4)).toHaveLength(4);
  });
});

describe('fixes, reverts and backports', () => {
  it('lists the commits that say they fix a target, within the base', async () => {
    expect((await h.fixersOf(c.bug, 'master')).map((x) => x.oid)).toEqual([c.fix1]);
    expect((await h.fixersOf(c.bug, c.bug)).map((x) => x.oid)).toEqual([]);
    expect((await h.fixersOf(c.feature, 'master')).map((x) => x.oid)).toEqual([]);
    // The index does not judge ancestry of the target: a fixer on a side branch is still listed.
    expect((await h.fixersOf(c.feature, 'other')).map((x) => x.oid)).toEqual([c.side]);
    expect((await h.fixersOf(c.bug, 'stable')).map((x) => x.oid)).toEqual([c.pickX]);
  });

  it('finds reverts of a commit, and what a revert reverts', async () => {
    expect((await h.revertsOf(c.fix1, 'master')).map((x) => x.oid)).toEqual([c.revert]);
    expect(await h.revertsOf(c.fix1, c.fix1)).toEqual([]);
    expect(await h.revertedBy(c.revert)).toBe(c.fix1);
    expect(await h.revertedBy(c.fix1)).toBeNull();
  });

  it('finds backports by cherry-pick line and by identical patch', async () => {
    expect((await h.backportsOf(c.fix1, 'stable')).map((x) => x.oid)).toEqual([c.pickX]);
    expect((await h.backportsOf(c.fix1, 'other')).map((x) => x.oid)).toEqual([c.pickSame]);
    expect(await h.backportsOf(c.fix1, 'master')).toEqual([]);
  });
});

describe('blame and files', () => {
  it('names the commits that last touched lines, all ranges in one call', async () => {
    expect(await h.blame(c.feature, 'mm/alloc.c', [[2, 2]])).toEqual([c.revert]);
    expect((await h.blame(c.feature, 'mm/alloc.c', [[1, 1], [3, 3]])).sort()).toEqual([c.base]);
    expect(await h.blame(c.feature, 'mm/alloc.c', [[3, 99]])).toEqual([c.base]);
    expect(await h.blame(c.feature, 'mm/alloc.c', [[50, 60]])).toEqual([]);
  });

  it('reads blobs and files and lists a directory', async () => {
    expect(await h.readFile(c.bug, 'mm/alloc.c')).toBe('int a;\nint bug;\nint c;\n');
    expect(await h.readFile(c.bug, 'mm/none.c')).toBeNull();
    const id = repo.git('rev-parse', `${c.base}:mm/alloc.c`);
    expect((await h.readBlob(id.slice(0, 10)))?.toString()).toBe('int a;\nint b;\nint c;\n');
    expect(await h.readBlob(c.bug)).toBeNull();
    expect(await h.listFiles(c.feature, '')).toEqual(['mm/alloc.c', 'net/core.c']);
    expect(await h.listFiles(c.feature, 'net/')).toEqual(['net/core.c']);
    expect(await h.listFiles(c.feature, 'fs')).toEqual([]);
  });
});

describe('the index', () => {
  it('is extended with only the new commits when the repository grows, and survives a purged ref', async () => {
    const r = new TestRepo();
    try {
      r.commit('one\n', { files: { a: '1\n' } });
      r.git('checkout', '-q', '-b', 'doomed');
      const doomed = r.commit('doomed work\n', { files: { d: '1\n' } });
      r.git('checkout', '-q', 'master');
      const msgs: string[] = [];
      const first = await openHistory(r.dir, { progress: (m) => msgs.push(m) });
      expect(msgs.at(-1)).toMatch(/: 2 commits$/);
      expect(await first.bySubject('doomed work')).toEqual([doomed]);
      await first.close();

      r.commit('two\n', { files: { a: '2\n' } });
      const three = r.commit('three\n', { files: { a: '3\n' } });
      r.git('branch', '-D', 'doomed');
      r.git('reflog', 'expire', '--expire=now', '--all');
      r.git('gc', '-q', '--prune=now');
      msgs.length = 0;
      const second = await openHistory(r.dir, { progress: (m) => msgs.push(m) });
      expect(msgs.at(-1)).toMatch(/: 2 commits$/);
      expect(await second.bySubject('three')).toEqual([three]);
      expect(await second.bySubject('doomed work')).toEqual([]);

      // A rewritten ref: its new commits are indexed on the next open.
      r.git('commit', '-q', '--amend', '-m', 'three, amended');
      await second.close();
      const third = await openHistory(r.dir);
      const amended = r.head();
      expect(await third.bySubject('three, amended')).toEqual([amended]);
      expect(await third.isAncestor(three, amended)).toBe(false);
      await third.close();
    } finally {
      r.remove();
    }
  });

  it('indexes a commit that no ref reaches when it is asked about', async () => {
    const r = new TestRepo();
    try {
      const one = r.commit('one\n', { files: { a: '1\n' } });
      const hist = await openHistory(r.dir);
      const tree = r.git('rev-parse', `${one}^{tree}`);
      const loose = r.git('commit-tree', tree, '-p', one, '-m', `dangling fix\n\nFixes: ${one.slice(0, 12)} ("one")`);
      expect(await hist.isAncestor(one, loose)).toBe(true);
      expect((await hist.fixersOf(one, loose)).map((x) => x.oid)).toEqual([loose]);
      expect((await hist.commits([loose])).get(loose)?.subject).toBe('dangling fix');
      await hist.close();
    } finally {
      r.remove();
    }
  });

  it('indexes new bases once when many questions about them come at the same time', async () => {
    const r = new TestRepo();
    try {
      const one = r.commit('one\n', { files: { a: '1\n' } });
      const hist = await openHistory(r.dir);
      const tree = r.git('rev-parse', `${one}^{tree}`);
      const loose = r.git('commit-tree', tree, '-p', one, '-m', 'loose');
      const answers = await Promise.all(Array.from({ length: 20 }, () => hist.isAncestor(one, loose)));
      expect(answers.every(Boolean)).toBe(true);
      await hist.close();
    } finally {
      r.remove();
    }
  });

  it('opens an empty repository and answers without commits', async () => {
    const r = new TestRepo();
    try {
      const hist = await openHistory(r.dir);
      expect(await hist.revParse('HEAD')).toBeNull();
      expect(await hist.bySubject('x')).toEqual([]);
      expect(await hist.isAncestor('HEAD', 'HEAD')).toBe(false);
      await hist.close();
    } finally {
      r.remove();
    }
  });

  it('refuses a directory that is not a repository with one line', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'kreview-plain-'));
    await expect(openHistory(plain)).rejects.toThrow(new KreviewError(`${plain} is not a git repository`));
  });
});
