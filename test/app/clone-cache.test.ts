// The bare clone per repository: names it will not use, the token kept out of every message,
// first contact and warm fetches from a real repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clonePath, ensureClone, mergeBase, scrub, type CloneRequest } from '../../src/app/clone-cache.js';
import { KreviewError } from '../../src/core/types.js';
import { TestRepo } from '../helpers/git-repo.js';

const TOKEN = 'ghs_SECRETtoken123';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kreview-clone-'));
  dirs.push(d);
  return d;
};

describe('clone names and URLs', () => {
  it('keeps one clone per owner/repo and refuses names GitHub would not give', () => {
    expect(clonePath('/c', 'acme', 'linux')).toBe('/c/github/acme/linux.git');
    for (const [o, r] of [['..', 'x'], ['a/b', 'c'], ['acme', '..'], ['acme', '.'], ['acme', 'li nux'], ['', 'x']]) {
      expect(() => clonePath('/c', o, r)).toThrow(KreviewError);
    }
    expect(clonePath('/c', 'acme', '.github')).toBe('/c/github/acme/.github.git');
  });

  it('scrubs the token from text', () => {
    expect(scrub(`fatal: unable to access 'https://x-access-token:${TOKEN}@github.com/': boom ${TOKEN}`, TOKEN)).toBe(
      "fatal: unable to access 'https://x-access-token:***@github.com/': boom ***",
    );
  });
});

describe('ensureClone', () => {
  const request = (url: string, repo: TestRepo, over: Partial<CloneRequest> = {}): CloneRequest => ({
    owner: 'acme',
    repo: 'linux',
    url,
    webUrl: 'https://github.com',
    token: TOKEN,
    prNumber: 3,
    baseRef: 'master',
    headSha: repo.git('rev-parse', 'pr'),
    baseSha: repo.git('rev-parse', 'master'),
    sizeKb: 10,
    ...over,
  });

  function upstream(): { repo: TestRepo; bare: string } {
    const repo = new TestRepo(join(tmp(), 'work'));
    repo.commit('base\n', { files: { 'a.c': 'int a;\n' } });
    repo.tag('v1.0');
    repo.git('checkout', '-q', '-b', 'pr');
    repo.commit('change\n', { files: { 'a.c': 'int a;\nint b;\n' } });
    repo.git('checkout', '-q', 'master');
    const bare = join(tmp(), 'up.git');
    execFileSync('git', ['clone', '-q', '--bare', repo.dir, bare]);
    execFileSync('git', ['-C', bare, 'update-ref', 'refs/pull/3/head', repo.git('rev-parse', 'pr')]);
    return { repo, bare };
  }

  it('creates the clone on first contact with the base branch, the PR head and the tags; later fetches reuse it', async () => {
    const { repo, bare } = upstream();
    const cache = tmp();
    const first = await ensureClone(request(bare, repo), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    expect(first.created).toBe(true);
    expect(execFileSync('git', ['-C', first.dir, 'for-each-ref', '--format=%(refname)'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual([
      'refs/heads/master',
      'refs/pull/3/head',
      'refs/tags/v1.0',
    ]);
    const again = await ensureClone(request(bare, repo), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    expect(again).toMatchObject({ dir: first.dir, created: false });
    expect(await mergeBase(first.dir, repo.git('rev-parse', 'master'), repo.git('rev-parse', 'pr'))).toBe(repo.git('rev-parse', 'master'));
  });

  it('keeps a commit-graph in the clone that covers what every fetch brought, and gives one to a clone that has none', async () => {
    const { repo, bare } = upstream();
    const cache = tmp();
    /** Is the commit in one of the clone's commit-graph layers (their OID lookup chunk holds the raw ids)? */
    const inGraph = (dir: string, oid: string) => {
      const graphs = join(dir, 'objects', 'info', 'commit-graphs');
      if (!existsSync(graphs)) return false;
      return readdirSync(graphs)
        .filter((f) => f.endsWith('.graph'))
        .some((f) => readFileSync(join(graphs, f)).includes(Buffer.from(oid, 'hex')));
    };
    const first = await ensureClone(request(bare, repo), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    // The first graph is written after first contact, under the clone's lock: the next call waits for it.
    await ensureClone(request(bare, repo), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    expect(inGraph(first.dir, repo.git('rev-parse', 'master'))).toBe(true);
    expect(inGraph(first.dir, repo.git('rev-parse', 'pr'))).toBe(true);

    repo.git('checkout', '-q', 'pr');
    const next = repo.commit('change again\n', { files: { 'a.c': 'int a;\nint c;\n' } });
    repo.git('checkout', '-q', 'master');
    execFileSync('git', ['-C', bare, 'fetch', '-q', repo.dir, 'pr:pr']);
    execFileSync('git', ['-C', bare, 'update-ref', 'refs/pull/3/head', next]);
    expect(inGraph(first.dir, next)).toBe(false);
    await ensureClone(request(bare, repo, { headSha: next }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    expect(inGraph(first.dir, next)).toBe(true);
    execFileSync('git', ['-C', first.dir, 'commit-graph', 'verify']);

    // A clone made before the graphs (or whose graph is gone) gets a whole one after its next fetch.
    rmSync(join(first.dir, 'objects', 'info', 'commit-graphs'), { recursive: true, force: true });
    repo.git('checkout', '-q', 'pr');
    const third = repo.commit('change once more\n', { files: { 'a.c': 'int a;\nint d;\n' } });
    repo.git('checkout', '-q', 'master');
    execFileSync('git', ['-C', bare, 'fetch', '-q', repo.dir, 'pr:pr']);
    execFileSync('git', ['-C', bare, 'update-ref', 'refs/pull/3/head', third]);
    await ensureClone(request(bare, repo, { headSha: third }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    await ensureClone(request(bare, repo, { headSha: third }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 });
    expect(inGraph(first.dir, third)).toBe(true);
    expect(inGraph(first.dir, repo.git('rev-parse', 'master'))).toBe(true);
  });

  it('refuses a repository above the size limit, a hostile base ref, and a head the fetch did not bring', async () => {
    const { repo, bare } = upstream();
    const cache = tmp();
    await expect(ensureClone(request(bare, repo, { sizeKb: 5000 }), { cacheDir: cache, maxSizeKb: 1024, fetchTimeoutMs: 60_000 })).rejects.toThrow(
      /acme\/linux is 5 MiB, above the clone limit of 1 MiB/,
    );
    await expect(ensureClone(request(bare, repo, { baseRef: '--upload-pack=touch /tmp/x' }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 })).rejects.toThrow(
      /looks like an option/,
    );
    for (const baseRef of ['master:refs/heads/evil', 'refs/*', 'a..b']) {
      await expect(ensureClone(request(bare, repo, { baseRef }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 })).rejects.toThrow(/is not a branch name; refused/);
    }
    await expect(ensureClone(request(bare, repo, { headSha: 'f'.repeat(40) }), { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 60_000 })).rejects.toThrow(
      /commit ffffffffffff is not in the fetched refs/,
    );
  });

  it('says why a fetch failed without the token', async () => {
    const { repo } = upstream();
    const err = await ensureClone(request('https://127.0.0.1:1/acme/linux.git', repo), { cacheDir: tmp(), maxSizeKb: 0, fetchTimeoutMs: 30_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(KreviewError);
    expect(err.message).toMatch(/^cannot fetch acme\/linux: /);
    expect(err.message).not.toContain(TOKEN);
  });
});
