// `kreview watch` on a list whose policy names a patchwork instance: the real CLI, a real public-inbox,
// and a local server following patchwork's REST API 1.2. One check per patch, once, across passes.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FakePatchwork } from '../helpers/fake-patchwork.js';
import { runCliAsync } from '../helpers/run-cli.js';
import { WatchWorld, writePassPolicy } from './watch-fixture.js';

describe('kreview watch posting patchwork checks', { timeout: 300_000 }, () => {
  const pw = new FakePatchwork('pw-token');
  afterAll(async () => {
    await pw.stop();
  });

  it('posts one check per patch of the series, and none again on the next pass', async () => {
    await pw.start();
    const world = new WatchWorld();
    const [cover, p1, p2] = world.series(1);
    const id1 = pw.addPatch(p1.id, 'linux-btrfs');
    const id2 = pw.addPatch(p2.id, 'linux-btrfs');
    const policy = join(world.inbox.root, 'pw-policy.yml');
    writePassPolicy(policy, {
      state: 'pw-state.db',
      sink: '{ type: directory, dir: pw-outbox }',
      sources: `[ { type: public-inbox, path: ${world.inbox.dir}, name: lore-btrfs, since: 2000-01-01 } ]`,
      list: [
        `repo: ${world.repo.dir}`,
        'bases: { default: master }',
        `patchwork: { url: '${pw.url}', project: linux-btrfs, tokenEnv: PW_TOKEN, targetUrl: 'https://kreview.example.org/m/{msgid}' }`,
      ],
    });
    for (const m of [cover, p1, p2]) world.inbox.deliver(m.raw);
    // Not spawnSync: the patchwork stand-in answers from this process's event loop.
    const run = () => runCliAsync(['watch', '--once', '--config', policy], { env: { PW_TOKEN: 'pw-token' } });
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/; posted 2 patchwork checks\n$/);
    const byPatch = new Map(pw.checks.map((c) => [c.patch, c]));
    expect(pw.checks).toHaveLength(2);
    // Patch 1 names a commit with the wrong subject (a verdict on history): fail. Patch 2 is clean.
    expect(byPatch.get(id1)).toMatchObject({ state: 'fail', context: 'kreview', target_url: `https://kreview.example.org/m/${encodeURIComponent(p1.id)}` });
    expect(byPatch.get(id1)!.description).toMatch(/fixes\/subject-mismatch/);
    expect(byPatch.get(id2)).toMatchObject({ state: 'success', description: 'no problems found in Fixes: tags or lock order' });

    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/patchwork/);
    expect(pw.checks).toHaveLength(2);
  });
});
