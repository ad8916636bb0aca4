// The callers check scans the helpers of a changed file's directory (checks/lock/callers.ts). Over a
// range, the directory comes back at the next commit with one file changed: only that file is read
// and scanned again, the others are known by their blob ids (issue 13 item 4: don't re-read
// unchanged blobs). The scans are kept within their share of limits.cacheBytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

// A helper of the directory that sleeps (it waits for its buffer), called by neither caller site.
const HELPERS = `#include "demo.h"

void demo_flush(struct demo *d)
{
	mark_buffer_dirty(d->bh);
	sync_dirty_buffer(d->bh);
}
`;
// Two functions that each come to call the helper, one per commit.
const work = (f: boolean, g: boolean): string => `#include "demo.h"

int demo_f(struct demo *d)
{
	d->n++;${f ? '\n\tdemo_flush(d);' : ''}
	return 0;
}

int demo_g(struct demo *d)
{
	d->m++;${g ? '\n\tdemo_flush(d);' : ''}
	return 0;
}
`;
// Their caller, under a spinlock.
const CALLER = `#include "demo.h"

void demo_tick(struct demo *d)
{
	spin_lock(&d->lock);
	demo_f(d);
	demo_g(d);
	spin_unlock(&d->lock);
}
`;

let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  repo.commit('demo: add\n', { files: { 'fs/demo/helpers.c': HELPERS, 'fs/demo/work.c': work(false, false), 'fs/demo/tick.c': CALLER } });
  repo.commit('demo: f flushes\n', { files: { 'fs/demo/work.c': work(true, false) } });
  repo.commit('demo: g flushes\n', { files: { 'fs/demo/work.c': work(true, true) } });
});
afterAll(() => repo.remove());

describe('the callers check over a range', { timeout: 120_000 }, () => {
  it('reads an unchanged file of the directory once, not at every commit', async () => {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~2..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    const reads: string[][] = [];
    const found: string[][] = [];
    try {
      for (const patch of patches) {
        const ws = await createWorkspace(patch, { repo: repo.dir, history });
        const mine: string[] = [];
        reads.push(mine);
        const readBaseFile = ws.readBaseFile.bind(ws);
        const workspace = { ...ws, readBaseFile: (p: string) => (mine.push(p), readBaseFile(p)) };
        const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
        const findings = await lockCheck.run({ patch, series, workspace, config: defaultConfig() });
        found.push(findings.filter((f) => f.id === 'lock/sleep-in-atomic').map((f) => f.message));
      }
    } finally {
      await history.close();
    }
    // Each commit is reported: the new call sleeps through the helper, under the caller's spinlock.
    expect(found[0]).toEqual([expect.stringMatching(/^demo_f\(\) now calls demo_flush\(\), which sleeps \(demo_flush -> sync_dirty_buffer\)/)]);
    expect(found[1]).toEqual([expect.stringMatching(/^demo_g\(\) now calls demo_flush\(\), which sleeps/)]);
    // The helper's file was read at the first commit, and not again at the second.
    expect(reads[0]).toContain('fs/demo/helpers.c');
    expect(reads[1]).not.toContain('fs/demo/helpers.c');
  });
});
