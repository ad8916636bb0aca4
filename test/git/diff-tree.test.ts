// The long-lived diff-tree process: pipelined diffs delimited by its echo marker, root commits, bad ids.
import { afterAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { DiffTree } from '../../src/git/diff-tree.js';
import { KreviewError } from '../../src/core/types.js';

const repo = new TestRepo();
const root = repo.commit('one\n', { files: { 'a.c': 'int a;\n' } });
const ids = [root];
for (let i = 0; i < 30; i++) ids.push(repo.commit(`change ${i}\n`, { files: { 'a.c': `int a${i};\n`, [`d/f${i}.c`]: 'x\n' } }));
afterAll(() => repo.remove());

describe('DiffTree', () => {
  it('answers many requests in order, each its own diff, the root against the empty tree', async () => {
    const dt = new DiffTree(repo.dir);
    const diffs = await Promise.all(ids.map((c, i) => dt.diff(c, i === 0 ? null : ids[i - 1])));
    expect(diffs[0]).toMatch(/^diff --git a\/a\.c b\/a\.c\nnew file mode 100644\n/);
    for (let i = 1; i < ids.length; i++) {
      expect(diffs[i]).toContain(`+int a${i - 1};`);
      expect(diffs[i]).toContain(`+++ b/d/f${i - 1}.c`);
      expect(diffs[i]).not.toContain(':kreview');
    }
    expect(diffs[5]).toBe(repo.git('diff-tree', '-p', '-M', '--full-index', '--no-commit-id', ids[4], ids[5]) + '\n');
    await dt.close();
    await expect(dt.diff(ids[1], ids[0])).rejects.toThrow(/closed/);
  });

  it('refuses anything but full ids without writing to git', async () => {
    const dt = new DiffTree(repo.dir);
    await expect(dt.diff('HEAD', null)).rejects.toThrow(KreviewError);
    await expect(dt.diff(ids[1], '--output=/tmp/x')).rejects.toThrow(KreviewError);
    await dt.close();
  });
});
