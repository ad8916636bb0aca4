// The runner's limits: output over the cap and a git that outlives its time are stopped with one line.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/run-git.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const repo = new TestRepo();
afterAll(() => repo.remove());

describe('runGit limits', () => {
  it('stops a git that prints more than maxBuffer, naming the command', async () => {
    repo.commit('big', { files: { big: 'x'.repeat(100_000) } });
    await expect(runGit(repo.dir, ['cat-file', '-p', 'HEAD:big'], { maxBuffer: 1000 })).rejects.toThrow(/^git cat-file in .* printed more than 1000 bytes and was stopped$/);
    const ok = await runGit(repo.dir, ['cat-file', '-p', 'HEAD:big'], { maxBuffer: 200_000 });
    expect(ok.stdout).toHaveLength(100_000);
  });

  it('stops a git that takes longer than its time limit', async () => {
    // A git that is slow for sure: a `git log` of one commit could end within 1 ms on a fast
    // machine (it did, once in three runs on a fresh one), so the git first on PATH sleeps first.
    const { bin, path } = gitWrapper((real) => `sleep 5; exec '${real}' "$@"`);
    try {
      const started = Date.now();
      await withPath(path, () => expect(runGit(repo.dir, ['log', '--all'], { timeoutMs: 200 })).rejects.toThrow(/^git log in .* took longer than 200 ms and was stopped$/));
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
