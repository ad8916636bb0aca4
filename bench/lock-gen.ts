// Generates a kernel-looking C tree whose locking is correct everywhere: the bench measures speed
// on it, and anything the lock rules report on it is a false positive.

import { rng } from './rng.js';

type Template = (name: string, callee: string) => string;

/** Correct kernel-style patterns: every lock released, nothing dangerous under a lock. */
const TEMPLATES: Template[] = [
  (n, c) => `static int ${n}(struct inode *inode, struct page *page, u64 start)
{
	struct extent_changeset *reserved = NULL;
	int ret;

	${c}(inode);
	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), &reserved, start, PAGE_SIZE);
	if (ret)
		return ret;
	lock_page(page);
	if (!page->mapping) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	set_page_dirty(page);
out_unlock:
	unlock_page(page);
	if (ret)
		btrfs_delalloc_release_space(BTRFS_I(inode), reserved, start, PAGE_SIZE, true);
	extent_changeset_free(reserved);
	return ret;
}
`,
  (n) => `static struct item *${n}(struct item_cache *cache, u32 key)
{
	struct item *it;

	spin_lock(&cache->lock);
	it = kmalloc(sizeof(*it), GFP_ATOMIC);
	if (!it) {
		spin_unlock(&cache->lock);
		return NULL;
	}
	it->key = key;
	list_add_tail(&it->list, &cache->items);
	cache->count++;
	spin_unlock(&cache->lock);
	return it;
}
`,
  (n, c) => `int ${n}(struct dev_ctx *dev, int arg)
{
	int ret = 0;

	mutex_lock(&dev->config_mutex);
	if (arg < 0) {
		ret = -EINVAL;
		goto out;
	}
	dev->buf = kzalloc(dev->size, GFP_KERNEL);
	if (!dev->buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ${c}(dev);
out:
	mutex_unlock(&dev->config_mutex);
	return ret;
}
`,
  (n) => `static int ${n}(struct address_space *mapping, pgoff_t index)
{
	struct folio *folio;

	folio = filemap_lock_folio(mapping, index);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	if (folio_test_dirty(folio))
		folio_wait_writeback(folio);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}
`,
  (n) => `static void ${n}(struct list_head *head)
{
	struct node_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, head, list) {
		spin_lock(&e->lock);
		e->refs--;
		if (!e->refs)
			list_del_init(&e->list);
		spin_unlock(&e->lock);
	}
}
`,
  (n, c) => `static int ${n}(struct request_ctx *rq, int op)
{
	int ret;

	switch (op) {
	case OP_READ:
		ret = ${c}(rq);
		break;
	case OP_WRITE:
	case OP_FLUSH:
		ret = rq_submit(rq, op);
		if (ret)
			break;
		fallthrough;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
	return ret;
}
`,
  (n) => `static int ${n}(struct folio *folio, struct writeback_control *wbc)
{
	if (!folio_trylock(folio))
		return -EAGAIN;
	if (folio_test_writeback(folio)) {
		folio_unlock(folio);
		return 0;
	}
	folio_clear_dirty_for_io(folio);
	folio_unlock(folio);
	return 0;
}
`,
  (n, c) => `static void ${n}(struct dev_ctx *dev)
{
	scoped_guard(mutex, &dev->state_mutex) {
		dev->state = kmalloc(sizeof(*dev->state), GFP_KERNEL);
		${c}(dev);
	}
	dev->ready = true;
}
`,
  (n) => `static int ${n}(struct btrfs_root *root, struct btrfs_block_rsv *rsv)
{
	struct btrfs_trans_handle *trans;
	int ret;

	trans = btrfs_start_transaction(root, 1);
	if (IS_ERR(trans))
		return PTR_ERR(trans);
	ret = btrfs_reserve_metadata_bytes(root->fs_info, rsv, 4096, BTRFS_RESERVE_NO_FLUSH);
	btrfs_end_transaction(trans);
	return ret;
}
`,
  (n) => `static void ${n}(struct btrfs_inode *inode, struct page *page, u64 start, u64 end)
{
	struct extent_state *cached = NULL;

	lock_page(page);
	lock_extent(&inode->io_tree, start, end, &cached);
	clear_page_dirty_for_io(page);
	unlock_extent(&inode->io_tree, start, end, &cached);
	unlock_page(page);
}
`,
  (n) => `static void ${n}(struct btrfs_inode *inode, struct page *page, u64 start, u64 len)
{
again:
	lock_page(page);
	if (PageWriteback(page)) {
		unlock_page(page);
		btrfs_wait_ordered_range(&inode->vfs_inode, start, len);
		goto again;
	}
	set_page_dirty(page);
	unlock_page(page);
}
`,
  (n) => `static u32 ${n}(struct net_ctx *ctx)
{
	struct net_table *t;
	u32 v = 0;

	rcu_read_lock();
	t = rcu_dereference(ctx->table);
	if (t)
		v = READ_ONCE(t->version);
	rcu_read_unlock();
	return v;
}
`,
  (n, c) => `static int ${n}(struct work_struct *work)
{
	struct dev_ctx *dev = container_of(work, struct dev_ctx, work);
	int ret = ({ int __r = dev->pending; dev->pending = 0; __r; });

	do {
		ret += ${c}(dev);
	} while (0);
	return ret;
}
`,
  (n) => `static int ${n}(struct dev_ctx *dev, void __user *arg, size_t len)
{
	void *buf = kmalloc(len, GFP_KERNEL);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, arg, len)) {
		kfree(buf);
		return -EFAULT;
	}
	mutex_lock(&dev->io_mutex);
	ret = dev_write(dev, buf, len);
	mutex_unlock(&dev->io_mutex);
	kfree(buf);
	return ret;
}
`,
  (n) => `static void ${n}(struct stats *s, unsigned long flags)
{
	spin_lock_irqsave(&s->lock, flags);
	s->hits++;
	spin_unlock_irqrestore(&s->lock, flags);
}
`,
  (n) => `static int ${n}(struct dev_ctx *dev)
{
	mutex_lock(&dev->open_mutex);
	if (dev->dead) {
		mutex_unlock(&dev->open_mutex);
		return -ENODEV;
	}
	return 0;
}
`,
  (n) => `static void ${n}(struct folio_batch *fbatch, struct writeback_control *wbc)
{
	unsigned int i;

	for (i = 0; i < folio_batch_count(fbatch); i++) {
		struct folio *folio = fbatch->folios[i];

		folio_lock(folio);
		if (folio_test_writeback(folio)) {
			if (wbc->sync_mode != WB_SYNC_NONE)
				folio_wait_writeback(folio);
			else {
				folio_unlock(folio);
				continue;
			}
		}
		folio_clear_dirty_for_io(folio);
		folio_unlock(folio);
	}
}
`,
  (n) => `static int ${n}(struct folio *dst, struct folio *src)
{
	if (!folio_trylock(dst))
		return -EAGAIN;
	folio_copy(dst, src);
	folio_unlock(dst);
	return 0;
}
`,
  (n) => `static int ${n}(struct dev_ctx *dev, bool need_lock)
{
	int ret;

	if (need_lock)
		mutex_lock(&dev->io_mutex);
	ret = dev_flush(dev);
	if (need_lock)
		mutex_unlock(&dev->io_mutex);
	return ret;
}
`,
  (n) => `static int ${n}(struct page *page, struct writeback_control *wbc)
{
	struct inode *inode = page->mapping->host;
	int ret;

	if (PageDirty(page) && !PageChecked(page)) {
		unlock_page(page);
		ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, page_offset(page), PAGE_SIZE);
		return ret;
	}
	end_page_writeback(page);
	unlock_page(page);
	return 0;
}

static const struct address_space_operations ${n}_aops = {
	.writepage = ${n},
};
`,
  (n) => `static void *${n}(spinlock_t *lock, struct list_head *head, size_t n)
{
	void *p;

	spin_lock(lock);
	list_del_init(head);
	spin_unlock(lock);
	p = kmalloc(n, GFP_KERNEL);
	return p;
}
`,
  (n) => `static vm_fault_t ${n}(struct vm_fault *vmf, struct folio *folio)
{
	struct mm_struct *mm = vmf->vma->vm_mm;

	mmap_read_lock(mm);
	folio_lock(folio);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	mmap_read_unlock(mm);
	return 0;
}
`,
  (n) => `static int ${n}(struct inode *inode, struct page *page)
{
	inode_lock(inode);
	lock_page(page);
	set_page_dirty(page);
	unlock_page(page);
	inode_unlock(inode);
	return 0;
}
`,
  (n) => `static void ${n}(struct stats *s)
{
	unsigned long flags;

	local_irq_save(flags);
	s->irqs++;
	local_irq_restore(flags);
	msleep(1);
}
`,
  (n) => `static int ${n}(struct btrfs_root *root, struct page *page)
{
	struct btrfs_trans_handle *trans;
	int ret = 0;

	trans = btrfs_join_transaction(root);
	if (IS_ERR(trans))
		return PTR_ERR(trans);
	lock_page(page);
	if (!page->mapping) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	set_page_dirty(page);
out_unlock:
	unlock_page(page);
	btrfs_end_transaction(trans);
	return ret;
}
`,
];

export interface GeneratedFile {
  path: string;
  text: string;
  functions: string[];
}

/** About `lines` lines of C in files of about 1,000 lines, spread over a few directories. */
export function generateTree(lines: number, seed = 1): GeneratedFile[] {
  const rand = rng(seed);
  const dirs = ['fs/btrfs', 'fs/ext4', 'drivers/gen', 'mm', 'net/gen'];
  const files: GeneratedFile[] = [];
  let total = 0;
  let fnCount = 0;
  for (let f = 0; total < lines; f++) {
    const dir = dirs[f % dirs.length];
    const parts: string[] = [`// SPDX-License-Identifier: GPL-2.0\n/* Generated for kreview's lock bench. */\n#include <linux/fs.h>\n#include <linux/pagemap.h>\n`];
    const functions: string[] = [];
    let fileLines = 4;
    while (fileLines < 1000) {
      const name = `gen_fn_${fnCount++}`;
      // Callees are earlier functions, so summaries have chains to follow.
      const callee = fnCount > 2 ? `gen_fn_${Math.floor(rand() * (fnCount - 1))}` : 'generic_helper';
      const text = TEMPLATES[Math.floor(rand() * TEMPLATES.length)](name, callee);
      parts.push(text);
      functions.push(name);
      fileLines += text.split('\n').length;
    }
    const text = parts.join('\n');
    files.push({ path: `${dir}/gen-${f}.c`, text, functions });
    total += fileLines;
  }
  return files;
}
