// The lock rules cite real fixes as precedents by commit id; their subjects are looked up in the
// repository once per History, not at every commit of a range (it asked for the same ids each time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

const file = (n: number): string => `#include <linux/mm.h>\n\nint step(struct page *page)\n{\n\tlock_page(page);\n${Array.from({ length: n }, (_, k) => `\tpage->index += ${k};\n`).join('')}\tunlock_page(page);\n\treturn 0;\n}\n`;
const COMMITS = 3;
let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  repo.commit('mm: add step\n', { files: { 'mm/step.c': file(1) } });
  for (let i = 2; i <= COMMITS + 1; i++) repo.commit(`mm: step ${i}\n`, { files: { 'mm/step.c': file(i) } });
});
afterAll(() => repo.remove());

describe('rule precedents over a range', { timeout: 120_000 }, () => {
  it('are looked up once per History, not per commit', async () => {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, [`HEAD~${COMMITS}..HEAD`])) patches.push(p);
    expect(patches).toHaveLength(COMMITS);
    const history = await openHistory(repo.dir);
    let lookups = 0;
    const resolve = history.resolve.bind(history);
    history.resolve = (ids) => (lookups++, resolve(ids));
    try {
      for (const patch of patches) {
        const workspace = await createWorkspace(patch, { repo: repo.dir, history });
        const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
        await lockCheck.run({ patch, series, workspace, config: defaultConfig() });
      }
    } finally {
      await history.close();
    }
    expect(lookups).toBe(1);
  });
});
