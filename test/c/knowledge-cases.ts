// Lock knowledge added as rule data (checks/rules/xfs.yml, filesystems.yml, the xa_lock and sleeping
// entries of primitives.yml and atomic.yml, the btrfs and XFS orders), each case re-told in our own
// words from the shape of a real kernel function or a real fix. Same format as rule-cases.ts: lines
// starting with "+" exist only after the patch, "-" only before.
import type { RuleCase } from './rule-cases.js';

export const KNOWLEDGE_CASES: RuleCase[] = [
  // xa_lock is the XArray's spinlock (a page cache insert done under i_pages).
  {
    name: 'a sleeping allocation added under xa_lock_irq() fires',
    dir: 'mm',
    code: `
static int FN(struct address_space *mapping, pgoff_t index, void *entry)
{
	struct FN_node *node;

	xa_lock_irq(&mapping->i_pages);
+	node = kmalloc(sizeof(*node), GFP_KERNEL);
	FN_store(mapping, index, entry, node);
	xa_unlock_irq(&mapping->i_pages);
	return 0;
}`,
    fire: ['lock/sleep-in-atomic'],
    anchor: 'GFP_KERNEL',
  },
  {
    name: 'an atomic allocation under xa_lock_irq() stays quiet',
    dir: 'mm',
    code: `
static int FN(struct address_space *mapping, pgoff_t index, void *entry)
{
	struct FN_node *node;

	xa_lock_irq(&mapping->i_pages);
+	node = kmalloc(sizeof(*node), GFP_ATOMIC);
	FN_store(mapping, index, entry, node);
	xa_unlock_irq(&mapping->i_pages);
	return 0;
}`,
    fire: [],
  },
  // mm/workingset.c's shadow-node isolation, re-told: called with the LRU lock held, it try-locks the
  // mapping's XArray, drops the LRU lock when that fails, and later drops the XArray lock it got.
  // xa_unlock_irq() of the XArray must not be taken for a second release of the LRU lock.
  {
    name: 'an xa_trylock() success path that drops the XArray lock is not a double unlock of the caller lock',
    dir: 'mm',
    code: `
static int FN(struct FN_item *item, spinlock_t *lru_lock)
	__must_hold(lru_lock)
{
	struct address_space *mapping = item->mapping;
	int ret;

	if (!xa_trylock(&mapping->i_pages)) {
		spin_unlock_irq(lru_lock);
		ret = -EAGAIN;
		goto out;
	}
	FN_detach(item);
	spin_unlock(lru_lock);
+	FN_clear_shadow(mapping, item);
	xa_unlock_irq(&mapping->i_pages);
	ret = 0;
out:
	spin_lock_irq(lru_lock);
	return ret;
}`,
    fire: [],
  },
  // kern_path() walks the path and may sleep: not inside an RCU read-side section.
  {
    name: 'kern_path() added inside rcu_read_lock() fires',
    dir: 'fs/gadget',
    code: `
static int FN(struct FN_export *exp, const char *name)
{
	struct path path;
	int err;

	rcu_read_lock();
+	err = kern_path(name, LOOKUP_FOLLOW, &path);
	FN_note_export(rcu_dereference(exp->client), err);
	rcu_read_unlock();
	return err;
}`,
    fire: ['lock/sleep-in-atomic'],
    anchor: 'kern_path',
  },
  {
    name: 'kern_path() before rcu_read_lock() stays quiet',
    dir: 'fs/gadget',
    code: `
static int FN(struct FN_export *exp, const char *name)
{
	struct path path;
	int err;

+	err = kern_path(name, LOOKUP_FOLLOW, &path);
	rcu_read_lock();
	FN_note_export(rcu_dereference(exp->client), err);
	rcu_read_unlock();
	return err;
}`,
    fire: [],
  },
  // XFS: the mode bits name which of an inode's locks are taken; the IOLOCK and the ILOCK are two locks.
  {
    name: 'an xfs error return that drops the ILOCK but keeps the IOLOCK fires',
    dir: 'fs/xfs',
    code: `
static int FN(struct xfs_inode *ip, loff_t pos)
{
	int error;

	xfs_ilock(ip, XFS_IOLOCK_EXCL);
	xfs_ilock(ip, XFS_ILOCK_EXCL);
	error = FN_check(ip, pos);
	if (error) {
		xfs_iunlock(ip, XFS_ILOCK_EXCL);
+		return error;
	}
	FN_update(ip, pos);
	xfs_iunlock(ip, XFS_ILOCK_EXCL | XFS_IOLOCK_EXCL);
	return 0;
}`,
    fire: ['lock/unbalanced'],
    anchor: 'return error',
  },
  // A mode held in a variable says nothing about which locks are dropped: forgotten, not guessed.
  {
    name: 'an xfs unlock by a mode variable on one path and by name on another stays quiet',
    dir: 'fs/xfs',
    code: `
static int FN(struct xfs_inode *ip, unsigned int lock_mode)
{
	xfs_ilock(ip, XFS_ILOCK_EXCL);
	if (FN_busy(ip)) {
		xfs_iunlock(ip, XFS_ILOCK_EXCL);
		return -EAGAIN;
	}
+	FN_touch(ip);
	xfs_iunlock(ip, lock_mode);
	return 0;
}`,
    fire: [],
  },
  // Joining an inode to a transaction with lock flags hands its ILOCK to the commit.
  {
    name: 'an xfs ILOCK handed to the transaction by xfs_trans_ijoin() is no leak',
    dir: 'fs/xfs',
    code: `
static int FN(struct xfs_trans *tp, struct xfs_inode *ip)
{
	int error;

	xfs_ilock(ip, XFS_ILOCK_EXCL);
	error = FN_reserve_quota(tp, ip);
	if (error) {
		xfs_iunlock(ip, XFS_ILOCK_EXCL);
		return error;
	}
	xfs_trans_ijoin(tp, ip, XFS_ILOCK_EXCL);
+	FN_log_size(tp, ip);
	return xfs_trans_commit(tp);
}`,
    fire: [],
  },
  // XFS reserves the transaction before it takes the ILOCK.
  {
    name: 'an xfs transaction allocated with the ILOCK held fires as an order inversion',
    dir: 'fs/xfs',
    code: `
static int FN(struct xfs_mount *mp, struct xfs_inode *ip)
{
	struct xfs_trans *tp;
	int error;

	xfs_ilock(ip, XFS_ILOCK_EXCL);
+	error = xfs_trans_alloc(mp, &M_RES(mp)->tr_ichange, 0, 0, 0, &tp);
	if (error) {
		xfs_iunlock(ip, XFS_ILOCK_EXCL);
		return error;
	}
	FN_change(tp, ip);
	error = xfs_trans_commit(tp);
	xfs_iunlock(ip, XFS_ILOCK_EXCL);
	return error;
}`,
    fire: ['lock/lock-order-inversion'],
  },
  // btrfs locks the file range before it joins a transaction (joining reserves nothing, so it cannot
  // flush; starting one under the range lock is reserve-under-extent-lock).
  {
    name: 'a btrfs extent range locked inside a transaction fires as an order inversion',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_inode *inode, u64 start, u64 end)
{
	struct btrfs_trans_handle *trans;
	int ret;

	trans = btrfs_join_transaction(inode->root);
	if (IS_ERR(trans))
		return PTR_ERR(trans);
+	lock_extent(&inode->io_tree, start, end, NULL);
	ret = FN_update_range(trans, inode, start, end);
+	unlock_extent(&inode->io_tree, start, end, NULL);
	btrfs_end_transaction(trans);
	return ret;
}`,
    fire: ['lock/lock-order-inversion'],
  },
  {
    name: 'a btrfs extent range locked before the transaction starts stays quiet',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_inode *inode, u64 start, u64 end)
{
	struct btrfs_trans_handle *trans;
	int ret;

+	lock_extent(&inode->io_tree, start, end, NULL);
	trans = btrfs_join_transaction(inode->root);
	if (IS_ERR(trans)) {
+		unlock_extent(&inode->io_tree, start, end, NULL);
		return PTR_ERR(trans);
	}
	ret = FN_update_range(trans, inode, start, end);
	btrfs_end_transaction(trans);
+	unlock_extent(&inode->io_tree, start, end, NULL);
	return ret;
}`,
    fire: [],
  },
  // The buffer lock (the shape of jbd2's superblock write): submitted for I/O it is the I/O's to drop.
  {
    name: 'a buffer lock kept on an early error return fires, where the other path submits the buffer',
    dir: 'fs/gadget',
    code: `
static int FN(struct FN_journal *j)
{
	struct buffer_head *bh = j->sb_bh;

	lock_buffer(bh);
	if (!buffer_mapped(bh))
+		return -EIO;
	get_bh(bh);
	bh->b_end_io = end_buffer_write_sync;
	submit_bh(REQ_OP_WRITE | REQ_SYNC, bh);
	wait_on_buffer(bh);
	return 0;
}`,
    fire: ['lock/unbalanced'],
    anchor: 'return -EIO',
  },
  {
    name: 'a buffer unlocked on the early error return stays quiet',
    dir: 'fs/gadget',
    code: `
static int FN(struct FN_journal *j)
{
	struct buffer_head *bh = j->sb_bh;

	lock_buffer(bh);
	if (!buffer_mapped(bh)) {
		unlock_buffer(bh);
+		return -EIO;
	}
	get_bh(bh);
	bh->b_end_io = end_buffer_write_sync;
	submit_bh(REQ_OP_WRITE | REQ_SYNC, bh);
	wait_on_buffer(bh);
	return 0;
}`,
    fire: [],
  },
  // f2fs: an operation runs between f2fs_lock_op() and f2fs_unlock_op(); inode creation's failure
  // path hands the unlock to f2fs_handle_failed_inode().
  {
    name: 'an f2fs error return inside f2fs_lock_op() fires',
    dir: 'fs/f2fs',
    code: `
static int FN(struct inode *dir, struct dentry *dentry, struct f2fs_sb_info *sbi)
{
	int err;

	f2fs_lock_op(sbi);
	err = FN_add_link(dir, dentry);
	if (err)
+		return err;
	f2fs_unlock_op(sbi);
	return 0;
}`,
    fire: ['lock/unbalanced'],
    anchor: 'return err',
  },
  {
    name: 'an f2fs creation failure handed to f2fs_handle_failed_inode() stays quiet',
    dir: 'fs/f2fs',
    code: `
static int FN(struct inode *dir, struct dentry *dentry, struct inode *inode)
{
	struct f2fs_sb_info *sbi = F2FS_I_SB(dir);
	int err;

	f2fs_lock_op(sbi);
	err = FN_add_link(dir, dentry, inode);
	if (err)
		goto out;
	f2fs_unlock_op(sbi);
+	FN_instantiate(dentry, inode);
	return 0;
out:
	f2fs_handle_failed_inode(inode);
	return err;
}`,
    fire: [],
  },
  // f2fs_put_page(page, 1) unlocks before the put; f2fs_put_page(page, 0) does not.
  {
    name: 'an f2fs page put without unlocking on one path fires, where the other unlocks with the put',
    dir: 'fs/f2fs',
    code: `
static int FN(struct f2fs_sb_info *sbi, struct page *page)
{
	lock_page(page);
	if (FN_stale(sbi, page)) {
-		f2fs_put_page(page, 1);
+		f2fs_put_page(page, 0);
		return -ESTALE;
	}
	FN_mark(sbi, page);
	f2fs_put_page(page, 1);
	return 0;
}`,
    fire: ['lock/unbalanced'],
  },
  // ext4's xattr write lock, taken and dropped through helpers that keep the no-expand state.
  {
    name: 'an ext4 error return that keeps the xattr write lock fires',
    dir: 'fs/ext4',
    code: `
static int FN(struct inode *inode, handle_t *handle, struct buffer_head *bh)
{
	int no_expand;
	int error;

	ext4_write_lock_xattr(inode, &no_expand);
	error = FN_get_write_access(handle, bh);
	if (error)
+		return error;
	error = FN_expand(inode, handle, bh);
	ext4_write_unlock_xattr(inode, &no_expand);
	return error;
}`,
    fire: ['lock/unbalanced'],
    anchor: 'return error',
  },
];
