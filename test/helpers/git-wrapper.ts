// Seeing which git processes the code under test starts, and with what: a `git` first on PATH that
// is a shell script (usually one that logs, then runs the real git).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real git, as the shell finds it on PATH. */
export const realGit = (): string => execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * A new directory under `parent` (default: the system's temporary directory) holding an executable
 * `git` whose body is `script(realGit, thatDirectory)` after `#!/bin/sh` (logs usually go into that
 * directory). `path` is PATH with that directory first.
 */
export function gitWrapper(script: (real: string, bin: string) => string, parent = tmpdir()): { bin: string; path: string } {
  const bin = mkdtempSync(join(parent, 'kreview-git-wrapper-'));
  writeFileSync(join(bin, 'git'), `#!/bin/sh\n${script(realGit(), bin)}\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { bin, path: `${bin}:${process.env.PATH}` };
}

/** Runs `fn` with PATH set to `path` in this process, and puts PATH back after. */
export async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const old = process.env.PATH;
  process.env.PATH = path;
  try {
    return await fn();
  } finally {
    process.env.PATH = old;
  }
}
