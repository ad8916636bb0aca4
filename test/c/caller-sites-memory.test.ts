// What the callers check (checks/lock/callers.ts) keeps from one review to the next: per call site,
// the enclosing function's name and the locks it holds there. Over a range every commit brings new
// versions of caller files; a name or lock key kept as V8 cut it from the file's text (a substring
// of 13 characters or more is a slice that keeps its whole parent alive) held one text per caller
// file version. Generated data: 40 caller functions of 64 KB, each calling the changed function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetCallerScans } from '../../checks/lock/callers.js';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { heldHeap } from '../helpers/collect.js';
import { TestRepo } from '../helpers/git-repo.js';

const CALLERS = 40;
const PADDING = '\td->statistics_of_the_caller_function += 1;\n'.repeat(1400);

const HELPERS = `#include "demo.h"

void demo_flush(struct demo *d)
{
	mark_buffer_dirty(d->bh);
	sync_dirty_buffer(d->bh);
}
`;
// The changed function: its name, a slice of its file's text, is part of the memo's keys.
const work = (flushes: boolean): string => `#include "demo.h"

int demo_function_the_patch_changes(struct demo *d)
{
${'\td->statistics_of_the_changed_function += 1;\n'.repeat(40_000)}
	d->n++;${flushes ? '\n\tdemo_flush(d);' : ''}
	return 0;
}
`;
// A caller under a mutex (not atomic: every call site is walked, none is a finding), with a
// function name and a lock key long enough to be V8 slices.
const caller = (i: number): string => `#include "demo.h"

void demo_caller_function_number_${i}(struct demo *d)
{
${PADDING}
	mutex_lock(&d->demo_mutex_of_the_caller);
	demo_function_the_patch_changes(d);
	mutex_unlock(&d->demo_mutex_of_the_caller);
}
`;

let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  const files: Record<string, string> = { 'fs/demo/helpers.c': HELPERS, 'fs/demo/work.c': work(false) };
  for (let i = 0; i < CALLERS; i++) files[`fs/demo/caller_${String(i).padStart(2, '0')}.c`] = caller(i);
  repo.commit('demo: add\n', { files });
  repo.commit('demo: f flushes\n', { files: { 'fs/demo/work.c': work(true) } });
});
afterAll(() => repo.remove());

/** Review HEAD; the paths of the base tree it read. */
async function review(): Promise<string[]> {
  const reads: string[] = [];
  const patches: Patch[] = [];
  for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patches.push(p);
  const [patch] = patches;
  const history = await openHistory(repo.dir);
  try {
    const ws = await createWorkspace(patch, { repo: repo.dir, history });
    const readBaseFile = ws.readBaseFile.bind(ws);
    const workspace = { ...ws, readBaseFile: (p: string) => (reads.push(p), readBaseFile(p)) };
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    await lockCheck.run({ patch, series, workspace, config: defaultConfig() });
  } finally {
    await history.close();
  }
  return reads;
}

describe("the callers check's memo of call sites", { timeout: 120_000 }, () => {
  it('keeps no caller file texts alive', async () => {
    forgetCallerScans();
    await review();
    const withMemos = heldHeap();
    forgetCallerScans();
    const given = withMemos - heldHeap();
    // 40 texts of 64 KB are 2.5 MB, the changed file's 1.9 MB; 40 sites' names and locks, and the directory's helpers, some KB.
    expect(given).toBeLessThan(1 << 20);
  });

  it('answers a call site it knows by blob id without reading the caller file again', async () => {
    forgetCallerScans();
    const first = await review();
    const again = await review();
    expect(first.filter((p) => p.includes('/caller_'))).toHaveLength(CALLERS);
    expect(again.filter((p) => p.includes('/caller_'))).toEqual([]);
  });
});
