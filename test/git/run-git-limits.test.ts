// The runner's limits: output over the cap and a git that outlives its time are stopped with one line.
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/run-git.js';
import { TestRepo } from '../helpers/git-repo.js';

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
    await expect(runGit(repo.dir, ['log', '--all'], { timeoutMs: 1 })).rejects.toThrow(/^git log in .* took longer than 1 ms and was stopped$/);
  });
});
