// Opening a History asks git where the repository is once: every `kreview review --repo` opens one,
// and each git spawned from a process holding the lock check's heap cost tens of milliseconds.
// A directory that is no repository still gets its one-line error. Real git, counted on PATH.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-open-spawns-'));
const repo = new TestRepo();
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** The gits `fn` runs, by their subcommand words, through a `git` first on PATH that logs and runs the real one. */
async function gitsDuring(fn: () => Promise<void>): Promise<string[]> {
  const { bin, path } = gitWrapper((real, dir) => `for a in "$@"; do case "$a" in rev-parse|rev-list|ls-tree|for-each-ref|cat-file) echo "$a" >> '${dir}/log';; esac; done\nexec '${real}' "$@"`, tmp);
  const log = join(bin, 'log');
  await withPath(path, fn);
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

describe('opening a History', () => {
  it('runs one rev-parse', async () => {
    repo.commit('first\n', { files: { 'a.c': 'int a;\n' } });
    const gits = await gitsDuring(async () => {
      const h = await openHistory(repo.dir, { cacheDir: join(tmp, 'cache') });
      await h.close();
    });
    expect(gits.filter((g) => g === 'rev-parse')).toHaveLength(1);
  });

  it('still says in one line that a plain directory is no repository', async () => {
    const plain = mkdtempSync(join(tmp, 'plain-'));
    await expect(openHistory(plain, { cacheDir: join(tmp, 'cache') })).rejects.toThrow(/is not a git repository$/);
  });
});

describe('refreshing a History', () => {
  it('asks for the refs and for HEAD at once, not one git after the other', async () => {
    repo.commit('second\n', { files: { 'a.c': 'int a = 2;\n' } });
    // for-each-ref takes half a second more than it would: cat-file must have started meanwhile.
    const { bin, path } = gitWrapper(
      (real, dir) =>
        `case " $* " in\n  *" for-each-ref "*) echo for-each-ref-start >> '${dir}/log'; sleep 0.5; '${real}' "$@"; s=$?; echo for-each-ref-end >> '${dir}/log'; exit $s;;\n  *" cat-file "*) echo cat-file >> '${dir}/log';;\nesac\nexec '${real}' "$@"`,
      tmp,
    );
    await withPath(path, async () => {
      const h = await openHistory(repo.dir, { cacheDir: join(tmp, 'cache-at-once') });
      expect(await h.revParse('HEAD')).toBe(repo.head());
      await h.close();
    });
    const log = readFileSync(join(bin, 'log'), 'utf8').split('\n').filter(Boolean);
    expect(log.indexOf('for-each-ref-start')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('cat-file')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('cat-file')).toBeLessThan(log.indexOf('for-each-ref-end'));
  });
});

describe('opening a History, the gits', () => {
  it('lists the refs while git says where the repository is, not after', async () => {
    // rev-parse takes half a second more than it would: for-each-ref must have started meanwhile.
    const { bin, path } = gitWrapper(
      (real, dir) =>
        `case " $* " in\n  *" rev-parse --git-common-dir "*) echo rev-parse-start >> '${dir}/log'; sleep 0.5; '${real}' "$@"; s=$?; echo rev-parse-end >> '${dir}/log'; exit $s;;\n  *" for-each-ref "*) echo for-each-ref >> '${dir}/log';;\nesac\nexec '${real}' "$@"`,
      tmp,
    );
    await withPath(path, async () => {
      const h = await openHistory(repo.dir, { cacheDir: join(tmp, 'cache-refs-early') });
      expect(await h.revParse('HEAD')).toBe(repo.head());
      await h.close();
    });
    const log = readFileSync(join(bin, 'log'), 'utf8').split('\n').filter(Boolean);
    expect(log.filter((l) => l === 'for-each-ref')).toHaveLength(1);
    expect(log.indexOf('for-each-ref')).toBeLessThan(log.indexOf('rev-parse-end'));
  });
});
