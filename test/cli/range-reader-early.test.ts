// The commits of a range start to be read (one cat-file) as soon as the range is listed, while the
// History opens. A run that fails before the range is reviewed (an unknown --base) must stop that
// reader: a git left writing to a paused pipe would keep the process from ever exiting.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReview } from '../../src/cli/review-command.js';
import { defaultConfig } from '../../src/core/config.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;

/** More commits than the reader parses ahead (512) and more bytes than a pipe holds: an unread rest keeps git waiting. */
const N = 2000;

beforeAll(() => {
  repo = new TestRepo();
  let stream = '';
  for (let i = 0; i < N; i++) {
    const msg = `lib: step ${i}\n\n${'A line of the body that says what changed and why.\n'.repeat(4)}\nSigned-off-by: A <a@example.org>\n`;
    stream += `commit refs/heads/master\nmark :${i + 1}\nauthor A <a@example.org> ${1_600_000_000 + i} +0000\ncommitter A <a@example.org> ${1_600_000_000 + i} +0000\ndata ${msg.length}\n${msg}\n`;
    if (i > 0) stream += `from :${i}\n`;
    stream += `M 644 inline lib/a.c\ndata ${String(i).length + 1}\n${i}\n\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: stream, maxBuffer: 64 << 20 });
  repo.git('checkout', '-q', 'master');
});
afterAll(() => repo.remove());

const children = (): number => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;

async function settled(before: number): Promise<number> {
  // A killed git is reaped on a later turn of the event loop.
  for (let i = 0; i < 100 && children() > before; i++) await new Promise((r) => setTimeout(r, 20));
  return children();
}

describe('a range read while the History opens', { timeout: 60_000 }, () => {
  it('reviews every commit of each range, in order', async () => {
    const config = { ...defaultConfig(), enable: ['fixes'] };
    const run = await runReview(['HEAD~20..HEAD~10', 'HEAD~5..HEAD'], { repo: repo.dir }, config);
    expect(run.inputErrors).toEqual([]);
    expect(run.reviews.map((r) => r.patches.map((p) => p.patch.subject))).toEqual([
      Array.from({ length: 10 }, (_, i) => `lib: step ${i + N - 20}`),
      Array.from({ length: 5 }, (_, i) => `lib: step ${i + N - 5}`),
    ]);
  });

  it('is stopped when the run fails before reviewing it', async () => {
    // The gits of the review before have been reaped: none of this process's children runs.
    const before = await settled(0);
    expect(before).toBe(0);
    const config = { ...defaultConfig(), enable: ['fixes'] };
    await expect(runReview(['HEAD'], { repo: repo.dir, base: 'no-such-base' }, config)).rejects.toThrow('--base no-such-base: no such revision');
    expect(await settled(before)).toBe(before);
  });
});
