// Poison messages: a series whose review throws, runs past its limit, or kills the process is
// quarantined after that one attempt (recorded with its reason, shown by --status), never tried
// again, and the series behind it are reviewed and answered.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';
import type { ReviewFn } from '../../src/watch/series-reviewer.js';
import { runNodeAsync } from '../helpers/run-cli.js';
import { WatchWorld, makeMaildir, repoListLines, writePassPolicy } from './watch-fixture.js';

const node = (args: string[]) => runNodeAsync(['--import', 'tsx', ...args]);

const watchers: Watcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
});

/** A good two-patch series and, before it in the Maildir, a single patch that poisons its review. */
function setup(): { world: WatchWorld; policy: string; outbox: string; md: string; good: string; poison: string } {
  const world = new WatchWorld();
  const md = makeMaildir(join(world.inbox.root, 'md'));
  const [cover, p1, p2] = world.series(1);
  const poison = p1.raw
    .replace(/\[PATCH 1\/2\] btrfs: reserve delalloc space in the fixup worker/, '[PATCH] btrfs: POISON for the review')
    .replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <poison-1@example.org>')
    .replace(/^In-Reply-To: .*\n/m, '')
    .replace(/^References: .*\n/m, '')
    .replace(/^Date: .*$/m, 'Date: Mon, 23 Nov 2026 10:00:00 +0000');
  writeFileSync(join(md, 'new', '0-poison'), poison);
  [cover, p1, p2].forEach((m, i) => writeFileSync(join(md, 'new', `${i + 1}-good`), m.raw));
  const policy = join(world.inbox.root, 'policy.yml');
  writePassPolicy(policy, { sources: `[ { type: maildir, path: ${md}, name: md } ]`, list: repoListLines(world.repo.dir) });
  return { world, policy, outbox: join(world.inbox.root, 'outbox'), md, good: p1.id, poison: 'poison-1@example.org' };
}

const poisoned = (fail: () => Promise<never>): { review: ReviewFn; calls: () => number } => {
  let calls = 0;
  return {
    calls: () => calls,
    review: async (series, o) => {
      if (!series.patches.some((p) => p.subject.includes('POISON'))) return reviewSeries(series, o);
      calls++;
      return fail();
    },
  };
};

describe('poison messages', { timeout: 240_000 }, () => {
  it('a review that kills the process: tried once more after a restart (a kill is no proof), then quarantined; the series behind it is answered', async () => {
    const { policy, outbox, poison, md } = setup();
    // Read (and warned about) by the run that is killed: the warning must survive it.
    writeFileSync(join(md, 'new', '9-garbage'), '\x00\x01 not a mail at all');
    const child = join(import.meta.dirname, 'poison-child.ts');
    const first = await node([child, policy]);
    expect(first.signal).toBe('SIGKILL');
    const retried = await node([child, policy]);
    expect(retried.stderr).toContain('1 message whose review never finished (the process died during it) will be tried once more');
    expect(retried.signal).toBe('SIGKILL');
    const second = await node([child, policy]);
    expect(second.stderr).toContain('1 message quarantined: their review never finished, twice (the process died during it each time); see kreview watch --status');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ reviewed: [expect.stringMatching(/#v1$/)], quarantined: [] });
    expect(readdirSync(outbox)).toHaveLength(1);
    const status = await node([join(import.meta.dirname, '../../src/cli/main.ts'), 'watch', '--status', '--config', policy]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('quarantined: 1\n');
    expect(status.stdout).toMatch(new RegExp(`  <${poison}> "\\[PATCH\\] btrfs: POISON for the review" \\([^)]+\\): its review never finished, twice: the process died during it each time \\(out of memory, or killed\\); not tried again\\n`));
    expect(status.stdout).toMatch(/recent warnings and errors: [1-9]/);
    expect(status.stdout).toMatch(/warning: 1 message quarantined/);
    const garbage = status.stdout.split('\n').filter((l) => /^ {2}\S+ warning: .*9-garbage/.test(l));
    expect(garbage).toHaveLength(1);
  });

  it('a process killed once during a review (not by the message): the restart reviews the message after all', async () => {
    const { policy, outbox, md } = setup();
    const child = join(import.meta.dirname, 'poison-child.ts');
    const marker = join(md, '..', 'killed-once');
    const first = await node([child, policy, marker]);
    expect(first.signal).toBe('SIGKILL');
    const second = await node([child, policy, marker]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('1 message whose review never finished (the process died during it) will be tried once more');
    const t = JSON.parse(second.stdout) as { reviewed: string[]; quarantined: string[] };
    expect(t.quarantined).toEqual([]);
    expect(t.reviewed).toHaveLength(2);
    expect(readdirSync(outbox).length).toBeGreaterThan(0);
  });

  it('a review that throws: quarantined after one attempt, with its reason; the others are answered', async () => {
    const { policy, outbox, poison } = setup();
    const hook = poisoned(() => Promise.reject(new RangeError('Maximum call stack size exceeded')));
    const w = new Watcher({ policyFile: policy, log: () => {}, review: hook.review });
    watchers.push(w);
    const t = await w.tick();
    expect(t.quarantined).toHaveLength(1);
    expect(t.reviewed).toHaveLength(1);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(w.messages.quarantined()).toEqual([expect.objectContaining({ messageId: poison, reason: 'Maximum call stack size exceeded' })]);
    await w.tick();
    expect(hook.calls()).toBe(1);
  });

  it('a review that runs past its limit: quarantined, and the tick goes on', async () => {
    const { policy, outbox, poison } = setup();
    const hook = poisoned(() => new Promise<never>(() => {}));
    const w = new Watcher({ policyFile: policy, log: () => {}, review: hook.review, reviewMsPerPatch: 2000 });
    watchers.push(w);
    const t = await w.tick();
    expect(t.quarantined).toHaveLength(1);
    expect(readdirSync(outbox)).toHaveLength(1);
    expect(w.messages.quarantined()[0]).toMatchObject({ messageId: poison, reason: 'the review ran past its limit of 4 s (limits.reviewMsPerPatch per patch, plus one)' });
  });

  it("the limit is the policy's limits.reviewMsPerPatch", async () => {
    const { policy, poison } = setup();
    writeFileSync(policy, `limits: { reviewMsPerPatch: 250 }\n${readFileSync(policy, 'utf8')}`);
    const hook = poisoned(() => new Promise<never>(() => {}));
    const w = new Watcher({ policyFile: policy, log: () => {}, review: hook.review });
    watchers.push(w);
    await w.tick();
    expect(w.messages.quarantined().find((q) => q.messageId === poison)).toMatchObject({ reason: 'the review ran past its limit of 0.5 s (limits.reviewMsPerPatch per patch, plus one)' });
  });
});
