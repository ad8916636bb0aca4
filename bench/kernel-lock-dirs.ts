// The files kernel-lock-bench.ts reviews, from its --dirs list (directories or files of the tree,
// comma-separated). An empty entry — two commas, or one at either end, as a list made with
// `ls | paste -sd,` and a comma more gives — used to name the tree's top (join(tree, '')), so the
// bench reviewed every C file of the kernel (32,005 in linux-source-6.1) instead of the subset:
// the "pathologically slow" fs/*.c,fs/ext4,fs/nfs run of the ninth session was that, not the lock
// check. Such an entry, and one that leaves the tree, is now refused with the reason.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';

/** The --dirs (or --baseline-dirs) list, each entry checked: throws on an empty entry or one outside the tree. */
export function parseDirs(arg: string): string[] {
  const dirs = arg.split(',');
  for (const [i, d] of dirs.entries()) {
    if (d.trim() === '') throw new Error(`--dirs: entry ${i + 1} of ${dirs.length} is empty (two commas, or one at an end): it would name the whole tree`);
    const n = normalize(d);
    if (isAbsolute(d) || n === '.' || n === '..' || n.startsWith('../')) throw new Error(`--dirs: '${d}' is not a directory or file inside the tree (give it relative to the tree, e.g. fs/ext4)`);
  }
  return dirs;
}

/** Every .c file under each entry (or the entry itself), sorted within it; a file named twice (fs/ext4 and fs/ext4/inode.c) is reviewed once, where first named. */
export function benchFiles(tree: string, dirs: string[]): string[] {
  const out = new Set<string>();
  for (const rel of dirs) {
    const abs = join(tree, rel);
    if (statSync(abs).isFile()) {
      out.add(rel);
      continue;
    }
    for (const p of (readdirSync(abs, { recursive: true }) as string[]).filter((p) => p.endsWith('.c')).map((p) => join(rel, p)).sort()) out.add(p);
  }
  return [...out];
}
