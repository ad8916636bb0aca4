// A range reader whose caller is slower than git (every real review is): the commits it has handed
// out must be let go, so what it holds is the read-ahead, not the range. Before, taken commits stayed
// in its queue until the caller caught up with git entirely, which a slow caller never does: a
// whole-history review kept every commit's message (btrfs-progs, 3,000 commits: 3 MB; a kernel's
// history would keep gigabytes). Generated repository: 2,400 commits with 8 KB messages (19 MB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { TestRepo } from '../helpers/git-repo.js';
import { CommitStream } from '../../src/git/commit-stream.js';
import { heldHeap } from '../helpers/collect.js';


const N = 2400;
const repo = new TestRepo();
let oids: string[] = [];

beforeAll(() => {
  const body = 'A long explanation of the change, wrapped as a maintainer would.\n'.repeat(128);
  const parts: string[] = [];
  for (let i = 1; i <= N; i++) {
    const msg = `subsys: change ${i}\n\n${body}`;
    parts.push(`commit refs/heads/master\nmark :${i}\nauthor A <a@example.org> ${1_600_000_000 + i} +0000\ncommitter A <a@example.org> ${1_600_000_000 + i} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`);
    if (i > 1) parts.push(`from :${i - 1}\n`);
    parts.push(`M 644 inline f${i % 50}.c\ndata ${String(i).length}\n${i}\n`);
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: parts.join(''), maxBuffer: 64 << 20 });
  oids = repo.git('rev-list', '--reverse', 'master').split('\n');
}, 60_000);
afterAll(() => repo.remove());

describe('CommitStream memory', () => {
  it('holds its read-ahead, not the commits already taken, when the caller is slower than git', async () => {
    expect(oids).toHaveLength(N);
    const before = heldHeap();
    const stream = new CommitStream(repo.dir, oids, 'test');
    try {
      let taken = 0;
      let bytes = 0;
      for (; taken < N - 200; taken++) {
        const c = await stream.next();
        bytes += c!.message.length;
        // A slow caller, as a review is: git's output is read between any two commits taken.
        await new Promise((r) => setTimeout(r, 1));
      }
      const grown = heldHeap() - before;
      // Taken: 2,200 commits, 18 MB of messages; the read-ahead is 512 commits at most (4 MB here).
      expect(bytes).toBeGreaterThan(16 << 20);
      expect(grown).toBeLessThan(8 << 20);
    } finally {
      stream.close();
    }
  }, 60_000);
});
