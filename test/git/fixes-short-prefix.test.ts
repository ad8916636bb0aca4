// A `Fixes:` tag with a very short id names every commit that id starts: only its subject says
// which one it fixes. Two real commits made to share their first four digits.
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
afterAll(() => repo.remove());


describe('fixersOf with a short id', () => {
  it('counts a tag whose subject names the commit, not one naming another commit with the same first digits', async () => {
    const a = repo.commit('mm: introduce the bug\n', { files: { 'mm/a.c': 'int bug;\n' } });
    const b = repo.commitWithPrefix(a.slice(0, 4), 'mm: an unrelated change');
    expect(b.slice(0, 4)).toBe(a.slice(0, 4));
    const fix = repo.commit(`mm: fix the bug\n\nFixes: ${a.slice(0, 4)} ("mm: introduce the bug")\n`, { files: { 'mm/a.c': 'int fixed;\n' } });
    repo.commit(`mm: fix something\n\nFixes: ${a.slice(0, 4)}\n`, { files: { 'mm/a.c': 'int fixed2;\n' } });
    const full = repo.commit(`mm: fix the change\n\nFixes: ${b.slice(0, 12)} ("mm: an unrelated change 0")\n`, { files: { 'mm/a.c': 'int fixed3;\n' } });
    const h = await openHistory(repo.dir);
    try {
      // The tag naming the prefix without a subject fixes neither.
      expect((await h.fixersOf(a, 'HEAD')).map((c) => c.oid)).toEqual([fix]);
      expect((await h.fixersOf(b, 'HEAD')).map((c) => c.oid)).toEqual([full]);
    } finally {
      await h.close();
    }
  });
});
