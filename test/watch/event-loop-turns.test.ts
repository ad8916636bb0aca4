// Between two series of a backlog the daemon gives the event loop a turn. A review without a
// repository never waits for I/O; without the turn, tree-sitter's syntax trees (freed only by
// finalizers that run on a turn) piled up to hundreds of MB on a real list's backlog, and timers
// and signals waited for the whole backlog.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewSeries } from '../../src/review/pipeline.js';
import { Watcher } from '../../src/watch/daemon.js';
import { fixupDiff, mailText } from './mail-fixtures.js';
import { makeMaildir, writePassPolicy } from './watch-fixture.js';

const dirs: string[] = [];
const watchers: Watcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a backlog of series', () => {
  it('turns the event loop between one series and the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-turns-'));
    dirs.push(dir);
    const md = makeMaildir(join(dir, 'md'));
    // Three one-patch series from three senders, no repository: nothing in their review waits for I/O.
    for (const who of ['ann', 'bob', 'cyd'])
      writeFileSync(join(md, 'new', who), mailText({ messageId: `${who}@example.org`, subject: `[PATCH] btrfs: reserve space (${who})`, from: `${who} <${who}@example.org>`, diff: fixupDiff() }));
    const policy = join(dir, 'policy.yml');
    writePassPolicy(policy, { sources: `[ { type: maildir, path: ${md}, name: md } ]`, address: 'linux-btrfs@vger.kernel.org' });
    let turns = 0;
    const atReview: number[] = [];
    const w = new Watcher({
      policyFile: policy,
      log: () => undefined,
      review: (series, o) => {
        atReview.push(turns);
        return reviewSeries(series, o);
      },
    });
    watchers.push(w);
    await w.pollSources();
    let spin: NodeJS.Immediate | null = null;
    const count = (): void => {
      turns++;
      spin = setImmediate(count);
    };
    spin = setImmediate(count);
    try {
      const r = await w.reviewReady();
      expect(r.reviewed).toHaveLength(3);
    } finally {
      if (spin) clearImmediate(spin);
    }
    expect(atReview).toHaveLength(3);
    // Each review started after at least one more turn than the one before it.
    for (let i = 1; i < atReview.length; i++) expect(atReview[i]).toBeGreaterThan(atReview[i - 1]);
  });
});
