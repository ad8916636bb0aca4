// A `kreview worker` started by `kreview serve` goes when serve goes, even when serve dies while the
// worker is still starting: a worker left behind would hold jobs and the queue file forever.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KREVIEW_BIN } from '../helpers/run-cli.js';

describe('a worker started by serve', { timeout: 90_000 }, () => {
  it('exits when its parent is gone before it has finished starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-orphan-'));
    const env = { ...process.env };
    delete env.APP_ID;
    const child = spawn(process.execPath, [KREVIEW_BIN, 'worker', '--queue', `sqlite:${join(dir, 'jobs.sqlite')}`, '--cache', join(dir, 'cache')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    // The parent's side of the channel closes at once: the worker is still loading its modules.
    child.disconnect();
    const gone = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!gone) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    expect(gone, stderr).toBe(true);
  });
});
