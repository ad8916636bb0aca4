// A mail daemon's world for the ops tests: the kernel-like repository and two-patch series of
// WatchWorld, delivered to a Maildir, answered into a directory; optionally a single patch before
// it whose subject says POISON (a test's review function fails on it).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WatchWorld, makeMaildir, repoListLines, writePassPolicy, type Mail } from '../watch/watch-fixture.js';

export interface OpsWorld {
  world: WatchWorld;
  policy: string;
  state: string;
  outbox: string;
  series: Mail[];
  poison: string | null;
}

export function opsWorld(opts: { poison?: boolean } = {}): OpsWorld {
  const world = new WatchWorld();
  const md = makeMaildir(join(world.inbox.root, 'md'));
  const series = world.series(1);
  let poison: string | null = null;
  if (opts.poison) {
    poison = 'poison-1@example.org';
    const raw = series[1].raw
      .replace(/\[PATCH 1\/2\] btrfs: reserve delalloc space in the fixup worker/, '[PATCH] btrfs: POISON for the review')
      .replace(/^Message-ID: <[^>]+>/im, `Message-ID: <${poison}>`)
      .replace(/^In-Reply-To: .*\n/m, '')
      .replace(/^References: .*\n/m, '');
    writeFileSync(join(md, 'new', '0-poison'), raw);
  }
  series.forEach((m, i) => writeFileSync(join(md, 'new', `${i + 1}-series`), m.raw));
  const policy = join(world.inbox.root, 'policy.yml');
  writePassPolicy(policy, { sources: `[ { type: maildir, path: ${md}, name: md } ]`, list: repoListLines(world.repo.dir) });
  return { world, policy, state: join(world.inbox.root, 'state.db'), outbox: join(world.inbox.root, 'outbox'), series, poison };
}
