// A tick's errors are not silent: `kreview watch --once` prints them and exits non-zero, and the
// long-running daemon logs them. The error here: an SMTP server that never greets.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Watcher } from '../../src/watch/daemon.js';
import { startSilentServer, type SilentServer } from '../sinks/silent-server.js';
import { runCliAsync } from '../helpers/run-cli.js';
import { WatchWorld, makeMaildir, repoListLines, writePassPolicy } from './watch-fixture.js';

const kreview = (args: string[]) => runCliAsync(args);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A reviewed series with a finding, in a Maildir the policy reads; replies go to a server that never greets. */
async function setup(timing: string): Promise<{ world: WatchWorld; dead: SilentServer; policy: string }> {
  const world = new WatchWorld();
  const dead = await startSilentServer();
  cleanups.push(() => dead.close());
  const maildir = makeMaildir(join(world.inbox.root, 'md'));
  world.series(1).forEach((m, i) => writeFileSync(join(maildir, 'new', `m${i}`), m.raw));
  const policy = join(world.inbox.root, 'policy.yml');
  writePassPolicy(policy, {
    sink: `{ type: smtp, host: 127.0.0.1, port: ${dead.port}, greetingTimeoutSeconds: 0.5 }`,
    sources: `[ { type: maildir, path: ${maildir}, name: md } ]`,
    timing,
    list: repoListLines(world.repo.dir),
  });
  return { world, dead, policy };
}

describe('tick errors', { timeout: 240_000 }, () => {
  it('watch --once prints them and exits non-zero', async () => {
    const { dead, policy } = await setup('settleSeconds: 0, partialWaitMinutes: 0');
    const r = await kreview(['watch', '--once', '--config', policy]);
    expect(r.stdout).toMatch(/reviewed 1 series; queued 1 replies; sent 0\n$/);
    expect(r.stderr).toContain(`kreview watch: SMTP 127.0.0.1:${dead.port}: no greeting within 0.5 s (sink.greetingTimeoutSeconds)\n`);
    expect(r.stderr).toMatch(/kreview watch: 1 error in this pass\n$/);
    expect(r.code).toBe(1);
  });

  it('Watcher.run logs them', async () => {
    const { dead, policy } = await setup('settleSeconds: 0, partialWaitMinutes: 0, pollSeconds: 0.2');
    const logs: string[] = [];
    const w = new Watcher({ policyFile: policy, log: (m) => logs.push(m) });
    cleanups.push(() => w.close());
    const stop = new AbortController();
    const loop = w.run(stop.signal);
    const t0 = Date.now();
    while (!logs.some((l) => l.includes('no greeting')) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await loop;
    expect(logs).toContain(`SMTP 127.0.0.1:${dead.port}: no greeting within 0.5 s (sink.greetingTimeoutSeconds)`);
  });
});
