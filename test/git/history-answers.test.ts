// A History asks git about an id once between refreshes: a whole-history review resolves the same
// ids (the commits many tags name, their abbreviations) again and again (DPDK: 8,660 of 17,412
// questions were repeats). After a refresh it asks again, so what arrived in the repository is
// seen (an abbreviation a new commit made ambiguous). Real git, seen through a `git` first on PATH
// that logs what the batch-check process is asked.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const repo = new TestRepo();
const ids = [repo.commit('one\n', { files: { 'a.c': 'int a;\n' } }), repo.commit('two\n', { files: { 'a.c': 'int b;\n' } })];
const tmp = mkdtempSync(join(tmpdir(), 'kreview-answers-'));
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

describe('History batch-check answers', () => {
  it('asks git once per id between refreshes, and again after one', async () => {
    const { bin, path } = gitWrapper((real, dir) => `case "$*" in *cat-file*) tee -a '${dir}/asked.log' | '${real}' "$@"; exit;; esac\nexec '${real}' "$@"`, tmp);
    const log = join(bin, 'asked.log');
    const asked = (q: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.endsWith(` ${q}`) || l === q).length : 0);
    const short = ids[0].slice(0, 7);
    await withPath(path, async () => {
      const h = await openHistory(repo.dir, { cacheDir: join(tmp, 'cache') });
      try {
        const first = await h.resolve([short, ids[1], 'no-such']);
        const second = await h.resolve([short, ids[1], 'no-such']);
        expect(second).toEqual(first);
        expect(first.get(short)).toMatchObject({ status: 'found', oid: ids[0] });
        expect(first.get('no-such')).toMatchObject({ status: 'missing' });
        expect(await h.abbrev(ids[0], 12)).toBe(ids[0].slice(0, 12));
        expect(await h.abbrev(ids[0], 12)).toBe(ids[0].slice(0, 12));
        const three = repo.commit('three\n', { files: { 'a.c': 'int c;\n' } });
        await h.refresh();
        expect((await h.resolve([three, short])).get(three)).toMatchObject({ status: 'found', oid: three });
      } finally {
        await h.close();
      }
    });
    // Counted once git has read all (tee passes a query on before it logs it).
    await new Promise((r) => setTimeout(r, 200));
    expect([asked('no-such'), asked(ids[0].slice(0, 12))]).toEqual([1, 1]);
    // Once before the refresh, once after it.
    expect(asked(short)).toBe(2);
  });
});
