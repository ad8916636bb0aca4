// checks/rules/freeze.yml with the entry rule of entry.yml: freeze protection asked for inside a
// running transaction handle. The shape is the real ext4 fix reversed (bench/lock-cases/manifest.yml:
// ext4-evict-freeze-order), re-told with a made-up eviction whose orphan cleanup needs a handle:
// the fix asks the journal for a running handle first; the bug always takes freeze protection.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from '../../test/c/lock-harness.js';

const F = 'fs/ext4/inode.c';
const freeze = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/freeze-under-transaction' && !/looks like a fix/.test(f.message));

const FIXED = `void ext4_evict_inode(struct inode *inode)
{
	handle_t *handle;
	bool protected = false;

	if (inode->i_nlink)
		goto keep;
	/* a caller's running handle already holds off a freeze */
	if (!ext4_journal_current_handle()) {
		sb_start_intwrite(inode->i_sb);
		protected = true;
	}
	handle = ext4_journal_start(inode, EXT4_HT_TRUNCATE, 3);
	if (IS_ERR(handle)) {
		if (protected)
			sb_end_intwrite(inode->i_sb);
		goto keep;
	}
	demo_orphan_cleanup(handle, inode);
	ext4_journal_stop(handle);
	if (protected)
		sb_end_intwrite(inode->i_sb);
	return;
keep:
	clear_inode(inode);
}
`;
const BUG = FIXED.replace('\tbool protected = false;\n', '')
  .replace('\t/* a caller\'s running handle already holds off a freeze */\n\tif (!ext4_journal_current_handle()) {\n\t\tsb_start_intwrite(inode->i_sb);\n\t\tprotected = true;\n\t}\n', '\tsb_start_intwrite(inode->i_sb);\n')
  .replace('\t\tif (protected)\n\t\t\tsb_end_intwrite(inode->i_sb);\n', '\t\tsb_end_intwrite(inode->i_sb);\n')
  .replace('\tif (protected)\n\t\tsb_end_intwrite(inode->i_sb);\n', '\tsb_end_intwrite(inode->i_sb);\n');

describe('freeze protection inside a running handle', () => {
  it('fires on ext4 eviction taking sb_start_intwrite() without asking for the running handle', async () => {
    expect(BUG).not.toContain('protected');
    const found = freeze(await runLockCase({ before: { [F]: FIXED }, after: { [F]: BUG } }));
    expect(found.map((f) => f.location)).toEqual([{ kind: 'file', path: F, line: BUG.split('\n').findIndex((l) => l.includes('sb_start_intwrite')) + 1 }]);
    expect(found[0].message).toMatch(/^sb_start_intwrite\(\) is called with the transaction handle/);
  });

  it('is quiet on the fix, which skips the protection inside a handle', async () => {
    expect(freeze(await runLockCase({ before: { [F]: BUG }, after: { [F]: FIXED } }))).toEqual([]);
  });

  it('fires on freeze protection asked for after a function started its own handle', async () => {
    const own = `int demo_punch(struct inode *inode)
{
	handle_t *handle = ext4_journal_start(inode, EXT4_HT_MISC, 1);

	if (IS_ERR(handle))
		return PTR_ERR(handle);
	sb_start_write(inode->i_sb);
	demo_punch_blocks(handle, inode);
	sb_end_write(inode->i_sb);
	return ext4_journal_stop(handle);
}
`;
    const base = own.replace('\tsb_start_write(inode->i_sb);\n', '').replace('\tsb_end_write(inode->i_sb);\n', '');
    expect(freeze(await runLockCase({ before: { [F]: base }, after: { [F]: own } }))).toHaveLength(1);
  });
});
