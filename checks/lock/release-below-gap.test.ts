// A lock whose only sign in a hunk-only review is a release below an unseen stretch of the function
// may have been taken in that stretch. Re-told from a real linux-cifs series (VFS
// start_creating_killable(), v6 09/15, November 2025): btrfs_mksubvol() took the parent's rwsem,
// returned at once if that failed, jumped to its last label if the lookup failed, and, between the two
// hunks the patch showed, took a second rwsem that the second hunk's `out_up_read:` label dropped.
// Reading that second rwsem as held from the top of the function, kreview found the early return and
// the early jump keeping it, and said "This looks like a fix: the unbalanced problem in ... is gone"
// of a patch that only replaced the lookup with a helper.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly } from '../../test/c/lock-harness.js';

const F = 'fs/shelf/ioctl.c';
const unbalanced = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/unbalanced');

/** Unchanged lines enough to keep hunks apart. */
const pad = (n: number, what: string): string => Array.from({ length: n }, (_, i) => `\tshelf_${what}(shelf, ${i});\n`).join('');

const BEFORE = `static int shelf_make_volume(struct dentry *parent, struct shelf *shelf, const struct qstr *name)
{
\tstruct inode *dir = d_inode(parent);
\tstruct dentry *dentry;
\tint ret;

${pad(6, 'trace')}
\tret = down_write_killable(&dir->i_rwsem);
\tif (ret == -EINTR)
\t\treturn ret;

\tdentry = lookup_one(name, parent);
\tret = PTR_ERR(dentry);
\tif (IS_ERR(dentry))
\t\tgoto out_unlock;

\tret = shelf_may_create(dir, dentry);
\tif (ret)
\t\tgoto out_dput;
${pad(8, 'check')}
\tdown_read(&shelf->vol_sem);
${pad(8, 'note')}
\tret = shelf_create_volume(shelf, dir, dentry);
out_up_read:
\tup_read(&shelf->vol_sem);
out_dput:
\tdput(dentry);
out_unlock:
\tup_write(&dir->i_rwsem);
\treturn ret;
}
`;

/** The lookup and the unlocks handed to a start and an end helper. */
const AFTER = BEFORE.replace(
  '\tret = down_write_killable(&dir->i_rwsem);\n\tif (ret == -EINTR)\n\t\treturn ret;\n\n\tdentry = lookup_one(name, parent);\n\tret = PTR_ERR(dentry);\n\tif (IS_ERR(dentry))\n\t\tgoto out_unlock;',
  '\tdentry = shelf_start_creating(parent, name);\n\tif (IS_ERR(dentry))\n\t\treturn PTR_ERR(dentry);',
).replace('\tdput(dentry);\nout_unlock:\n\tup_write(&dir->i_rwsem);', '\tshelf_end_creating(dentry, parent);');

/** A lock taken above a hunk that releases it, a new early return in that hunk, and a later hunk past a gap. */
const FLUSH = `static int shelf_flush(struct shelf *shelf)
{
\tint ret;

${pad(8, 'trace')}
\tret = shelf_check(shelf);
\tif (ret) {
\t\tup_read(&shelf->vol_sem);
\t\treturn ret;
\t}
\tup_read(&shelf->vol_sem);
${pad(12, 'note')}
\tshelf_done(shelf, 0);
\treturn 0;
}
`;
const FLUSH_AFTER = FLUSH.replace('\t}\n\tup_read(&shelf->vol_sem);', '\t}\n\tret = shelf_fill(shelf);\n\tif (ret)\n\t\treturn ret;\n\tup_read(&shelf->vol_sem);').replace('\tshelf_done(shelf, 0);', '\tshelf_done(shelf, 1);');

/**
 * Re-told from ext4_expand_extra_isize() and its real bug (a jump moved past the xattr unlock): the
 * lock is taken above the hunks, the early jump of the first hunk went to a label above the unlock in
 * the second. The pre-image's jump says the lock is held above the unseen stretch.
 */
const EXPAND = `int shelf_expand(struct inode *inode, struct shelf_loc *loc, handle_t *handle)
{
\tint no_expand;
\tint error, rc;

\text4_write_lock_xattr(inode, &no_expand);
${pad(8, 'trace')}
\terror = shelf_get_write_access(handle, loc->bh);
\tif (error) {
\t\tbrelse(loc->bh);
\t\tgoto out_unlock;
\t}
${pad(8, 'grow')}
\tif (!error)
\t\terror = rc;

out_unlock:
\text4_write_unlock_xattr(inode, &no_expand);
\tshelf_journal_stop(handle);
\treturn error;
}
`;
const EXPAND_BUG = EXPAND.replace('\t\tgoto out_unlock;', '\t\tgoto out_stop;').replace('out_unlock:\n\text4_write_unlock_xattr(inode, &no_expand);\n', '\text4_write_unlock_xattr(inode, &no_expand);\nout_stop:\n');

describe('a lock released only below an unseen stretch (hunk-only)', () => {
  it('a jump above the stretch to a label above the release says it was held there: a jump moved past the release leaks', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: EXPAND }, after: { [F]: EXPAND_BUG } });
    expect(unbalanced(findings).map((f) => f.message)).toEqual([expect.stringMatching(/^shelf_expand\(\) .*held/)]);
  });

  it('is not held on the paths that leave above the stretch: no fix claimed for a patch that fixes nothing', async () => {
    expect(AFTER).not.toContain('down_write_killable');
    const { findings } = await runHunkOnly({ before: { [F]: BEFORE }, after: { [F]: AFTER } });
    expect(unbalanced(findings)).toEqual([]);
  });

  it('a release above the first unseen stretch still says the lock was held: a new return before it leaks', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: FLUSH }, after: { [F]: FLUSH_AFTER } });
    expect(unbalanced(findings).map((f) => f.message)).toEqual([expect.stringMatching(/^shelf_flush\(\) .*vol_sem/)]);
  });
});
