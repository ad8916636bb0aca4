// A function named for starting something, that returns the object it looked up with the parent's
// lock held for its caller to end, is not unbalanced. Re-told from a real linux-cifs series (VFS
// start_dirop(), v6 02/15, November 2025): simple_start_creating() in 6.1-era code locks the
// directory, unlocks it on each failure (one of them returns the lookup's error pointer through
// the same variable as the success path) and returns the new dentry locked; the patch rewrote it,
// and kreview said "This looks like a fix: the unbalanced problem in simple_start_creating() is
// gone", an old leak that never was.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly } from '../../test/c/lock-harness.js';

const F = 'fs/stash/names.c';
const unbalanced = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/unbalanced');

const OTHER = `int stash_count(struct stash *s)
{
\treturn s->count;
}
`;

/** Takes the lock, drops it on the failures, returns the dentry with it held. */
const STARTS = (name: string): string => `${OTHER}
struct dentry *${name}(struct dentry *parent, const char *label)
{
\tstruct dentry *child;
\tstruct inode *dir = d_inode(parent);

\tinode_lock(dir);
\tif (stash_dead(dir)) {
\t\tinode_unlock(dir);
\t\treturn ERR_PTR(-ENOENT);
\t}
\tchild = stash_lookup(parent, label);
\tif (IS_ERR(child)) {
\t\tinode_unlock(dir);
\t\treturn child;
\t}
\tif (child->d_inode) {
\t\tdput(child);
\t\tinode_unlock(dir);
\t\treturn ERR_PTR(-EEXIST);
\t}
\treturn child;
}
`;

describe('a start function that returns its lookup locked', () => {
  it('is no leak when a patch adds it', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: OTHER }, after: { [F]: STARTS('stash_start_creating') } });
    expect(unbalanced(findings)).toEqual([]);
  });

  it('the same body under a name that opens nothing is still one', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: OTHER }, after: { [F]: STARTS('stash_make_child') } });
    expect(unbalanced(findings).map((f) => f.message)).toEqual([expect.stringMatching(/^stash_make_child\(\) can return with the sleeping lock on dir held/)]);
  });
});
