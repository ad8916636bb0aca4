// Paths of commits' trees answered from tree objects kept by id (src/git/tree-paths.ts): the same
// answers as git's `<commit>:<path>`, and over a range whose commits change one file, each
// unchanged tree read once, not one round trip per path per commit (issue 13 item 4).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CatFile } from '../../src/git/cat-file.js';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';

const HEADERS = 20;
const COMMITS = 10;
let repo: TestRepo;
let commits: string[];

beforeAll(() => {
  repo = new TestRepo();
  const headers = Object.fromEntries(Array.from({ length: HEADERS }, (_, i) => [`include/linux/h${i}.h`, `static inline int h${i}(void) { return ${i}; }\n`]));
  const base = repo.commit('base\n', { files: { ...headers, 'mm/gad.c': 'int v0;\n', 'mm/sub/deep.c': 'int d;\n' } });
  // A symbolic link and a submodule entry, as git stores them (a blob of mode 120000, a gitlink).
  symlinkSync('include/linux/h1.h', join(repo.dir, 'link.h'));
  repo.git('add', 'link.h');
  repo.git('update-index', '--add', '--cacheinfo', `160000,${base},sub`);
  commits = [repo.commit('links\n')];
  for (let v = 1; v < COMMITS; v++) commits.push(repo.commit(`change ${v}\n`, { files: { 'mm/gad.c': `int v${v};\n` } }));
});
afterAll(() => repo.remove());

describe('History paths walked through kept trees', () => {
  it('answer as git does for files, directories, missing paths and paths through a file', async () => {
    const history = await openHistory(repo.dir, { cacheDir: mkdtempSync(join(tmpdir(), 'kreview-tree-paths-')) });
    try {
      const head = commits.at(-1)!;
      for (const path of ['mm/gad.c', 'mm/sub/deep.c', 'include/linux/h3.h', 'link.h', 'link.h/x', 'sub', 'sub/x.h', 'mm', 'mm/sub', 'nope.h', 'mm/gad.c/x', 'include/linux/none.h', 'mm/nope/x.c']) {
        const line = execGit(repo, ['cat-file', '--batch-check'], `${head}:${path}\n`).trimEnd();
        const [oid, type, size] = line.split(' ');
        const expected = type === 'blob' ? { oid, size: Number(size) } : null;
        expect(await history.fileId(head, path), path).toEqual(expected);
        const text = type === 'blob' ? execGit(repo, ['cat-file', 'blob', oid], '') : null;
        expect(await history.readFile(head, path), path).toBe(text);
      }
      expect([...(await history.listFileIds(head, 'mm')).keys()]).toEqual(['mm/gad.c', 'mm/sub/deep.c']);
      expect((await history.listFileIds(head, 'mm/gad.c')).size).toBe(0);
      expect((await history.listFileIds(head, '')).size).toBe(HEADERS + 3);
    } finally {
      await history.close();
    }
  });

  it("read each unchanged tree once over a range: a header's id costs no round trip at the next commit", async () => {
    const history = await openHistory(repo.dir, { cacheDir: mkdtempSync(join(tmpdir(), 'kreview-tree-paths-')) });
    const asked = vi.spyOn(CatFile.prototype, 'request');
    try {
      for (const c of commits.slice(1)) for (let i = 0; i < HEADERS; i++) expect(await history.fileId(c, `include/linux/h${i}.h`)).not.toBeNull();
      // One question per path per commit was 180; now each commit's root (2 each: its tree id and
      // its tree), the shared include/ trees once, and each header's size once.
      expect(asked.mock.calls.length).toBeLessThanOrEqual(2 * COMMITS + 2 + HEADERS);
    } finally {
      asked.mockRestore();
      await history.close();
    }
  });
});

function execGit(r: TestRepo, args: string[], input: string): string {
  return execFileSync('git', args, { cwd: r.dir, input, encoding: 'utf8' });
}
