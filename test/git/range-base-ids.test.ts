// The blob ids of a range's base files are shared between its commits (src/git/workspace.ts,
// RangeBaseIds): a header's id at a commit's parent is the one the commits before asked, unless one
// of them changed that path. Every answer must be git's own, whatever the commits did to the path
// (changed, renamed, deleted, made a directory, its mode changed, named with a space), and a range
// whose commits leave the headers alone asks git about each header once, not once per commit.
import { afterAll, describe, expect, it } from 'vitest';
import type { Patch } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

const h = (name: string, v: number): string => `static inline int ${name}(int x)\n{\n\treturn x + ${v};\n}\n`;
const c = (v: number): string => `#include "inc/a.h"\nint step(int x)\n{\n\treturn x * ${v};\n}\n`;

/** Every path asked at every commit: there, gone, never there, a directory, with a space. */
const PATHS = ['inc/a.h', 'inc/b.h', 'inc/c.h', 'inc/moved.h', 'inc/t.h', 'inc/t.h/inner.h', 'inc/my file.h', 'inc/never.h', 'inc', 'src/step.c'];
const repos: TestRepo[] = [];

/** The history both tests walk; `name` in its first commit keeps each test's commit ids (and what a thread keeps of them) its own. */
function build(name: string): { repo: TestRepo; start: string } {
  const repo = new TestRepo();
  repos.push(repo);
  const start = repo.commit(`base ${name}\n`, { files: { 'inc/a.h': h('a', 0), 'inc/b.h': h('b', 0), 'inc/c.h': h('c', 0), 'inc/t.h': h('t', 0), 'inc/my file.h': h('s', 0), 'src/step.c': c(0) } });
  repo.commit('step 1\n', { files: { 'src/step.c': c(1) } });
  repo.commit('a changes\n', { files: { 'inc/a.h': h('a', 1) } });
  repo.commit('step 2\n', { files: { 'src/step.c': c(2) } });
  repo.commit('b is renamed\n', { files: { 'inc/b.h': null, 'inc/moved.h': h('b', 0) } });
  repo.commit('step 3\n', { files: { 'src/step.c': c(3) } });
  repo.commit('c is deleted\n', { files: { 'inc/c.h': null } });
  repo.commit('t becomes a directory\n', { files: { 'inc/t.h': null, 'inc/t.h/inner.h': h('inner', 0) } });
  repo.git('update-index', '--chmod=+x', 'inc/a.h');
  repo.commit('a is executable\n');
  repo.commit('the file with a space changes\n', { files: { 'inc/my file.h': h('s', 1) } });
  repo.commit('c comes back\n', { files: { 'inc/c.h': h('c', 2) } });
  repo.commit('step 4\n', { files: { 'src/step.c': c(4) } });
  return { repo, start };
}
afterAll(() => repos.forEach((r) => r.remove()));

async function commits(repo: TestRepo, range: string): Promise<Patch[]> {
  const out: Patch[] = [];
  for await (const p of readRange(repo.dir, [range])) out.push(p);
  return out;
}

/** Counts the History's fileId questions. */
function counted(history: History): string[] {
  const asked: string[] = [];
  const real = history.fileId!.bind(history);
  history.fileId = (rev: string, path: string) => (asked.push(`${rev} ${path}`), real(rev, path));
  return asked;
}

describe("a range's base file ids", { timeout: 60_000 }, () => {
  it("are git's own at every commit, whatever the commits before did to the path", async () => {
    const { repo, start } = build('one');
    const patches = await commits(repo, `${start}..HEAD`);
    const history = await openHistory(repo.dir);
    const truth = await openHistory(repo.dir);
    try {
      for (const patch of patches) {
        const ws = await createWorkspace(patch, { repo: repo.dir, history });
        // As the lock check does: the diff first, then the headers' ids, some of them twice.
        await ws.files();
        for (const path of [...PATHS, ...PATHS]) expect([patch.subject, path, await ws.baseFileId!(path)]).toEqual([patch.subject, path, await truth.fileId(patch.parent!, path)]);
      }
    } finally {
      await history.close();
      await truth.close();
    }
  });

  it('are asked of git once per header over commits that leave the headers alone', async () => {
    const { repo, start } = build('two');
    const patches = await commits(repo, `${start}..HEAD`);
    const history = await openHistory(repo.dir);
    const asked = counted(history);
    try {
      for (const patch of patches) {
        const ws = await createWorkspace(patch, { repo: repo.dir, history });
        await ws.files();
        for (const path of ['inc/a.h', 'inc/b.h', 'inc/never.h']) await ws.baseFileId!(path);
      }
    } finally {
      await history.close();
    }
    // 11 commits, 3 headers: asked again only at the commit after one that changed the path (a.h
    // twice, b.h once), and at the commit after the file with a space changed (its path is not
    // looked through: all three again).
    expect(patches).toHaveLength(11);
    expect(asked.length).toBe(3 + 2 + 1 + 3);
  });
});
