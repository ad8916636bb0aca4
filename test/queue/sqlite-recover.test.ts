// A job a killed worker held goes back to the queue when the queue is next opened, not only when its
// lease runs out (a minute later). A worker killed with its parent (serve going down) may linger as a
// zombie until init collects it; it still answers signal 0, but it is gone. Real processes: a shell
// that forks a short child and becomes a `sleep` that never reaps it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerAlive, SqliteJobQueue } from '../../src/queue/sqlite-queue.js';
import { until } from '../helpers/until.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-sqlite-recover-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** The pid of a process that has exited and is never reaped (its parent sleeps on). */
async function zombiePid(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent);
  let out = '';
  parent.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const pid = Number(await until('the child pid', () => /^(\d+)\n/.exec(out)?.[1], 10_000, 10));
  await until('the child to exit', () => /^Z/.test(readState(pid)), 10_000, 10);
  return pid;
}

function readState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}

describe('SqliteJobQueue after a worker was killed', () => {
  it('a zombie owner is gone: its job is queued again at open, and said', async () => {
    const pid = await zombiePid();
    expect(ownerAlive(`${hostname()}:${pid}`)).toBe(false);
    expect(ownerAlive(`${hostname()}:${process.pid}`)).toBe(true);

    const file = join(tmp, 'jobs.sqlite');
    const lines: string[] = [];
    const first = new SqliteJobQueue(file, { log: (l) => lines.push(l) });
    await first.add({ key: 'pr/a/b#1@x', receivedAt: Date.now(), deliveryId: 'd', event: 'pull_request', payload: {}, installationId: 1, checkRunId: null });
    await first.close();
    // As a worker that took it and was killed leaves it: running, its lease not yet run out.
    const db = new Database(file);
    db.prepare(`UPDATE jobs SET state = 'running', owner = ?, lease_until = ?`).run(`${hostname()}:${pid}`, Date.now() + 600_000);
    db.close();

    const again = new SqliteJobQueue(file, { log: (l) => lines.push(l) });
    try {
      expect(lines).toContain('1 job interrupted by a process that is gone: queued again');
      expect(await again.status('pr/a/b#1@x')).toEqual({ state: 'waiting' });
    } finally {
      await again.close();
    }
  });
});
