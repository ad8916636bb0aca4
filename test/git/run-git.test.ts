// runGit, assertSafeRev and the long-lived cat-file process, on real repositories.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { assertGitRepo, assertSafeRev, isGitRepo, runGit } from '../../src/git/run-git.js';
import { CatFile } from '../../src/git/cat-file.js';
import { KreviewError } from '../../src/core/types.js';

const repo = new TestRepo();
const first = repo.commit('first\n', { files: { 'a.c': 'int a;\n' } });
const second = repo.commit('second\n', { files: { 'a.c': 'int a;\nint b;\n' } });
afterAll(() => repo.remove());

describe('runGit', () => {
  it('returns stdout and a zero code', async () => {
    const r = await runGit(repo.dir, ['rev-parse', 'HEAD']);
    expect(r).toMatchObject({ code: 0, stdout: second + '\n' });
  });

  it('does not throw on a non-zero exit, and its messages are in English', async () => {
    const r = await runGit(repo.dir, ['rev-parse', '--verify', 'no-such-ref']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/fatal: Needed a single revision/);
  });

  it('feeds stdin', async () => {
    const r = await runGit(repo.dir, ['hash-object', '--stdin'], { input: 'int a;\n' });
    expect(r.stdout.trim()).toBe(repo.git('rev-parse', `${first}:a.c`));
  });

  // The time limit is tested in run-git-limits.test.ts with a git that sleeps first: a 1 ms limit on
  // a real `git log` failed whenever the machine spawned and ran git within that millisecond.

  it('stops output beyond maxBuffer', async () => {
    await expect(runGit(repo.dir, ['log', '-p'], { maxBuffer: 10 })).rejects.toThrow(/more than 10 bytes/);
  });

  it('knows a repository from a plain directory', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'kreview-plain-'));
    expect(await isGitRepo(repo.dir)).toBe(true);
    expect(await isGitRepo(plain)).toBe(false);
    expect(await isGitRepo(join(plain, 'nope'))).toBe(false);
    await expect(assertGitRepo(plain)).rejects.toThrow(`${plain} is not a git repository`);
  });
});

describe('assertSafeRev', () => {
  it.each(['--output=/tmp/x', '-p', 'HEAD\n--all', 'a\0b', 'x\ry', ''])('refuses %j', (rev) => {
    expect(() => assertSafeRev(rev)).toThrow(KreviewError);
  });
  it.each(['HEAD', 'v6.1..HEAD', 'origin/master~3', '$(reboot)', 'HEAD^{commit}', 'a b'])('lets %j through unchanged', (rev) => {
    expect(assertSafeRev(rev)).toBe(rev);
  });
  it('a refused rev never reaches git', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'kreview-out-')), 'x');
    expect(() => assertSafeRev(`--output=${target}`)).toThrow();
    expect(existsSync(target)).toBe(false);
  });
});

describe('CatFile', () => {
  it('pipelines many batch-check requests and parses found, missing and ambiguous', async () => {
    const cf = new CatFile(repo.dir, 'batch-check');
    const replies = await cf.requestAll([first, 'HEAD', '0000000000000000000000000000000000000000', 'HEAD:a.c', first.slice(0, 10)]);
    expect(replies[0]).toMatchObject({ status: 'found', oid: first, type: 'commit' });
    expect(replies[1]).toMatchObject({ status: 'found', oid: second, type: 'commit' });
    expect(replies[2]).toMatchObject({ status: 'missing' });
    expect(replies[3]).toMatchObject({ status: 'found', type: 'blob', size: 14 });
    expect(replies[4]).toMatchObject({ status: 'found', oid: first });
    await cf.close();
  });

  it('reads contents in batch mode, many at once', async () => {
    const cf = new CatFile(repo.dir, 'batch');
    const qs = Array.from({ length: 500 }, (_, i) => (i % 2 ? `${first}:a.c` : `${second}:a.c`));
    const replies = await cf.requestAll(qs);
    expect(replies.every((r) => r.status === 'found')).toBe(true);
    const texts = replies.map((r) => (r.status === 'found' ? r.content!.toString() : ''));
    expect(texts[0]).toBe('int a;\nint b;\n');
    expect(texts[1]).toBe('int a;\n');
    expect(texts[499]).toBe('int a;\n');
    await cf.close();
  });

  it('refuses a query with a line break instead of sending two', async () => {
    const cf = new CatFile(repo.dir, 'batch-check');
    await expect(cf.request('HEAD\n--all')).rejects.toThrow(/line break/);
    await cf.close();
  });

  it('restarts when git dies and answers what was owed', async () => {
    const cf = new CatFile(repo.dir, 'batch-check');
    await cf.request('HEAD');
    const child = (cf as unknown as { child: { kill: (s: string) => void } }).child;
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    expect(await cf.request(first)).toMatchObject({ status: 'found', oid: first });
    await cf.close();
    await expect(cf.request(first)).rejects.toThrow(/closed/);
  });

  it('fails with a one-line error outside a repository', async () => {
    const cf = new CatFile(mkdtempSync(join(tmpdir(), 'kreview-plain-')), 'batch-check');
    await expect(cf.request('HEAD')).rejects.toThrow(KreviewError);
    await cf.close();
  });
});
