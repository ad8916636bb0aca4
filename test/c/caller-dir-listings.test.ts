// The callers check follows a new call through the helpers of the changed file's directory
// (checks/lock/callers.ts, maySleep), asking for the directory's helpers at every helper it
// follows. Their listing is made once per check: over 300 btrfs-progs commits it was asked
// 12,810 times, each time a listing of the directory and a key built from every file in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

// Helpers that call helpers, none of which sleeps but the last.
const HELPERS = `#include "demo.h"

void demo_c(struct demo *d)
{
	d->x++;
}

void demo_a(struct demo *d)
{
	demo_c(d);
}

void demo_b(struct demo *d)
{
	demo_a(d);
	demo_c(d);
}

void demo_flush(struct demo *d)
{
	demo_b(d);
	sync_dirty_buffer(d->bh);
}
`;
const work = (calls: boolean): string => `#include "demo.h"

int demo_f(struct demo *d)
{
	d->n++;${calls ? '\n\tdemo_a(d);\n\tdemo_b(d);\n\tdemo_flush(d);' : ''}
	return 0;
}
`;
const CALLER = `#include "demo.h"

void demo_tick(struct demo *d)
{
	spin_lock(&d->lock);
	demo_f(d);
	spin_unlock(&d->lock);
}
`;

let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  repo.commit('demo: add\n', { files: { 'fs/demo/helpers.c': HELPERS, 'fs/demo/work.c': work(false), 'fs/demo/tick.c': CALLER } });
  repo.commit('demo: f calls the helpers\n', { files: { 'fs/demo/work.c': work(true) } });
});
afterAll(() => repo.remove());

describe("the callers check's helpers of a directory", { timeout: 120_000 }, () => {
  it('are listed once per check, however many helpers it follows', async () => {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patches.push(p);
    const [patch] = patches;
    const history = await openHistory(repo.dir);
    const listings: string[] = [];
    let findings: string[] = [];
    try {
      const ws = await createWorkspace(patch, { repo: repo.dir, history });
      const baseFileIds = ws.baseFileIds!.bind(ws);
      const workspace = { ...ws, baseFileIds: (d: string) => (listings.push(d), baseFileIds(d)) };
      const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      findings = (await lockCheck.run({ patch, series, workspace, config: defaultConfig() })).filter((f) => f.id === 'lock/sleep-in-atomic').map((f) => f.message);
    } finally {
      await history.close();
    }
    expect(findings).toEqual([expect.stringMatching(/^demo_f\(\) now calls demo_flush\(\), which sleeps/)]);
    // The summaries of the pre- and post-image list it once each, the callers check once.
    expect(listings).toEqual(['fs/demo', 'fs/demo', 'fs/demo']);
  });
});
