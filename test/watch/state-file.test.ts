// The state database going wrong under the daemon: deleted or replaced while it runs (it stops, one
// line, instead of writing to a file nobody will open again); damaged, read-only or locked at start
// (one line naming the file and what to do, non-zero exit).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../../src/state/open-state.js';
import { StateError } from '../../src/state/state-errors.js';
import { Watcher } from '../../src/watch/daemon.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

function kreview(args: string[], uid?: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], uid, env: { ...process.env, HOME: tmpdir() } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function world(): { dir: string; policy: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-state-'));
  chmodSync(dir, 0o755);
  for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, 'md', d), { recursive: true });
  const policy = join(dir, 'policy.yml');
  writeFileSync(policy, `bot: { address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\nsources: [ { type: maildir, path: md } ]\ntiming: { pollSeconds: 0.05 }\n`);
  return { dir, policy, state: join(dir, 'state.db') };
}

const watchers: Watcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close().catch(() => undefined);
});

describe('state database', { timeout: 120_000 }, () => {
  it('deleted while watch runs: the daemon stops with one line', async () => {
    const { policy, state } = world();
    const w = new Watcher({ policyFile: policy, log: () => {} });
    watchers.push(w);
    await w.tick();
    for (const f of [state, `${state}-wal`, `${state}-shm`]) rmSync(f, { force: true });
    await expect(w.tick()).rejects.toThrow(new StateError(`state database ${state} was deleted while kreview ran: stopping before anything is written to the old one (put it back, or restart to begin a new state)`));
    const stop = new AbortController();
    await expect(w.run(stop.signal)).rejects.toBeInstanceOf(StateError);
  });

  it('replaced by another file while watch runs: the daemon stops', async () => {
    const { dir, policy, state } = world();
    const w = new Watcher({ policyFile: policy, log: () => {} });
    watchers.push(w);
    await w.tick();
    copyFileSync(state, join(dir, 'copy.db'));
    renameSync(join(dir, 'copy.db'), state);
    await expect(w.tick()).rejects.toThrow(/^state database .*state\.db was replaced by another file while kreview ran: /);
  });

  it('damaged: one line naming the file, non-zero exit', async () => {
    const { policy, state } = world();
    writeFileSync(state, 'this is not a database, it is a text file that happens to sit here\n'.repeat(100));
    const r = await kreview(['watch', '--once', '--config', policy]);
    expect(r.stderr).toBe(`kreview: state database ${state} is not a SQLite database or is damaged: move it aside and restart (a new, empty state is created; restore a backup to keep what was sent)\n`);
    expect(r.code).not.toBe(0);
  });

  it('locked by another process: one line, non-zero exit', async () => {
    const { policy, state } = world();
    const holder = openState(state);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = await kreview(['watch', '--once', '--config', policy]);
      expect(r.stderr).toMatch(/^kreview: state database .*state\.db is locked by another process \(a second `kreview watch` on the same state\?\): stop that one, or give this one its own state file\n$/);
      expect(r.code).not.toBe(0);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('read-only: one line, non-zero exit', async () => {
    const { policy, state } = world();
    openState(state).close();
    chmodSync(state, 0o444);
    // root writes whatever the mode says: run kreview as nobody then.
    const r = await kreview(['watch', '--once', '--config', policy], process.getuid?.() === 0 ? 65534 : undefined);
    expect(r.stderr).toMatch(/^kreview: state database .*state\.db cannot be written: give the user running kreview write access to the file and to its directory \(SQLite keeps -wal and -shm files next to it\)\n$/);
    expect(r.code).not.toBe(0);
  });
});
