// A patch that moves a function's unlocks into a helper it calls instead is not a leak. Re-told
// from a real linux-cifs series (VFS start_removing()/end_removing(), v6 05/15 and 13/15, November
// 2025): each `inode_unlock(d_inode(dir))` of a function entered with the directory locked became
// a call of the series' new end_removing(), whose body no hunk shows. kreview said the function
// "returns -ESTALE here with the sleeping lock held, where before the patch this path released it",
// once per way out. Dropping the unlock from one path while others keep theirs is still a leak.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly } from '../../test/c/lock-harness.js';

const F = 'fs/stash/retire.c';
const unbalanced = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/unbalanced' && !/looks like a fix/.test(f.message));

/** Enough unchanged lines after the changed ones that the hunks do not reach the end of the function. */
const tail = Array.from({ length: 14 }, (_, i) => `\tstash_note(stash, ${i});\n`).join('');

const BEFORE = `int stash_retire(struct stash *stash, struct dentry *dir, struct dentry *old)
{
\tint err;

\tstash_trace(dir, old);

\tif (old->d_parent != dir) {
\t\tinode_unlock(d_inode(dir));
\t\treturn -ESTALE;
\t}

\tif (!d_is_dir(old)) {
\t\terr = stash_drop_file(stash, dir, old);
\t\tinode_unlock(d_inode(dir));
\t\treturn err;
\t}

\tinode_unlock(d_inode(dir));
${tail}\treturn stash_move_to_attic(stash, old);
}
`;

/** Every unlock handed to the helper that now ends the removal. */
const MOVED = BEFORE.replaceAll('\t\tinode_unlock(d_inode(dir));\n', '\t\tstash_end_removal(old);\n').replace('\tinode_unlock(d_inode(dir));\n\tstash_note', '\tstash_end_removal(old);\n\tstash_note');

/** One path loses its unlock; the others keep theirs. */
const DROPPED = BEFORE.replace('\t\tinode_unlock(d_inode(dir));\n\t\treturn -ESTALE;', '\t\treturn -ESTALE;');

describe('unlocks moved into a helper the patch calls instead', () => {
  it('are not a lock kept on each way out', async () => {
    expect(MOVED).not.toContain('inode_unlock');
    const { findings } = await runHunkOnly({ before: { [F]: BEFORE }, after: { [F]: MOVED } });
    expect(unbalanced(findings)).toEqual([]);
  });

  it('one path that stops unlocking while the others still do is still a leak', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: BEFORE }, after: { [F]: DROPPED } });
    expect(unbalanced(findings).map((f) => f.message)).toEqual([expect.stringMatching(/^stash_retire\(\) returns -ESTALE here with the sleeping lock on d_inode\(dir\) held/)]);
  });
});
