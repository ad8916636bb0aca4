// checks/rules/f2fs.yml: d_invalidate() under f2fs's checkpoint lock. The shape is the real fix
// reversed (bench/lock-cases/manifest.yml: f2fs-unlink-cp-rwsem-twice), re-told with a made-up
// unlink of a casefolded directory; the fix, which drops the lock first, must stay quiet.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../../test/c/lock-harness.js';

const F = 'fs/f2fs/namei.c';
const evict = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/evict-under-cp-rwsem' && !/looks like a fix/.test(f.message));
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const FIXED = `static int demo_remove_name(struct inode *dir, struct dentry *dentry)
{
	struct f2fs_sb_info *sbi = F2FS_I_SB(dir);
	int err;

	f2fs_lock_op(sbi);
	err = demo_drop_entry(dir, dentry);
	f2fs_unlock_op(sbi);

	/* a casefolded directory keeps no negative dentries */
	if (IS_CASEFOLDED(dir))
		d_invalidate(dentry);
	return err;
}
`;
const BUG = FIXED.replace('\tf2fs_unlock_op(sbi);\n\n', '\n').replace('\t\td_invalidate(dentry);\n', '\t\td_invalidate(dentry);\n\tf2fs_unlock_op(sbi);\n');

describe('f2fs: d_invalidate() under cp_rwsem', () => {
  it('fires on d_invalidate() with f2fs_lock_op() held, from the mail and with a repository', async () => {
    expect(BUG).not.toBe(FIXED);
    const tree = evict(await runLockCase({ before: { [F]: FIXED }, after: { [F]: BUG } }));
    // Anchored where the patch took the unlock away (the call itself is a context line).
    expect(tree.map((f) => f.location)).toEqual([{ kind: 'file', path: F, line: lineOf(BUG, 'err = demo_drop_entry') + 1 }]);
    expect(tree[0].message).toMatch(/^d_invalidate\(\) is called with the f2fs checkpoint lock \(cp_rwsem\)/);
    const { findings } = await runHunkOnly({ before: { [F]: FIXED }, after: { [F]: BUG } });
    expect(evict(findings)).toHaveLength(1);
  });

  it('is quiet on the fix, which drops the lock first', async () => {
    expect(evict(await runLockCase({ before: { [F]: BUG }, after: { [F]: FIXED } }))).toEqual([]);
  });
});
