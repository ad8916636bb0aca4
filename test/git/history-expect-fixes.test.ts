// Before a range is reviewed, History.expectFixesOf() asks git at once about every id the range's
// Fixes: tags name (the history index knows them), so the reviews find the answers ready instead
// of waiting for a round trip each. The answers must be git's own, the same as asked one by one:
// a commit, an abbreviation two commits share, a blob, an id nothing has. Real git, seen through a
// `git` first on PATH that logs what cat-file is asked.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const repo = new TestRepo();
const tmp = mkdtempSync(join(tmpdir(), 'kreview-expect-fixes-'));
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});


describe('History.expectFixesOf', () => {
  it("asks git ahead about the ids a range's tags name, with the same answers as asking one by one", async () => {
    const a = repo.commit('lib: add the bug\n', { files: { 'lib/a.c': 'int bug;\n' } });
    const b = repo.commitWithPrefix(a.slice(0, 4), 'lib: unrelated');
    const blob = repo.git('rev-parse', 'HEAD:lib/a.c').trim();
    const ids = [a.slice(0, 12), a.slice(0, 4), blob.slice(0, 12), '0000000dead1'];
    const range = [
      repo.commit(`lib: fix it\n\nFixes: ${ids[0]} ("lib: add the bug")\n`, { files: { 'lib/a.c': 'int one;\n' } }),
      repo.commit(`lib: fix again\n\nFixes: ${ids[1]}\nFixes: ${ids[2]} ("a blob")\n`, { files: { 'lib/a.c': 'int two;\n' } }),
      repo.commit('lib: no tag\n', { files: { 'lib/a.c': 'int three;\n' } }),
      repo.commit(`lib: fix a ghost\n\nFixes: ${ids[3]} ("gone")\n`, { files: { 'lib/a.c': 'int four;\n' } }),
    ];
    const { bin, path } = gitWrapper((real, dir) => `case "$*" in *cat-file*) tee -a '${dir}/asked.log' | '${real}' "$@"; exit;; esac\nexec '${real}' "$@"`, tmp);
    const log = join(bin, 'asked.log');
    const asked = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []);
    const cache = join(tmp, 'cache');
    // What git says when each id is asked on its own, by a History that was told nothing ahead.
    const plain = await openHistory(repo.dir, { cacheDir: cache });
    const expected = await plain.resolve(ids);
    await plain.close();
    expect(expected.get(ids[0])).toMatchObject({ status: 'found', oid: a, type: 'commit' });
    expect(expected.get(ids[1])).toMatchObject({ status: 'ambiguous' });
    expect(expected.get(ids[1])?.candidates?.map((c) => c.oid).sort()).toEqual([a, b].sort());
    expect(expected.get(ids[2])).toMatchObject({ status: 'found', oid: blob, type: 'blob' });
    expect(expected.get(ids[3])).toMatchObject({ status: 'missing' });

    await withPath(path, async () => {
      const h = await openHistory(repo.dir, { cacheDir: cache });
      try {
        h.expectFixesOf!(range);
        // Every id asked, in one write (the queries arrive together), before any review asks.
        for (let i = 0; i < 100 && !ids.every((id) => asked().some((l) => l.endsWith(` ${id}`))); i++) await new Promise((r) => setTimeout(r, 50));
        const ahead = asked().filter((l) => ids.some((id) => l.endsWith(` ${id}`)));
        expect(ahead.length).toBe(ids.length);
        const before = asked().length;
        expect(await h.resolve(ids)).toEqual(expected);
        // The reviews' questions found their answers: git was not asked again (only the
        // ambiguous id's candidates, by full id, are asked of cat-file after it).
        await new Promise((r) => setTimeout(r, 200));
        expect(asked().slice(before).filter((l) => ids.some((id) => l.endsWith(` ${id}`)))).toEqual([]);
      } finally {
        await h.close();
      }
    });
  });
});
