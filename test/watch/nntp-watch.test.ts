// `kreview watch` following a list over NNTP, as lore offers it: a real public-inbox-nntpd in front of
// the list's archive, the real CLI, a directory outbox; the server and kreview both restart between
// passes, and every patch mail is answered exactly once.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublicInboxDaemon, freePort } from '../helpers/public-inbox-daemon.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';
import { WatchWorld, repoListLines, writePassPolicy } from './watch-fixture.js';

const once = (policy: string) => spawnSync(process.execPath, [KREVIEW_BIN, 'watch', '--once', '--config', policy], { encoding: 'utf8', timeout: 180_000 });

describe('kreview watch over NNTP', { timeout: 300_000 }, () => {
  it('answers each patch once through a restart of the server and of kreview', async () => {
    const world = new WatchWorld();
    const group = PublicInboxDaemon.newsgroup(world.inbox);
    const port = await freePort();
    let nntpd = await PublicInboxDaemon.start(world.inbox, 'nntpd', port);
    const policy = join(world.inbox.root, 'nntp-policy.yml');
    writePassPolicy(policy, {
      state: 'nntp-state.db',
      sink: '{ type: directory, dir: nntp-outbox }',
      sources: `[ { type: nntp, host: 127.0.0.1, port: ${port}, group: ${group}, since: '2000-01-01', name: lore-btrfs } ]`,
      list: repoListLines(world.repo.dir),
    });
    const outbox = join(world.inbox.root, 'nntp-outbox');
    const replies = () => readdirSync(outbox).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(outbox, f), 'utf8'));
    try {
      const v1 = world.series(1);
      for (const m of v1) world.inbox.deliver(m.raw);
      const first = once(policy);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/^read 3 messages/);
      const answered = replies().map((r) => /^In-Reply-To: <([^>]+)>/m.exec(r)?.[1]);
      expect(answered.length).toBeGreaterThan(0);
      expect(new Set(answered).size).toBe(answered.length);

      // The server restarts; kreview is a new process on the same state: nothing is read or sent again.
      await nntpd.stop();
      nntpd = await PublicInboxDaemon.start(world.inbox, 'nntpd', port);
      const second = once(policy);
      expect(second.status).toBe(0);
      expect(second.stdout).toMatch(/^read 0 messages/);
      expect(replies()).toHaveLength(answered.length);
    } finally {
      await nntpd.stop();
    }
  });
});
