// Each git a review starts is a fork of the whole node process: a whole-history `kreview review`
// starts only the ones it needs. Counted by a `git` first on PATH that logs its subcommand and runs
// the real one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper } from '../helpers/git-wrapper.js';
import { runCli } from '../helpers/run-cli.js';

let dirs: string[] = [];

afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** The git subcommands (each with its first argument) a CLI run of `args` started, and its result. */
function gitsStarted(args: string[], cache: string): { gits: string[]; code: number; stderr: string } {
  // Logs the subcommand and its first argument (what follows `-C <dir>`).
  const { bin: d, path } = gitWrapper(
    (real, dir) => `log() { while [ $# -gt 0 ]; do if [ "$1" = -C ]; then echo "$3 $4" >> ${JSON.stringify(join(dir, 'gits.txt'))}; return; fi; shift; done; }\nlog "$@"\nexec ${JSON.stringify(real)} "$@"`,
  );
  dirs.push(d);
  const log = join(d, 'gits.txt');
  writeFileSync(log, '');
  const r = runCli(args, { env: { PATH: path, KREVIEW_CACHE: cache } });
  return { gits: readFileSync(log, 'utf8').split('\n').filter(Boolean), code: r.code, stderr: r.stderr };
}

describe('git processes of kreview review --repo', () => {
  it('a warm whole-history review asks no separate "is it a repository" question', () => {
    const repo = new TestRepo();
    const a = repo.commit('net: add a thing', { files: { 'a.c': 'int a;\n' } });
    repo.commit(`net: fix the thing\n\nFixes: ${a.slice(0, 12)} ("net: add a thing")\n`, { files: { 'a.c': 'int a = 1;\n' } });
    const cache = mkdtempSync(join(tmpdir(), 'kreview-gits-cache-'));
    dirs.push(cache);
    const args = ['review', '--repo', repo.dir, '--checks', 'fixes', '--format', 'json', '-o', join(cache, 'out.json'), 'HEAD'];
    gitsStarted(args, cache);
    const warm = gitsStarted(args, cache);
    expect(warm.stderr).toBe('');
    expect(warm.gits).not.toContain('rev-parse --git-dir');
    expect(warm.gits.filter((g) => g.startsWith('rev-parse '))).toEqual(['rev-parse --git-common-dir']);
    expect(warm.gits).toContain('rev-list --reverse');
  });

  it('a directory that is no repository is still named as such', () => {
    const d = mkdtempSync(join(tmpdir(), 'kreview-norepo-'));
    dirs.push(d);
    const r = gitsStarted(['review', '--repo', d, 'HEAD'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`kreview: --repo ${d}: not a git repository\n`);
  });
});
