// History.expectFixesOf() asks git ahead about the ids a range's Fixes: tags name. For that the
// index reads its whole Fixes table into memory (45 ms of CPU on DPDK), worth it for a long range
// and not for a one-commit review of a long history, whose few questions go to git as its checks
// ask them: then nothing is read ahead, and a long range still gets every target.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { HistoryIndex } from '../../src/git/history-index.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
const cache = `${repo.dir}.cache`;
afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

describe('fixesTargetsOf', () => {
  it('reads nothing ahead for a short range of a long history, and every target for a long range', async () => {
    const commits: string[] = [];
    const targets: string[] = [];
    for (let i = 0; i < 40; i++) {
      const fixes = i > 0 && i % 4 === 0 ? `\n\nFixes: ${commits[i - 1].slice(0, 12)} ("x")\n` : '\n';
      if (fixes.length > 1) targets.push(commits[i - 1].slice(0, 12));
      commits.push(repo.commit(`lib: change ${i}${fixes}`, { files: { 'lib/a.c': `int v${i};\n` } }));
    }
    const h = await openHistory(repo.dir, { cacheDir: cache });
    try {
      const index = (h as unknown as { index: HistoryIndex }).index;
      const last = commits[commits.length - 4];
      expect(last).toBe(commits[36]);
      // One tagged commit of 40: nothing read ahead.
      expect(index.fixesTargetsOf([last], 100)).toEqual([]);
      // The whole history: every target once.
      expect(index.fixesTargetsOf(commits, 100).sort()).toEqual(targets.sort());
      // Once the table is in memory, a short range gets its own target.
      expect(index.fixesTargetsOf([last], 100)).toEqual([commits[35].slice(0, 12)]);
    } finally {
      await h.close();
    }
  });
});
