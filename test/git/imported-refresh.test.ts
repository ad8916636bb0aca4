// A daemon refreshes its History before every series. Whether the history starts with an imported
// tree (a root commit bringing a whole release) is a fact of HEAD and the history's length: found
// once, not by listing the whole root tree again on each refresh (half a second of git per series on
// the Debian 6.1 tree). A new commit still makes it be looked at again. Real git, counted by a
// logging `git` first on PATH.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-imported-refresh-'));
const repo = new TestRepo();
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

describe('History.refresh on an imported tree', () => {
  it('lists the root tree once per HEAD, not on every refresh', async () => {
    for (let i = 0; i < 1000; i++) {
      const dir = join(repo.dir, 'drivers', 'misc', `part${Math.floor(i / 100)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `file${i}.c`), `int part${i};\n`);
    }
    repo.git('add', '-A');
    repo.commit('linux-source-6.1 (Debian package, unpacked)\n', { files: { 'net/frob.c': 'int frob(void) { return 1; }\n' } });
    const { bin, path } = gitWrapper((real, dir) => `printf '%s\\n' "$*" >> ${dir}/git.log\nexec ${real} "$@"`, tmp);
    const log = join(bin, 'git.log');
    const rootListings = () => readFileSync(log, 'utf8').split('\n').filter((l) => / ls-tree -r -z --name-only /.test(l)).length;

    await withPath(path, async () => {
      const history = await openHistory(repo.dir);
      try {
        expect(history.imported?.files).toBeGreaterThanOrEqual(1000);
        expect(rootListings()).toBe(1);
        await history.refresh();
        await history.refresh();
        expect(rootListings()).toBe(1);
        expect(history.imported?.files).toBeGreaterThanOrEqual(1000);
        // A new HEAD: looked at again (the history is still short, so the import still counts).
        repo.commit('net: fix the frob helper\n', { files: { 'net/frob.c': 'int frob(void) { return 2; }\n' } });
        await history.refresh();
        expect(rootListings()).toBe(2);
        expect(history.imported?.files).toBeGreaterThanOrEqual(1000);
      } finally {
        await history.close();
      }
    });
  });
});
