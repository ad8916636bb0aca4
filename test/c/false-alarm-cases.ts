// False alarms the lock check raised on correct kernel code (the real 6.1 tree, and replies to a
// real list), one case per cause. Each is a kernel function re-told in our own words: renamed,
// restructured, the same lock shape. Every file is new in the patch, as in the real-tree bench.
// `fire` lists the ids that must still be reported (the control cases keep a real bug).

export interface FalseAlarmCase {
  name: string;
  /** Where the real function lives (rules are scoped by path). */
  dir: string;
  code: string;
  fire: string[];
}

export const FALSE_ALARM_CASES: FalseAlarmCase[] = [
  // A lock handed to the caller by contract or return value.
  {
    name: 'a fault handler returning VM_FAULT_LOCKED keeps its folio locked by contract (9p page_mkwrite)',
    dir: 'fs/9p',
    code: `
static vm_fault_t FN(struct vm_fault *vmf)
{
	struct folio *folio = page_folio(vmf->page);
	struct inode *inode = file_inode(vmf->vma->vm_file);

	folio_wait_fscache(folio);
	if (folio_lock_killable(folio))
		return VM_FAULT_RETRY;
	if (folio_mapping(folio) != inode->i_mapping)
		goto gone;
	folio_wait_stable(folio);
	return VM_FAULT_LOCKED;
gone:
	folio_unlock(folio);
	return VM_FAULT_NOPAGE;
}`,
    fire: [],
  },
  {
    name: '->write_begin hands its locked page and its journal handle to ->write_end (ext4 write_begin)',
    dir: 'fs/ext4',
    code: `
static int FN_begin(struct file *file, struct address_space *mapping, loff_t pos,
		    unsigned len, struct page **pagep, void **fsdata)
{
	struct inode *inode = mapping->host;
	handle_t *handle;
	struct page *page;
	int ret;

	page = grab_cache_page_write_begin(mapping, pos >> PAGE_SHIFT);
	if (!page)
		return -ENOMEM;
	unlock_page(page);
	handle = ext4_journal_start(inode, EXT4_HT_WRITE_PAGE, 1);
	if (IS_ERR(handle)) {
		put_page(page);
		return PTR_ERR(handle);
	}
	lock_page(page);
	if (page->mapping != mapping) {
		unlock_page(page);
		put_page(page);
		ext4_journal_stop(handle);
		return -EAGAIN;
	}
	ret = fill_the_blocks(inode, page, pos, len);
	if (ret) {
		unlock_page(page);
		ext4_journal_stop(handle);
		put_page(page);
		return ret;
	}
	*pagep = page;
	return 0;
}

static const struct address_space_operations FN_aops = {
	.write_begin = FN_begin,
};`,
    fire: [],
  },
  {
    name: 'a function returning false with the lock held, true after dropping it (a caller-unlocks helper)',
    dir: 'kernel',
    code: `
static bool FN(struct work_pool *pool, struct work_item *w)
{
	spin_lock_irq(&pool->lock);
	if (w->cancelled) {
		spin_unlock_irq(&pool->lock);
		return true;
	}
	list_del_init(&w->entry);
	return false;
}`,
    fire: [],
  },
  {
    name: 'a lock reported to the caller through an out-flag (*locked = true)',
    dir: 'mm',
    code: `
static int FN(struct vm_area_struct *vma, struct folio *folio, bool *locked)
{
	int ret = 0;

	if (!folio_trylock(folio)) {
		if (vma_is_busy(vma))
			return -EAGAIN;
		folio_lock(folio);
	}
	if (!folio->mapping) {
		folio_unlock(folio);
		ret = -EAGAIN;
		return ret;
	}
	*locked = true;
	return ret;
}`,
    fire: [],
  },
  // A lock released inside a callee.
  {
    name: 'a callee of the same file annotated __releases drops the caller lock',
    dir: 'net/core',
    code: `
static void FN_drop_and_wake(struct msg_queue *q) __releases(&q->lock)
{
	spin_unlock(&q->lock);
	wake_up(&q->wait);
}

static int FN(struct msg_queue *q, struct msg *m)
{
	spin_lock(&q->lock);
	if (q->closed) {
		FN_drop_and_wake(q);
		return -EPIPE;
	}
	list_add_tail(&m->node, &q->list);
	spin_unlock(&q->lock);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'extent_clear_unlock_delalloc with EXTENT_LOCKED unlocks the extent range on the error path (btrfs cow_file_range)',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_inode *inode, struct page *locked_page, u64 start, u64 end)
{
	int ret;

	lock_extent(&inode->io_tree, start, end, NULL);
	ret = make_ordered_range(inode, start, end);
	if (ret) {
		extent_clear_unlock_delalloc(inode, start, end, locked_page,
					     EXTENT_LOCKED | EXTENT_DELALLOC, PAGE_UNLOCK | PAGE_END_WRITEBACK);
		return ret;
	}
	unlock_extent(&inode->io_tree, start, end, NULL);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'an -EAGAIN path that unlocks inside the callee is no leak, and no second unlock (issue 11)',
    dir: 'fs/btrfs',
    code: `
static int FN_try_write(struct page *page, bool nowait)
{
	if (PageWriteback(page)) {
		if (nowait) {
			unlock_page(page);
			return -EAGAIN;
		}
		wait_on_page_writeback(page);
	}
	return 0;
}

static int FN(struct address_space *mapping, pgoff_t index, bool nowait)
{
	struct page *page = find_lock_page(mapping, index);
	int ret;

	if (!page)
		return -ENOENT;
	ret = FN_try_write(page, nowait);
	if (ret == -EAGAIN)
		return ret;
	set_page_dirty(page);
	unlock_page(page);
	return ret;
}`,
    fire: [],
  },
  // An extent lock taken after the range was waited idle.
  {
    name: 'a reservation under an extent range that was looked up idle first (btrfs fallocate)',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_inode *inode, u64 start, u64 end, struct extent_changeset **reserved)
{
	struct btrfs_ordered_extent *ordered;
	int ret;

	for (;;) {
		lock_extent(&inode->io_tree, start, end, NULL);
		ordered = btrfs_lookup_first_ordered_extent(inode, end);
		if (!ordered)
			break;
		unlock_extent(&inode->io_tree, start, end, NULL);
		btrfs_start_ordered_extent(ordered, 1);
		btrfs_put_ordered_extent(ordered);
	}
	ret = btrfs_qgroup_reserve_data(inode, reserved, start, end - start + 1);
	unlock_extent(&inode->io_tree, start, end, NULL);
	return ret;
}`,
    fire: [],
  },
  // A second page lock taken with a trylock.
  {
    name: 'a second page taken with trylock cannot deadlock (a page-pair helper)',
    dir: 'mm',
    code: `
static int FN(struct page *dst, struct page *src)
{
	lock_page(dst);
	if (!trylock_page(src)) {
		unlock_page(dst);
		return -EAGAIN;
	}
	copy_highpage(dst, src);
	unlock_page(src);
	unlock_page(dst);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'a mutex taken with trylock under a spinlock orders nothing (btrfs delayed ref head)',
    dir: 'fs/btrfs',
    code: `
static int FN(struct ref_root *refs, struct ref_head *head)
{
	if (mutex_trylock(&head->mutex))
		return 0;
	refcount_inc(&head->refs);
	spin_unlock(&refs->lock);
	mutex_lock(&head->mutex);
	spin_lock(&refs->lock);
	mutex_unlock(&head->mutex);
	return -EAGAIN;
}

static int FN_walk(struct ref_root *refs, struct ref_head *head)
{
	spin_lock(&refs->lock);
	if (!mutex_trylock(&head->mutex)) {
		spin_unlock(&refs->lock);
		return -EAGAIN;
	}
	spin_unlock(&refs->lock);
	mutex_unlock(&head->mutex);
	return 0;
}`,
    fire: [],
  },
  // Correlated conditions.
  {
    name: 'a lock taken and dropped under the same flag: the allocation after it is not under the lock',
    dir: 'kernel',
    code: `
static int FN(struct ring *r, bool atomic_ctx, size_t n)
{
	void *buf;

	if (atomic_ctx)
		spin_lock(&r->lock);
	r->pending++;
	if (atomic_ctx)
		spin_unlock(&r->lock);
	buf = kmalloc(n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	r->buf = buf;
	return 0;
}`,
    fire: [],
  },
  // A NULL test of a handle at a label merge.
  {
    name: 'if (!trans) at the label where paths without a transaction join (btrfs)',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_root *root, struct btrfs_inode *inode, u64 start, u64 len, bool update)
{
	struct btrfs_trans_handle *trans = NULL;
	int ret = 0;

	if (update) {
		trans = btrfs_start_transaction(root, 1);
		if (IS_ERR(trans)) {
			ret = PTR_ERR(trans);
			trans = NULL;
			goto out;
		}
		ret = update_the_item(trans, inode);
	}
out:
	if (!trans) {
		ret = btrfs_wait_ordered_range(&inode->vfs_inode, start, len);
		return ret;
	}
	btrfs_end_transaction(trans);
	return ret;
}`,
    fire: [],
  },
  // A rule glob too broad.
  {
    name: 'schedule_work() under a spinlock only queues (aio poll completion)',
    dir: 'fs',
    code: `
static void FN(struct poll_req *req, struct req_ctx *ctx)
{
	spin_lock_irq(&ctx->lock);
	list_del_init(&req->entry);
	if (req->again)
		schedule_work(&req->work);
	spin_unlock_irq(&ctx->lock);
}`,
    fire: [],
  },
  // Issue 11: "released twice" for two different locks.
  {
    name: 'unlocking the caller lock and then our own is two releases, not one lock twice',
    dir: 'kernel',
    code: `
static void FN(struct wait_list *from, struct wait_list *to, struct waiter *w)
{
	spin_lock(&to->lock);
	list_move_tail(&w->node, &to->head);
	spin_unlock(&from->lock);
	spin_unlock(&to->lock);
}`,
    fire: [],
  },
  {
    name: 'preempt_enable_no_resched() ends the preempt-off section before schedule() (a per-cpu thread loop)',
    dir: 'kernel',
    code: `
static int FN(void *data)
{
	struct cpu_thread *t = data;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		preempt_disable();
		if (t->should_stop) {
			__set_current_state(TASK_RUNNING);
			preempt_enable();
			return 0;
		}
		if (!t->pending) {
			preempt_enable_no_resched();
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		preempt_enable();
		t->fn(t->arg);
	}
}`,
    fire: [],
  },
  {
    name: 'a lookup that returns inside an RCU read section its put ends (page_ext_get)',
    dir: 'mm',
    code: `
static struct ext_info *FN(struct page *page)
{
	struct ext_info *e;

	rcu_read_lock();
	e = lookup_ext_info(page);
	if (!e) {
		rcu_read_unlock();
		return NULL;
	}
	return e;
}`,
    fire: [],
  },
  {
    name: 'a reservation under an extent range whose ordered extents were waited for first (btrfs fallocate, 6.1)',
    dir: 'fs/btrfs',
    code: `
static int FN(struct inode *inode, u64 start, u64 end, struct extent_changeset **reserved)
{
	int ret;

	ret = btrfs_wait_ordered_range(inode, start, end - start + 1);
	if (ret)
		return ret;
	lock_extent(&BTRFS_I(inode)->io_tree, start, end, NULL);
	ret = btrfs_qgroup_reserve_data(BTRFS_I(inode), reserved, start, end - start + 1);
	unlock_extent(&BTRFS_I(inode)->io_tree, start, end, NULL);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'reading a locked page through ->read_folio is the contract, not a wait (btrfs defrag page)',
    dir: 'fs/btrfs',
    code: `
int btrfs_read_folio(struct file *file, struct folio *folio)
{
	struct btrfs_inode *inode = BTRFS_I(folio->mapping->host);
	u64 start = folio_pos(folio);
	u64 end = start + folio_size(folio) - 1;

	btrfs_lock_and_flush_ordered_range(inode, start, end, NULL);
	return submit_the_read(inode, folio, start, end);
}

static struct page *FN(struct inode *inode, pgoff_t index)
{
	struct page *page;
	int ret;

	page = find_or_create_page(inode->i_mapping, index, GFP_NOFS);
	if (!page)
		return ERR_PTR(-ENOMEM);
	if (!PageUptodate(page)) {
		ret = btrfs_read_folio(NULL, page_folio(page));
		lock_page(page);
	}
	return page;
}`,
    fire: [],
  },
  {
    name: 'a helper that drops the caller spinlock around its allocation is no sleep under it (expand_files)',
    dir: 'fs',
    code: `
static int FN_grow_table(struct fd_table *t, unsigned int nr)
	__releases(t->lock)
	__acquires(t->lock)
{
	struct fd_array *a;

	spin_unlock(&t->lock);
	a = FN_alloc_array(nr);
	spin_lock(&t->lock);
	if (!a)
		return -ENOMEM;
	t->arr = a;
	return 1;
}

static struct fd_array *FN_alloc_array(unsigned int nr)
{
	return kvmalloc_array(nr, sizeof(struct file *), GFP_KERNEL_ACCOUNT);
}

static int FN_expand(struct fd_table *t, unsigned int nr)
	__releases(t->lock)
	__acquires(t->lock)
{
	if (nr < t->max)
		return 0;
	return FN_grow_table(t, nr);
}

static int FN(struct fd_table *t, unsigned int nr)
{
	int err;

	spin_lock(&t->lock);
	err = FN_expand(t, nr);
	spin_unlock(&t->lock);
	return err;
}`,
    fire: [],
  },
  // Controls: the same shapes with the bug still fire.
  {
    name: 'control: a return with the mutex held that is no contract still fires (as a note)',
    dir: 'kernel',
    code: `
static int FN(struct dev_state *d, int v)
{
	mutex_lock(&d->mutex);
	if (v < 0)
		return -EINVAL;
	d->value = v;
	mutex_unlock(&d->mutex);
	return 0;
}`,
    fire: ['lock/unbalanced'],
  },
  {
    name: 'control: a blocking second page lock still fires',
    dir: 'mm',
    code: `
static int FN(struct page *dst, struct page *src)
{
	lock_page(dst);
	lock_page(src);
	copy_highpage(dst, src);
	unlock_page(src);
	unlock_page(dst);
	return 0;
}`,
    fire: ['lock/second-page-lock'],
  },
  {
    name: 'control: a reservation under an extent range nobody waited idle still fires',
    dir: 'fs/btrfs',
    code: `
static int FN(struct btrfs_inode *inode, u64 start, u64 end, struct extent_changeset **reserved)
{
	int ret;

	lock_extent(&inode->io_tree, start, end, NULL);
	ret = btrfs_qgroup_reserve_data(inode, reserved, start, end - start + 1);
	unlock_extent(&inode->io_tree, start, end, NULL);
	return ret;
}`,
    fire: ['lock/reserve-under-extent-lock'],
  },
  {
    name: 'control: schedule_timeout() under a spinlock still fires',
    dir: 'fs',
    code: `
static void FN(struct poll_req *req, struct req_ctx *ctx)
{
	spin_lock_irq(&ctx->lock);
	schedule_timeout(HZ);
	spin_unlock_irq(&ctx->lock);
}`,
    fire: ['lock/sleep-in-atomic'],
  },
];
