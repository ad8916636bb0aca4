// A repository whose .git/config and .gitattributes name programs for every hook git offers:
// indexing its history, blaming, diffing with rename detection and asking for missing objects
// must run none of them. Each program only creates a marker file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { DiffTree } from '../../src/git/diff-tree.js';
import { CatFile } from '../../src/git/cat-file.js';
import { gitArgv, runGit } from '../../src/git/run-git.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-hostile-'));
const markers = join(tmp, 'markers');
mkdirSync(markers);

/** A program that leaves `markers/<name>` behind and passes its input through (a working filter or textconv). */
function program(name: string): string {
  const path = join(tmp, `${name}.sh`);
  // textconv names its input file; filters read stdin.
  writeFileSync(path, `#!/bin/sh\ntouch '${markers}/${name}'\nif [ $# -eq 1 ]; then cat "$1"; else cat; fi\n`);
  chmodSync(path, 0o755);
  return path;
}

const repo = new TestRepo(join(tmp, 'repo'));
const first = repo.commit('one\n', { files: { '.gitattributes': '* diff=evil filter=evil\n', 'x.c': 'int a;\nint b;\n' } });
const second = repo.commit('two\n', { files: { 'x.c': 'int a;\nint c;\nint b;\n' } });
// A pure rename, so diff-tree -M has a pair to compare.
const renamed = (() => {
  repo.git('mv', 'x.c', 'y.c');
  return repo.commit('rename\n');
})();
// A commit with a (fake) signature, made in beforeAll: log.showSignature hands it to gpg.program.
let signedCommit = '';
const hooks = join(tmp, 'hooks');
let history: History | null = null;

beforeAll(() => {
  const tree = repo.git('rev-parse', `${renamed}^{tree}`);
  const body = `tree ${tree}\nparent ${renamed}\nauthor A <a@example.org> 1600000000 +0000\ncommitter A <a@example.org> 1600000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\nsigned\n`;
  const path = join(tmp, 'signed-commit');
  writeFileSync(path, body);
  signedCommit = repo.git('hash-object', '-t', 'commit', '-w', path);
  repo.git('update-ref', 'refs/heads/master', signedCommit);
  mkdirSync(hooks);
  for (const h of ['reference-transaction', 'post-index-change', 'pre-auto-gc']) {
    writeFileSync(join(hooks, h), `#!/bin/sh\ntouch '${markers}/hook-${h}'\n`);
    chmodSync(join(hooks, h), 0o755);
  }
  const config: [string, string][] = [
    ['log.showSignature', 'true'],
    ['gpg.program', program('gpg')],
    ['diff.evil.textconv', program('textconv')],
    ['diff.evil.command', program('diff-command')],
    ['diff.external', program('diff-external')],
    ['filter.evil.smudge', program('smudge')],
    ['filter.evil.clean', program('clean')],
    ['core.fsmonitor', program('fsmonitor')],
    ['core.hooksPath', hooks],
    ['core.pager', program('pager')],
    // Not a program, but blame dies on it (or hangs on a FIFO).
    ['blame.ignoreRevsFile', join(tmp, 'no-such-file')],
    // A partial clone: a missing object starts a fetch with the remote's upload-pack command.
    ['core.repositoryformatversion', '1'],
    ['extensions.partialClone', 'origin'],
    ['remote.origin.url', join(tmp, 'elsewhere')],
    ['remote.origin.promisor', 'true'],
    ['remote.origin.uploadpack', `${program('uploadpack')} >/dev/null; git-upload-pack`],
  ];
  for (const [k, v] of config) repo.git('config', k, v);
  // The programs above ran while the test set the repository up; only what kreview runs counts.
  clearMarkers();
});

afterAll(async () => {
  await history?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function clearMarkers(): void {
  for (const f of readdirSync(markers)) rmSync(join(markers, f));
}

function ran(): string[] {
  return readdirSync(markers).sort();
}

describe('a repository whose config names programs', () => {
  beforeEach(clearMarkers);

  it('the hostile repository really would run them under plain git (the test is armed)', () => {
    repo.git('log', '-1', '--format=%H', signedCommit);
    repo.git('blame', '--no-ignore-revs-file', '--porcelain', '-L', '1,1', renamed, '--', 'y.c');
    repo.git('diff-tree', '-p', '-M', second, renamed);
    expect(ran()).toEqual(expect.arrayContaining(['gpg', 'textconv', 'smudge', 'fsmonitor']));
  });

  it('indexing the history (log with signatures on) runs no gpg.program', async () => {
    history = await openHistory(repo.dir, { cacheDir: join(tmp, 'cache') });
    expect((await history.commits([signedCommit])).get(signedCommit)?.subject).toBe('signed');
    expect(ran()).toEqual([]);
  });

  it('blame (the fixes/missing suggestion) runs no textconv and no smudge filter', async () => {
    history ??= await openHistory(repo.dir, { cacheDir: join(tmp, 'cache') });
    const blamed = await history.blame(renamed, 'y.c', [[1, 3]]);
    expect(blamed).toEqual(expect.arrayContaining([first, second]));
    expect(ran()).toEqual([]);
  });

  it('diff-tree -M (long-lived and one-shot) runs no fsmonitor, textconv or diff driver', async () => {
    const dt = new DiffTree(repo.dir);
    const diff = await dt.diff(renamed, second);
    await dt.close();
    expect(diff).toContain('rename from x.c');
    const once = await runGit(repo.dir, ['diff-tree', '-p', '-M', second, renamed]);
    expect(once.stdout).toContain('rename to y.c');
    const porcelain = await runGit(repo.dir, ['diff', first, second, '--', 'x.c']);
    expect(porcelain.stdout).toContain('+int c;');
    expect(ran()).toEqual([]);
  });

  it('a missing object in a partial clone starts no fetch (no remote upload-pack command)', async () => {
    const cf = new CatFile(repo.dir, 'batch-check');
    expect(await cf.request('1234567890123456789012345678901234567890')).toMatchObject({ status: 'missing' });
    await cf.close();
    expect(ran()).toEqual([]);
  });

  it('a ref update runs no hook from core.hooksPath', async () => {
    expect((await runGit(repo.dir, ['update-ref', 'refs/heads/probe', second])).code).toBe(0);
    expect(ran()).toEqual([]);
  });

  it('every call carries the pinned config before the subcommand, and diff commands refuse textconv', () => {
    const argv = gitArgv('/r', ['blame', '--porcelain']);
    expect(argv.slice(0, 3)).toEqual(['--no-pager', '-c', 'core.fsmonitor=false']);
    expect(argv.slice(argv.indexOf('-C'))).toEqual(['-C', '/r', 'blame', '--no-textconv', '--no-ignore-revs-file', '--porcelain']);
    expect(gitArgv('/r', ['fetch'], { remote: true })).toContain('protocol.https.allow=always');
    expect(gitArgv('/r', ['cat-file'])).not.toContain('protocol.https.allow=always');
  });

  it('a global config the environment names is not read unless it is KREVIEW_GIT_CONFIG', async () => {
    const global = join(tmp, 'global-gitconfig');
    writeFileSync(global, `[alias]\n\tkreviewprobe = rev-parse\n[core]\n\tfsmonitor = ${program('global-fsmonitor')}\n`);
    const saved = { g: process.env.GIT_CONFIG_GLOBAL, k: process.env.KREVIEW_GIT_CONFIG };
    try {
      process.env.GIT_CONFIG_GLOBAL = global;
      delete process.env.KREVIEW_GIT_CONFIG;
      expect((await runGit(repo.dir, ['kreviewprobe', 'HEAD'])).code).not.toBe(0);
      process.env.KREVIEW_GIT_CONFIG = global;
      expect((await runGit(repo.dir, ['kreviewprobe', 'HEAD'])).code).toBe(0);
      await runGit(repo.dir, ['diff-tree', '-p', second, renamed]);
    } finally {
      process.env.GIT_CONFIG_GLOBAL = saved.g;
      if (saved.k === undefined) delete process.env.KREVIEW_GIT_CONFIG;
      else process.env.KREVIEW_GIT_CONFIG = saved.k;
    }
    // Even the operator's own file cannot switch an fsmonitor on.
    expect(ran()).toEqual([]);
  });
});

describe('a repository owned by another user', () => {
  it("is refused by git's own check, with a one-line error that says where safe.directory goes; KREVIEW_GIT_CONFIG can allow it", async () => {
    const { execFileSync } = await import('node:child_process');
    const { assertGitRepo } = await import('../../src/git/run-git.js');
    if (process.getuid?.() !== 0) throw new Error('this test changes ownership and must run as root (it does in CI and here)');
    const other = new TestRepo();
    other.commit('one\n', { files: { 'a.c': 'int a;\n' } });
    execFileSync('chown', ['-R', 'nobody', other.dir]);
    const cfg = join(mkdtempSync(join(tmpdir(), 'kreview-safe-')), 'gitconfig');
    const saved = process.env.KREVIEW_GIT_CONFIG;
    try {
      delete process.env.KREVIEW_GIT_CONFIG;
      await expect(assertGitRepo(other.dir)).rejects.toThrow(/^git refuses .* owned by another user; .*KREVIEW_GIT_CONFIG$/);
      writeFileSync(cfg, `[safe]\n\tdirectory = ${other.dir}\n`);
      process.env.KREVIEW_GIT_CONFIG = cfg;
      await expect(assertGitRepo(other.dir)).resolves.toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.KREVIEW_GIT_CONFIG;
      else process.env.KREVIEW_GIT_CONFIG = saved;
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
