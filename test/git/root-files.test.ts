// A history-less tree (an unpacked release committed once) is recognised by its root commit's file
// count; the count is kept on disk by root id (src/git/root-files.ts), so a History opened again on
// the tree lists the whole tree no more. Real git, seen through a `git` first on PATH that logs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { HistoryImport } from '../../src/git/history-types.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-rootfiles-'));
const repo = new TestRepo();
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** Open a History on the repository with `cacheDir` and a logging git: what it found imported, and the gits it ran. */
async function open(cacheDir: string): Promise<{ imported: HistoryImport | null | undefined; gits: string[] }> {
  const { bin, path } = gitWrapper((real, dir) => `echo "$*" >> '${dir}/args.log'\nexec '${real}' "$@"`, tmp);
  writeFileSync(join(bin, 'args.log'), '');
  const imported = await withPath(path, async () => {
    const h = await openHistory(repo.dir, { cacheDir });
    await h.close();
    return h.imported;
  });
  return { imported, gits: readFileSync(join(bin, 'args.log'), 'utf8').split('\n').filter(Boolean) };
}

describe("an imported tree's root commit counted once", () => {
  it('a second History on the tree runs no ls-tree and finds the same import', async () => {
    for (let i = 0; i < 1200; i++) {
      const dir = join(repo.dir, 'drivers', `part${Math.floor(i / 100)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${i}.c`), `int f${i};\n`);
    }
    repo.git('add', '-A');
    repo.commit('linux-source-6.1 (Debian package, unpacked)\n', { files: {} });
    const cacheDir = join(tmp, 'cache');
    const first = await open(cacheDir);
    expect(first.imported).toMatchObject({ files: 1200, subject: 'linux-source-6.1 (Debian package, unpacked)' });
    expect(first.gits.filter((g) => / ls-tree /.test(g))).toHaveLength(1);
    const second = await open(cacheDir);
    expect(second.imported).toEqual(first.imported);
    expect(second.gits.filter((g) => / ls-tree /.test(g))).toEqual([]);
    // Another cache directory counts again, and agrees.
    const other = await open(join(tmp, 'other-cache'));
    expect(other.imported).toEqual(first.imported);
    expect(other.gits.filter((g) => / ls-tree /.test(g))).toHaveLength(1);
  });
});
