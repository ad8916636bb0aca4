// A real daemon state for the web view's tests: the watch fixture's repository, public-inbox and
// SMTP server, a list in `mode: moderated`, one series reviewed by the real pipeline (its reply
// held), and the web view served on loopback over that state.
import { readFileSync, writeFileSync } from 'node:fs';
import { Watcher } from '../../src/watch/daemon.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { webView } from '../../src/web/view.js';
import { WatchWorld, type Mail } from '../watch/watch-fixture.js';

export const TOKEN = 'correct-horse-battery-staple-42';
export const TOKEN_ENV = 'KREVIEW_TEST_WEB_TOKEN';
const T0 = Date.parse('2026-11-24T10:00:00Z');

export interface WebWorld {
  world: WatchWorld;
  watcher: Watcher;
  web: WebServer;
  mails: Mail[];
  logs: string[];
  /** Runs the daemon's loop (an approval wakes it) until stop(). */
  run(): void;
  close(): Promise<void>;
}

/** `subject` replaces the summary of the cover letter and of patch 1 (a hostile one, say). */
export async function startWebWorld(opts: { subject?: string; token?: string | null } = {}): Promise<WebWorld> {
  const world = new WatchWorld();
  await world.start();
  // pollSeconds: an hour, so only an approval (which wakes the daemon) sends within a test.
  writeFileSync(
    world.policyFile,
    readFileSync(world.policyFile, 'utf8').replace('    mode: enabled\n', '    mode: moderated\n').replace('timing:\n', 'timing:\n  pollSeconds: 3600\n') +
      `web:\n  tokenEnv: ${TOKEN_ENV}\n  url: https://kreview.example.org\n`,
  );
  let mails = world.series(1);
  if (opts.subject) {
    const s = opts.subject;
    mails = mails.map((m) => ({ ...m, raw: m.raw.replace('] btrfs: fixup worker space', `] ${s}`).replace('] btrfs: reserve delalloc space in the fixup worker', `] ${s}`) }));
  }
  let now = T0;
  const logs: string[] = [];
  const watcher = new Watcher({ policyFile: world.policyFile, now: () => now, log: (m) => logs.push(m) });
  for (const m of mails) world.inbox.deliver(m.raw);
  await watcher.tick();
  now += 61_000;
  const t = await watcher.tick();
  if (t.reviewed.length !== 1) throw new Error(`the series was not reviewed: ${JSON.stringify(t)}`);
  const env = opts.token === null ? {} : { [TOKEN_ENV]: opts.token ?? TOKEN };
  const web = await startWebServer({
    port: 0,
    handlers: [webView({ db: watcher.db, policy: () => watcher.policy.current, env, onDecision: () => watcher.wake(), log: (m) => logs.push(m) })],
  });
  const stop = new AbortController();
  let loop: Promise<void> | null = null;
  return {
    world,
    watcher,
    web,
    mails,
    logs,
    run: () => {
      loop = watcher.run(stop.signal);
    },
    close: async () => {
      stop.abort();
      await loop;
      await web.close();
      await watcher.close();
      await world.close();
    },
  };
}

/** Waits until `cond` holds (a sent mail arriving at the SMTP server), or fails after `ms`. */
export async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
