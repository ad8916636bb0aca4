// How many files a root commit's tree holds, kept on disk: a commit names its tree, which never
// changes, and counting it is `git ls-tree -r` of the whole tree (Debian's linux-source-6.1:
// 70,000 names, 3 MB, a git and its parse at every `kreview review --repo` of a history-less tree).
import { readFileSync } from 'node:fs';
import { writeCacheFile } from '../core/cache-file.js';
import { join } from 'node:path';

const fileOf = (cacheDir: string, root: string): string => join(cacheDir, 'root-files', root.slice(0, 2), root);

/** The file count kept for the root commit `root` (a full id), or null when none is. */
export function keptRootFiles(cacheDir: string, root: string): number | null {
  try {
    const text = readFileSync(fileOf(cacheDir, root), 'utf8');
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Keep `files` for `root`; a cache that cannot be written only costs the next run a count. */
export function keepRootFiles(cacheDir: string, root: string, files: number): void {
  const file = fileOf(cacheDir, root);
  writeCacheFile(file, String(files));
}
