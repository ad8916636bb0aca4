// kernel-lock-bench's --dirs list: a stray comma (an empty entry) named the tree's top, so a subset
// run reviewed every C file of the tree (the whole kernel) and looked pathologically slow.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchFiles, parseDirs } from '../../bench/kernel-lock-dirs.js';

const tree = mkdtempSync(join(tmpdir(), 'kreview-bench-dirs-'));
const fn = (name: string): string => `static int ${name}(int x)\n{\n\treturn x + 1;\n}\n`;
for (const [p, text] of [
  ['top.c', fn('top')],
  ['fs/aio.c', fn('aio')],
  ['fs/ext4/inode.c', fn('ext4_inode')],
  ['fs/ext4/super.c', fn('ext4_super')],
  ['fs/nfs/dir.c', fn('nfs_dir')],
  ['mm/filemap.c', fn('filemap')],
] as const) {
  mkdirSync(join(tree, p, '..'), { recursive: true });
  writeFileSync(join(tree, p), text);
}
afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('kernel-lock-bench --dirs', () => {
  it('refuses an empty entry, wherever it is, and entries outside the tree', () => {
    for (const arg of ['fs/aio.c,,fs/ext4', 'fs/aio.c,', ',fs/ext4', '', 'fs/aio.c, ,fs/nfs']) expect(() => parseDirs(arg), arg).toThrow(/is empty .* whole tree/);
    for (const arg of ['.', '..', '../x', '/work/linux', 'fs/..']) expect(() => parseDirs(arg), arg).toThrow(/not a directory or file inside the tree/);
    expect(parseDirs('fs/aio.c,fs/ext4,fs/nfs')).toEqual(['fs/aio.c', 'fs/ext4', 'fs/nfs']);
  });

  it('lists the files of the entries in order, each once', () => {
    expect(benchFiles(tree, ['fs/aio.c', 'fs/ext4', 'fs/nfs'])).toEqual(['fs/aio.c', 'fs/ext4/inode.c', 'fs/ext4/super.c', 'fs/nfs/dir.c']);
    expect(benchFiles(tree, ['fs/ext4/super.c', 'fs'])).toEqual(['fs/ext4/super.c', 'fs/aio.c', 'fs/ext4/inode.c', 'fs/nfs/dir.c']);
  });

  it('the bench stops on a stray comma instead of reviewing the whole tree (it reviewed top.c and mm/ on the old code)', () => {
    const bench = join(import.meta.dirname, '../../bench/kernel-lock-bench.ts');
    const run = (dirs: string) => spawnSync(process.execPath, ['--import', 'tsx', bench, '--tree', tree, '--dirs', dirs], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
    const bad = run('fs/aio.c,,fs/nfs');
    expect(bad.stdout).not.toMatch(/files, \d+ functions/);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--dirs: entry 2 of 3 is empty/);
    const good = run('fs/aio.c,fs/nfs');
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^2 files, 2 functions/m);
  });
});
