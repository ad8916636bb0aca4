// A list's MAINTAINERS file named by the policy is read without blocking the event loop (a worker
// must keep renewing its job's lock while it reads) and within a bound.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMaintainers } from '../../src/git/maintainers.js';

const dir = mkdtempSync(join(tmpdir(), 'kreview-maint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECTION = 'XFS FILESYSTEM\nM:\tA Maintainer <a@example.org>\nL:\tlinux-xfs@vger.kernel.org\nS:\tSupported\nF:\tfs/xfs/\n';

describe('a MAINTAINERS file from the policy', () => {
  it('is read while timers keep running, when it is slow to come (a pipe filled half a second later)', async () => {
    const fifo = join(dir, 'MAINTAINERS.pipe');
    execFileSync('mkfifo', [fifo]);
    const content = join(dir, 'content');
    writeFileSync(content, SECTION);
    // The writer is another process, so a read that blocks this thread still ends.
    const writer = spawn('sh', ['-c', 'sleep 0.5; cat "$1" > "$2"', 'sh', content, fifo], { stdio: 'ignore' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    try {
      const m = await loadMaintainers(fifo, null);
      expect(m?.sectionsFor('fs/xfs/xfs_inode.c').map((s) => s.lists)).toEqual([['linux-xfs@vger.kernel.org']]);
    } finally {
      clearInterval(timer);
      writer.kill();
    }
    // Half a second of 20 ms ticks, had the read blocked the thread: none.
    expect(ticks).toBeGreaterThan(5);
  });

  it('past its bound (a device that never ends) is one line, not a crash', async () => {
    await expect(loadMaintainers('/dev/zero', null)).rejects.toThrow(/^MAINTAINERS file \/dev\/zero is larger than \d+ MB; not read$/);
  });

  it('that is missing is one line', async () => {
    await expect(loadMaintainers(join(dir, 'nope'), null)).rejects.toThrow(/^cannot read MAINTAINERS file .*: ENOENT$/);
  });
});
