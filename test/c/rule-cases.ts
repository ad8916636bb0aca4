// The rule table: kernel-style functions, each a case that must fire (with the finding ids it must
// produce) or must stay quiet. Lines starting with "+" exist only after the patch, "-" only before.

export interface RuleCase {
  name: string;
  /** Directory of the case file (rules are scoped by path). */
  dir?: string;
  code: string;
  /** Non-note finding ids expected on this file, in any order; [] means quiet. */
  fire: string[];
  /** Text on the line the (first) finding must be anchored on. */
  anchor?: string;
  confidence?: 'high' | 'medium' | 'low';
  /** A note (severity note) id expected too, e.g. for fixes. */
  note?: string;
}

export const RULE_CASES: RuleCase[] = [
  // reserve-under-page-lock
  {
    name: 'reservation added inside a page-locked region fires',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

	lock_page(page);
+	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	set_page_dirty(page);
	unlock_page(page);
	return ret;
}`,
    fire: ['lock/reserve-under-page-lock'],
    anchor: 'btrfs_delalloc_reserve_space',
    confidence: 'high',
  },
  {
    name: 'lock added around an unchanged reservation fires on the lock line',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

+	lock_page(page);
	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
+	unlock_page(page);
	return ret;
}`,
    fire: ['lock/reserve-under-page-lock'],
    anchor: 'lock_page(page)',
  },
  {
    name: 'unlock removed before an unchanged reservation fires',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

	lock_page(page);
	set_page_dirty(page);
-	unlock_page(page);
+	ret = 0;
	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
+	unlock_page(page);
	return ret;
}`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'reservation made before the page lock is quiet',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

+	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	lock_page(page);
	set_page_dirty(page);
	unlock_page(page);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'NO_FLUSH reservation under the page lock is quiet',
    code: `
static int FN(struct btrfs_fs_info *fs_info, struct btrfs_block_rsv *rsv, struct page *page)
{
	int ret;

	lock_page(page);
+	ret = btrfs_reserve_metadata_bytes(fs_info, rsv, 4096, BTRFS_RESERVE_NO_FLUSH);
	unlock_page(page);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'flushing btrfs_reserve_metadata_bytes under the page lock fires',
    code: `
static int FN(struct btrfs_fs_info *fs_info, struct btrfs_block_rsv *rsv, struct page *page)
{
	int ret;

	lock_page(page);
+	ret = btrfs_reserve_metadata_bytes(fs_info, rsv, 4096, BTRFS_RESERVE_FLUSH_ALL);
	unlock_page(page);
	return ret;
}`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'trylock failure branch does not hold the lock',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	if (!trylock_page(page)) {
+		btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
		return -EAGAIN;
	}
	unlock_page(page);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'trylock success branch holds the lock',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	if (trylock_page(page)) {
+		btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
		unlock_page(page);
	}
	return 0;
}`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'lock_page_killable failure (non-zero) branch does not hold the lock',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret = lock_page_killable(page);

	if (ret) {
+		btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
		return ret;
	}
	unlock_page(page);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'after a successful lock_page_killable the lock is held',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	if (lock_page_killable(page))
		return -EINTR;
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'find_lock_page result is locked only when non-NULL',
    code: `
static int FN(struct inode *inode, struct address_space *mapping, pgoff_t index)
{
	struct page *page;

	page = find_lock_page(mapping, index);
	if (!page) {
+		btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
		return -ENOMEM;
	}
+	btrfs_check_data_free_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	unlock_page(page);
	put_page(page);
	return 0;
}`,
    fire: ['lock/reserve-under-page-lock'],
    anchor: 'btrfs_check_data_free_space',
  },
  {
    name: 'find_get_page does not lock the page',
    code: `
static int FN(struct inode *inode, struct address_space *mapping, pgoff_t index)
{
	struct page *page = find_get_page(mapping, index);

	if (!page)
		return -ENOENT;
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	put_page(page);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'pagecache_get_page with FGP_LOCK returns a locked page',
    code: `
static int FN(struct inode *inode, struct address_space *mapping, pgoff_t index)
{
	struct page *page = pagecache_get_page(mapping, index, FGP_LOCK | FGP_CREAT, GFP_NOFS);

	if (IS_ERR_OR_NULL(page))
		return -ENOMEM;
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'pagecache_get_page without FGP_LOCK does not lock',
    code: `
static int FN(struct inode *inode, struct address_space *mapping, pgoff_t index)
{
	struct page *page = pagecache_get_page(mapping, index, FGP_ACCESSED, 0);

	if (!page)
		return -ENOMEM;
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	put_page(page);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'backward goto again after an unlock: the wait is not under the lock',
    code: `
static void FN(struct inode *inode, struct page *page, u64 start, u64 len)
{
again:
	lock_page(page);
	if (PageWriteback(page)) {
		unlock_page(page);
+		btrfs_wait_ordered_range(inode, start, len);
		goto again;
	}
	unlock_page(page);
}`,
    fire: [],
  },
  {
    name: 'release in a branch that leaves by goto: the label is not locked',
    code: `
static int FN(struct inode *inode, struct page *page, int err)
{
	lock_page(page);
	if (err) {
		unlock_page(page);
		goto out;
	}
	unlock_page(page);
out:
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	return err;
}`,
    fire: [],
  },
  {
    name: 'lock held on some paths only is reported with low confidence',
    code: `
static int FN(struct inode *inode, struct page *page, int locked)
{
	if (!locked)
		lock_page(page);
+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/reserve-under-page-lock'],
    confidence: 'low',
  },
  {
    name: 'a ->writepage callback starts with its page locked',
    code: `
static int FN(struct page *page, struct writeback_control *wbc)
{
	struct inode *inode = page->mapping->host;

+	btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	unlock_page(page);
	return 0;
}

static const struct address_space_operations FN_aops = {
	.writepage = FN,
};`,
    fire: ['lock/reserve-under-page-lock'],
  },
  {
    name: 'a pre-existing problem in the touched function stays quiet',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

	lock_page(page);
	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
+	set_page_dirty(page);
	unlock_page(page);
	return ret;
}`,
    fire: [],
  },
  // transaction-under-page-lock
  {
    name: 'starting a btrfs transaction under the page lock fires',
    code: `
static int FN(struct btrfs_root *root, struct page *page)
{
	struct btrfs_trans_handle *trans;

	lock_page(page);
+	trans = btrfs_start_transaction(root, 1);
+	if (IS_ERR(trans)) {
+		unlock_page(page);
+		return PTR_ERR(trans);
+	}
+	btrfs_end_transaction(trans);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/transaction-under-page-lock'],
  },
  {
    name: 'forcing a jbd2 commit under the folio lock fires in btrfs',
    code: `
static int FN(journal_t *journal, struct folio *folio)
{
	folio_lock(folio);
+	jbd2_journal_force_commit(journal);
	folio_unlock(folio);
	return 0;
}`,
    fire: ['lock/transaction-under-page-lock'],
  },
  {
    name: 'xfs: transactions under the folio lock are the design',
    dir: 'fs/xfs',
    code: `
static int FN(journal_t *journal, struct xfs_mount *mp, struct folio *folio)
{
	struct xfs_trans *tp;

	folio_lock(folio);
+	jbd2_journal_force_commit(journal);
+	xfs_trans_alloc(mp, &M_RES(mp)->tr_write, 0, 0, 0, &tp);
	folio_unlock(folio);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'ext4: journal start under the page lock fires in fs/ext4',
    dir: 'fs/ext4',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	handle_t *handle;

	lock_page(page);
+	handle = ext4_journal_start(inode, EXT4_HT_WRITE_PAGE, 1);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/transaction-under-page-lock'],
  },
  // wait-under-page-lock
  {
    name: 'filemap_write_and_wait_range under the page lock fires',
    dir: 'fs/ext4',
    code: `
static int FN(struct address_space *mapping, struct page *page)
{
	lock_page(page);
+	filemap_write_and_wait_range(mapping, 0, LLONG_MAX);
	unlock_page(page);
	return 0;
}`,
    fire: ['lock/wait-under-page-lock'],
  },
  {
    name: 'waiting on writeback of the same page is quiet',
    code: `
static int FN(struct page *page)
{
	lock_page(page);
+	wait_on_page_writeback(page);
	unlock_page(page);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'waiting on writeback of another folio fires second-page-lock',
    code: `
static int FN(struct folio *folio, struct folio *other)
{
	folio_lock(folio);
+	folio_wait_writeback(other);
	folio_unlock(folio);
	return 0;
}`,
    fire: ['lock/second-page-lock'],
  },
  // teardown-under-page-lock
  {
    name: 'truncate_inode_pages under the page lock fires',
    code: `
static void FN(struct address_space *mapping, struct page *page)
{
	lock_page(page);
+	truncate_inode_pages(mapping, 0);
	unlock_page(page);
}`,
    fire: ['lock/teardown-under-page-lock'],
  },
  {
    name: 'plain iput under the page lock fires with medium confidence',
    code: `
static void FN(struct inode *inode, struct page *page)
{
	lock_page(page);
+	iput(inode);
	unlock_page(page);
}`,
    fire: ['lock/teardown-under-page-lock'],
    confidence: 'medium',
  },
  {
    name: 'a delayed iput under the page lock is quiet',
    code: `
static void FN(struct inode *inode, struct page *page)
{
	lock_page(page);
+	btrfs_add_delayed_iput(BTRFS_I(inode));
	unlock_page(page);
}`,
    fire: [],
  },
  // order-under-page-lock
  {
    name: 'mmap_read_lock under the folio lock fires',
    dir: 'mm',
    code: `
static void FN(struct mm_struct *mm, struct folio *folio)
{
	folio_lock(folio);
+	mmap_read_lock(mm);
+	mmap_read_unlock(mm);
	folio_unlock(folio);
}`,
    fire: ['lock/order-under-page-lock'],
  },
  {
    name: 'mmap_lock then folio lock is the documented order',
    dir: 'mm/order',
    code: `
static void FN(struct mm_struct *mm, struct folio *folio)
{
	mmap_read_lock(mm);
+	folio_lock(folio);
+	folio_unlock(folio);
	mmap_read_unlock(mm);
}`,
    fire: [],
  },
  {
    name: 'page then extent lock is btrfs order',
    code: `
static void FN(struct extent_io_tree *tree, struct page *page, u64 start, u64 end)
{
	lock_page(page);
+	lock_extent(tree, start, end, NULL);
+	unlock_extent(tree, start, end, NULL);
	unlock_page(page);
}`,
    fire: [],
  },
  // fault-under-page-lock
  {
    name: 'copy_from_user under the page lock fires',
    code: `
static int FN(struct page *page, void *dst, const void __user *src, size_t len)
{
	int ret = 0;

	lock_page(page);
+	if (copy_from_user(dst, src, len))
+		ret = -EFAULT;
	unlock_page(page);
	return ret;
}`,
    fire: ['lock/fault-under-page-lock'],
    confidence: 'high',
  },
  {
    name: 'a user copy with page faults disabled is lower confidence',
    code: `
static int FN(struct page *page, void *dst, const void __user *src, size_t len)
{
	int left;

	lock_page(page);
	pagefault_disable();
+	left = __copy_from_user_inatomic(dst, src, len);
	pagefault_enable();
	unlock_page(page);
	return left;
}`,
    fire: ['lock/fault-under-page-lock'],
    confidence: 'medium',
  },
  {
    name: 'pinning user pages under the page lock fires',
    code: `
static long FN(struct page *page, unsigned long addr, struct page **pages)
{
	long got;

	lock_page(page);
+	got = get_user_pages_fast(addr, 1, FOLL_WRITE, pages);
	unlock_page(page);
	return got;
}`,
    fire: ['lock/fault-under-page-lock'],
  },
  {
    // get_user_pages_fast_only() fails rather than fault (it is callable in atomic context): the
    // pattern 'get_user_pages*' that matched it is now a list of exact names
    name: 'the fast-only user page lookup under the page lock is quiet',
    code: `
static long FN(struct page *page, unsigned long addr, struct page **pages)
{
	long got;

	lock_page(page);
+	got = get_user_pages_fast_only(addr, 1, FOLL_WRITE, pages);
	unlock_page(page);
	return got;
}`,
    fire: [],
  },
  // second-page-lock
  {
    name: 'locking a second page without index order fires',
    code: `
static void FN(struct page *page, struct page *other)
{
	lock_page(page);
+	lock_page(other);
+	unlock_page(other);
	unlock_page(page);
}`,
    fire: ['lock/second-page-lock'],
  },
  {
    name: 'locking pages in a loop (ascending index) is quiet',
    code: `
static void FN(struct page *page, struct page **pages, int n)
{
	int i;

	lock_page(page);
+	for (i = 0; i < n; i++)
+		lock_page(pages[i]);
	unlock_page(page);
}`,
    fire: [],
  },
  // reserve-under-extent-lock
  {
    name: 'reservation under the extent range lock fires',
    code: `
static int FN(struct btrfs_inode *inode, struct extent_io_tree *tree, u64 start, u64 end)
{
	int ret;

	lock_extent(tree, start, end, NULL);
+	ret = btrfs_delalloc_reserve_metadata(inode, end - start + 1, end - start + 1, false);
	unlock_extent(tree, start, end, NULL);
	return ret;
}`,
    fire: ['lock/reserve-under-extent-lock'],
  },
  // flush-under-transaction
  {
    name: 'a flushing reservation inside a transaction fires',
    code: `
static int FN(struct btrfs_root *root, struct btrfs_block_rsv *rsv)
{
	struct btrfs_trans_handle *trans;
	int ret;

	trans = btrfs_start_transaction(root, 0);
	if (IS_ERR(trans))
		return PTR_ERR(trans);
+	ret = btrfs_block_rsv_refill(root->fs_info, rsv, 4096, BTRFS_RESERVE_FLUSH_ALL);
	btrfs_end_transaction(trans);
	return ret;
}`,
    fire: ['lock/flush-under-transaction'],
  },
  {
    name: 'NO_FLUSH inside a transaction is quiet, and so is flushing after it ends',
    code: `
static int FN(struct btrfs_root *root, struct btrfs_block_rsv *rsv)
{
	struct btrfs_trans_handle *trans;
	int ret;

	trans = btrfs_start_transaction(root, 0);
	if (IS_ERR(trans)) {
+		btrfs_block_rsv_refill(root->fs_info, rsv, 4096, BTRFS_RESERVE_FLUSH_ALL);
		return PTR_ERR(trans);
	}
+	ret = btrfs_block_rsv_refill(root->fs_info, rsv, 4096, BTRFS_RESERVE_NO_FLUSH);
	btrfs_end_transaction(trans);
+	ret = btrfs_block_rsv_refill(root->fs_info, rsv, 4096, BTRFS_RESERVE_FLUSH_ALL);
	return ret;
}`,
    fire: [],
  },
  // sleep-in-atomic
  {
    name: 'GFP_KERNEL under a spinlock fires',
    dir: 'drivers/foo',
    code: `
static void *FN(spinlock_t *lock, size_t n)
{
	void *p;

	spin_lock(lock);
+	p = kmalloc(n, GFP_KERNEL);
	spin_unlock(lock);
	return p;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  {
    name: 'GFP_ATOMIC under a spinlock is quiet',
    dir: 'drivers/foo',
    code: `
static void *FN(spinlock_t *lock, size_t n)
{
	void *p;

	spin_lock_irq(lock);
+	p = kmalloc(n, GFP_ATOMIC);
	spin_unlock_irq(lock);
	return p;
}`,
    fire: [],
  },
  {
    name: 'GFP_NOFS under the page lock is quiet',
    code: `
static void *FN(struct page *page, size_t n)
{
	void *p;

	lock_page(page);
+	p = kmalloc(n, GFP_NOFS);
	unlock_page(page);
	return p;
}`,
    fire: [],
  },
  {
    name: 'mutex_lock inside scoped_guard(spinlock) fires; after the scope it is quiet',
    dir: 'drivers/foo',
    code: `
static void FN(spinlock_t *lock, struct mutex *m, int *x)
{
	scoped_guard(spinlock, lock) {
+		mutex_lock(m);
+		mutex_unlock(m);
		(*x)++;
	}
+	mutex_lock(m);
+	mutex_unlock(m);
}`,
    fire: ['lock/sleep-in-atomic'],
    anchor: 'mutex_lock(m);',
  },
  {
    name: 'msleep after guard(spinlock) fires until the end of the block',
    dir: 'drivers/foo',
    code: `
static void FN(spinlock_t *lock, int *x)
{
	{
		guard(spinlock)(lock);
+		msleep(10);
	}
+	msleep(20);
}`,
    fire: ['lock/sleep-in-atomic'],
    anchor: 'msleep(10)',
  },
  {
    name: 'sleeping inside a list_for_each_entry body under a spinlock fires',
    dir: 'drivers/foo',
    code: `
static void FN(struct list_head *head)
{
	struct foo_item *item;

	list_for_each_entry(item, head, list) {
		spin_lock(&item->lock);
+		item->buf = kzalloc(64, GFP_KERNEL);
		spin_unlock(&item->lock);
	}
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  {
    name: 'synchronize_rcu inside rcu_read_lock fires; a statement expression is walked',
    dir: 'drivers/foo',
    code: `
static int FN(struct foo *f)
{
	int v;

	rcu_read_lock();
+	v = ({ int t = f->val; synchronize_rcu(); t; });
	rcu_read_unlock();
	return v;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  // lock-order-inversion
  {
    name: 'taking two mutexes in the order opposite to the tree fires',
    dir: 'drivers/bar',
    code: `
static void FN_tree_order(struct bar_dev *dev)
{
	mutex_lock(&dev->alpha_mutex);
	mutex_lock(&dev->beta_mutex);
	mutex_unlock(&dev->beta_mutex);
	mutex_unlock(&dev->alpha_mutex);
}

static void FN(struct bar_dev *dev)
{
	mutex_lock(&dev->beta_mutex);
+	mutex_lock(&dev->alpha_mutex);
+	mutex_unlock(&dev->alpha_mutex);
	mutex_unlock(&dev->beta_mutex);
}`,
    fire: ['lock/lock-order-inversion'],
    anchor: 'mutex_lock(&dev->alpha_mutex)',
  },
  {
    name: 'taking two mutexes in the tree order is quiet',
    dir: 'drivers/baz',
    code: `
static void FN_tree_order(struct baz_dev *dev)
{
	mutex_lock(&dev->gamma_mutex);
	mutex_lock(&dev->delta_mutex);
	mutex_unlock(&dev->delta_mutex);
	mutex_unlock(&dev->gamma_mutex);
}

static void FN(struct baz_dev *dev)
{
	mutex_lock(&dev->gamma_mutex);
+	mutex_lock(&dev->delta_mutex);
+	mutex_unlock(&dev->delta_mutex);
	mutex_unlock(&dev->gamma_mutex);
}`,
    fire: [],
  },
  // include/linux/jbd2.h ranks the journal-head bit lock innermost (orders.yml, first '*').
  {
    name: 'a spinlock taken under the journal-head bit lock, documented innermost, fires',
    dir: 'fs/ocfs2',
    code: `
static int FN(struct buffer_head *bh)
{
	struct journal_head *jh;
	int busy = 0;

	jbd_lock_bh_journal_head(bh);
	jh = bh2jh(bh);
+	spin_lock(&jh->b_state_lock);
+	busy = jh->b_transaction != NULL;
+	spin_unlock(&jh->b_state_lock);
	jbd_unlock_bh_journal_head(bh);
	return busy;
}`,
    fire: ['lock/lock-order-inversion'],
    anchor: 'spin_lock(&jh->b_state_lock)',
  },
  {
    name: 'the journal-head bit lock taken under the journal list lock, as documented, is quiet',
    dir: 'fs/jbd2',
    code: `
static void FN(journal_t *journal, struct buffer_head *bh)
{
	spin_lock(&journal->j_list_lock);
+	jbd_lock_bh_journal_head(bh);
+	bh2jh(bh)->b_jcount++;
+	jbd_unlock_bh_journal_head(bh);
	spin_unlock(&journal->j_list_lock);
}`,
    fire: [],
  },
  {
    name: 'a buffer state lock taken under the journal list lock inverts the jbd2 ranking and fires',
    dir: 'fs/jbd2',
    code: `
static void FN(journal_t *journal, struct journal_head *jh)
{
	spin_lock(&journal->j_list_lock);
+	spin_lock(&jh->b_state_lock);
+	jh->b_modified = 0;
+	spin_unlock(&jh->b_state_lock);
	spin_unlock(&journal->j_list_lock);
}`,
    fire: ['lock/lock-order-inversion'],
    anchor: 'spin_lock(&jh->b_state_lock)',
  },
  // unbalanced
  {
    name: 'an added error return that leaks the mutex fires',
    dir: 'drivers/foo',
    code: `
static int FN(struct mutex *m, int err)
{
	mutex_lock(m);
+	if (err)
+		return -EINVAL;
	mutex_unlock(m);
	return 0;
}`,
    fire: ['lock/unbalanced'],
    anchor: 'return -EINVAL',
  },
  {
    name: 'an added error path through goto out_unlock is quiet',
    dir: 'drivers/foo',
    code: `
static int FN(struct mutex *m, int err)
{
	int ret = 0;

	mutex_lock(m);
+	if (err) {
+		ret = -EINVAL;
+		goto out_unlock;
+	}
+out_unlock:
	mutex_unlock(m);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'a helper that returns 0 with the mutex held and an error without it is quiet',
    dir: 'drivers/foo',
    code: `
+static int FN(struct foo *f)
+{
+	mutex_lock(&f->m);
+	if (f->dead) {
+		mutex_unlock(&f->m);
+		return -ENOENT;
+	}
+	return 0;
+}`,
    fire: [],
  },
  {
    name: 'a second unlock on the same path fires',
    dir: 'drivers/foo',
    code: `
static void FN(spinlock_t *lock)
{
	spin_lock(lock);
	spin_unlock(lock);
+	spin_unlock(lock);
}`,
    fire: ['lock/unbalanced'],
  },
  {
    name: '__acquires annotated function returning with the lock held is quiet',
    dir: 'drivers/foo',
    code: `
static void FN(struct foo *f, int err) __acquires(&f->lock)
{
	spin_lock(&f->lock);
+	if (err)
+		return;
	f->count++;
}`,
    fire: [],
  },
  // the fix side
  {
    name: 'moving the reservation out from under the lock is a fix, said in a note',
    code: `
static int FN(struct inode *inode, struct page *page)
{
	int ret;

+	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	lock_page(page);
-	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
	set_page_dirty(page);
	unlock_page(page);
	return ret;
}`,
    fire: [],
    note: 'lock/reserve-under-page-lock',
  },
];

/** Split a case's marked code into the file before and after the patch. */
export function caseTexts(code: string, fn: string): { before: string; after: string } {
  const before: string[] = [];
  const after: string[] = [];
  for (const line of code.replace(/\bFN\b/g, fn).replace(/\bFN_/g, `${fn}_`).split('\n')) {
    if (line.startsWith('+')) after.push(line.slice(1));
    else if (line.startsWith('-')) before.push(line.slice(1));
    else {
      before.push(line);
      after.push(line);
    }
  }
  const head = '// SPDX-License-Identifier: GPL-2.0\n#include <linux/fs.h>\n';
  return { before: head + before.join('\n') + '\n', after: head + after.join('\n') + '\n' };
}
