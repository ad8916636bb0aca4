// A case of the callers check (checks/lock/callers.ts) shared by its tests (callers.test.ts and
// helper-table.test.ts), re-told from ext2's: a descriptor lookup that complains loudly on a bad
// index, called while counting free space, which statfs does under the superblock spinlock; the
// complaint commits the superblock and, when asked to wait, writes it out synchronously
// (ext2_error -> ext2_sync_super -> sync_dirty_buffer).

/** The complaint before (a warning) and after (one that writes the superblock out). */
export const WARN_COMPLAINT = 'WARN(1, "group %u out of range", group);';
export const FAIL_COMPLAINT = 'demofs_fail(sb, "group out of range");';

/** fs/demofs/table.c: the lookup, with `complaint` on a bad index, and the free-space count that calls it. */
export const demofsTable = (complaint: string): string => `#include "demofs.h"

struct demofs_desc *demofs_desc_of(struct super_block *sb, unsigned int group)
{
	struct demofs_sb *sbi = DEMOFS_SB(sb);

	if (group >= sbi->groups) {
		${complaint}
		return NULL;
	}
	return sbi->descs[group];
}

unsigned long demofs_count_free(struct super_block *sb)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < DEMOFS_SB(sb)->groups; i++) {
		struct demofs_desc *d = demofs_desc_of(sb, i);

		if (d)
			n += d->free;
	}
	return n;
}
`;

/** The complaint's helpers: demofs_fail() commits the superblock and waits for it. */
export const DEMOFS_HELPERS = `void demofs_commit_super(struct super_block *sb, int wait)
{
	mark_buffer_dirty(DEMOFS_SB(sb)->sbh);
	if (wait)
		sync_dirty_buffer(DEMOFS_SB(sb)->sbh);
}

void demofs_fail(struct super_block *sb, const char *why)
{
	if (!sb_rdonly(sb))
		demofs_commit_super(sb, 1);
	printk(KERN_CRIT "demofs: %s\\n", why);
}

`;

/** statfs counting free space under the superblock's spinlock. */
export const DEMOFS_STATFS = `static int demofs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct demofs_sb *sbi = DEMOFS_SB(sb);

	spin_lock(&sbi->lock);
	buf->f_bfree = demofs_count_free(sb);
	spin_unlock(&sbi->lock);
	return 0;
}
`;
