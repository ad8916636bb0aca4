// Directory listings of base trees (History.listFileIds), as the lock check asks for them at every
// commit of a range: two directories with the same content are one tree object in git, and each is
// listed under its own path; a subtree no commit changed is not read from git again when a
// directory above it is listed anew.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { CatFile } from '../../src/git/cat-file.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
const c: Record<string, string> = {};

beforeAll(() => {
  repo = new TestRepo();
  const same = { 'x.c': 'int x;\n', 'sub/y.h': 'int y;\n' };
  const files: Record<string, string> = { 'top.c': 'int t;\n' };
  for (const [p, t] of Object.entries(same)) files[`a/${p}`] = files[`b/${p}`] = t;
  for (let i = 0; i < 6; i++) files[`lib/deep/d${i}/f.h`] = `int f${i};\n`;
  files['lib/one.c'] = 'int one;\n';
  c.first = repo.commit('first\n', { files });
  c.second = repo.commit('second\n', { files: { 'lib/one.c': 'int one = 1;\n' } });
  c.third = repo.commit('third\n', { files: { 'top.c': 'int t = 3;\n' } });
});
afterAll(() => repo.remove());

/** The queries the History's content reader sends to git, counted. */
function batchQueries(h: History): string[] {
  const batch = (h as unknown as { batch: CatFile }).batch;
  const asked: string[] = [];
  const real = batch.request.bind(batch);
  batch.request = (q: string) => (asked.push(q), real(q));
  return asked;
}

describe('tree listings', { timeout: 60_000 }, () => {
  it('name each of two identical directories by its own path', async () => {
    // a/ and b/ hold the same files: git stores them as one tree object.
    expect(repo.git('rev-parse', `${c.first}:a`)).toBe(repo.git('rev-parse', `${c.first}:b`));
    const h = await openHistory(repo.dir);
    try {
      const a = await h.listFileIds(c.first, 'a');
      const b = await h.listFileIds(c.first, 'b');
      expect([...a.keys()]).toEqual(['a/sub/y.h', 'a/x.c']);
      expect([...b.keys()]).toEqual(['b/sub/y.h', 'b/x.c']);
      expect([...b.values()]).toEqual([...a.values()]);
      // Asked again in the other order, from what is kept.
      expect([...(await h.listFileIds(c.first, 'a')).keys()]).toEqual(['a/sub/y.h', 'a/x.c']);
    } finally {
      await h.close();
    }
  });

  it("read only the trees a commit changed when a directory is listed at the next commit's tree", async () => {
    const h = await openHistory(repo.dir);
    try {
      const asked = batchQueries(h);
      const full = async (rev: string) => [...(await h.listFileIds(rev, ''))];
      const first = await full(c.first);
      // Every tree of the first commit: the root, a, a/sub, b (the same tree as a), lib, lib/deep and its six.
      const treesAtFirst = new Set(asked).size;
      asked.length = 0;
      const second = await full(c.second);
      // lib/one.c changed: the root and lib are new trees, lib/deep and below are not.
      expect(asked.sort()).toEqual([repo.git('rev-parse', `${c.second}^{tree}`), repo.git('rev-parse', `${c.second}:lib`)].sort());
      asked.length = 0;
      const third = await full(c.third);
      expect(asked).toEqual([repo.git('rev-parse', `${c.third}^{tree}`)]);
      expect(treesAtFirst).toBeGreaterThan(8);
      // The listings are git's own.
      for (const [rev, listing] of [[c.first, first], [c.second, second], [c.third, third]] as const) {
        const git = repo.git('ls-tree', '-r', rev).split('\n').map((l) => { const [meta, path] = l.split('\t'); return [path, meta.split(' ')[2]]; });
        expect(listing).toEqual(git.sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));
      }
      // A directory below the root, listed at a later commit whose root listing already read its trees: nothing asked.
      asked.length = 0;
      expect([...(await h.listFileIds(c.third, 'lib/deep')).keys()]).toEqual(Array.from({ length: 6 }, (_, i) => `lib/deep/d${i}/f.h`));
      expect(asked).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe("a commit's workspace", { timeout: 60_000 }, () => {
  it('answers a blob id question from a listing above the path that lacks it, and asks git the rest', async () => {
    const { readRange } = await import('../../src/sources/git-range.js');
    const { createWorkspace } = await import('../../src/git/workspace.js');
    const patches = [];
    for await (const p of readRange(repo.dir, [`${c.second}^!`])) patches.push(p);
    const h = await openHistory(repo.dir);
    try {
      const asked: string[] = [];
      const real = h.fileId.bind(h);
      h.fileId = (rev: string, path: string) => (asked.push(path), real(rev, path));
      const ws = await createWorkspace(patches[0], { repo: repo.dir, history: h });
      expect([...(await ws.baseFileIds!('lib')).keys()]).toContain('lib/one.c');
      const paths = ['lib/missing.h', 'lib/deep', 'lib/deep/d1', 'lib/deep/d1/none.h', 'lib/one.c', 'lib/deep/d2/f.h', 'lib/./one.c', 'lib//one.c', 'a/x.c', 'a/none.h'];
      const answers = [];
      for (const p of paths) answers.push(await ws.baseFileId!(p));
      // What git says of each, asked directly.
      const direct = [];
      for (const p of paths) direct.push(await real(c.first, p));
      expect(answers).toEqual(direct);
      expect(answers.slice(0, 4)).toEqual([null, null, null, null]);
      expect(answers[4]?.oid).toBe(repo.git('rev-parse', `${c.first}:lib/one.c`));
      // lib/ was listed: its blobs are asked for their size, what it lacks is not asked; a path not
      // written as listings write them, or outside any listing, is asked.
      expect(asked).toEqual(['lib/one.c', 'lib/deep/d2/f.h', 'lib/./one.c', 'lib//one.c', 'a/x.c', 'a/none.h']);
    } finally {
      await h.close();
    }
  });
});
