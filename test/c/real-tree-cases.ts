// False alarms of the lock check on the real 6.1 tree (bench/kernel-lock-bench.ts, second round),
// one case per cause, most common first. Each re-tells a kernel function in our own words (renamed,
// shortened, the same lock shape); the controls keep a real bug that must still fire. Same format
// and harness as false-alarm-cases.ts.
import type { FalseAlarmCase } from './false-alarm-cases.js';

export const REAL_TREE_CASES: FalseAlarmCase[] = [
  // A lock held on some merged paths only, for conditions the walk does not correlate.
  {
    name: 'a spinlock taken for one mode only is not held where the other mode sleeps (jffs2 erase, compaction)',
    dir: 'fs/jffs2',
    code: `
static void FN(struct gad_ctx *c, struct gad_blk *b)
{
	if (c->mode == GAD_MODE_LIST)
		spin_lock(&c->list_lock);
	gad_account(c, b);
	if (c->mode == GAD_MODE_LIST) {
		list_move(&b->list, &c->done);
		spin_unlock(&c->list_lock);
	} else {
		cond_resched();
		mutex_lock(&c->alloc_sem);
		gad_refill(c);
		mutex_unlock(&c->alloc_sem);
	}
}`,
    fire: [],
  },
  {
    name: 'control: the same sleep with the spinlock taken on every path still fires',
    dir: 'fs/jffs2',
    code: `
static void FN(struct gad_ctx *c, struct gad_blk *b)
{
	spin_lock(&c->list_lock);
	gad_account(c, b);
	cond_resched();
	spin_unlock(&c->list_lock);
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  // A lock handed to the caller by the return value or an out-parameter.
  {
    name: 'returning the object whose lock is held hands the lock over (get_super, get_posix_clock)',
    dir: 'fs',
    code: `
static struct gad_sb *FN(struct gad_sb *sb)
{
	down_read(&sb->s_umount);
	if (sb->s_root && (sb->s_flags & GAD_BORN))
		return sb;
	up_read(&sb->s_umount);
	return NULL;
}`,
    fire: [],
  },
  {
    name: 'returning an object with its page locked, NULL after unlocking (nilfs grab buffer)',
    dir: 'fs/nilfs2',
    code: `
static struct buffer_head *FN(struct address_space *mapping, pgoff_t index, unsigned long blk)
{
	struct buffer_head *bh;
	struct page *page;

	page = grab_cache_page(mapping, index);
	if (unlikely(!page))
		return NULL;
	bh = gad_page_block(page, blk);
	if (unlikely(!bh)) {
		unlock_page(page);
		put_page(page);
		return NULL;
	}
	return bh;
}`,
    fire: [],
  },
  {
    name: 'the locked inode stored in a field of a parameter goes to the caller (ocfs2 reserve suballoc)',
    dir: 'fs/ocfs2',
    code: `
static int FN(struct gad_super *osb, struct gad_alloc_ctx *ac, struct inode *alloc_inode)
{
	int status;

	inode_lock(alloc_inode);
	status = gad_cluster_lock(alloc_inode, 1);
	if (status < 0) {
		inode_unlock(alloc_inode);
		iput(alloc_inode);
		return status;
	}
	ac->ac_inode = alloc_inode;
	return 0;
}`,
    fire: [],
  },
  {
    name: 'a tail call hands the held locks to a callee that drops them (hugetlb fault, btrfs async extent)',
    dir: 'mm',
    code: `
static vm_fault_t FN(struct gad_mm *mm, struct gad_vma *vma, unsigned long idx)
{
	u32 hash = gad_fault_hash(vma, idx);
	pte_t *ptep;

	mutex_lock(&gad_fault_mutex_table[hash]);
	ptep = gad_pte_alloc(mm, vma, idx);
	if (!ptep) {
		mutex_unlock(&gad_fault_mutex_table[hash]);
		return VM_FAULT_OOM;
	}
	if (gad_pte_none(ptep))
		return gad_no_page(mm, vma, idx, ptep, hash);
	mutex_unlock(&gad_fault_mutex_table[hash]);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'control: an error return that forgets the mutex still fires',
    dir: 'mm',
    code: `
static int FN(struct gad_mm *mm, struct gad_vma *vma, unsigned long idx)
{
	u32 hash = gad_fault_hash(vma, idx);
	pte_t *ptep;

	mutex_lock(&gad_fault_mutex_table[hash]);
	ptep = gad_pte_alloc(mm, vma, idx);
	if (!ptep)
		return -ENOMEM;
	gad_fill(ptep);
	mutex_unlock(&gad_fault_mutex_table[hash]);
	return 0;
}`,
    fire: ['lock/unbalanced'],
  },
  // A lock released inside a callee.
  {
    name: 'a wait helper given the spinlock itself drops it (xfs log force, xlog_wait)',
    dir: 'fs/xfs',
    code: `
static int FN(struct gad_log *log, struct gad_iclog *iclog, bool slept)
{
	spin_lock(&log->l_icloglock);
	if (gad_is_shutdown(log))
		goto out_error;
	if (!slept && gad_prev_syncing(iclog)) {
		gad_wait(&iclog->ic_prev->ic_write_wait, &log->l_icloglock);
		return -EAGAIN;
	}
	spin_unlock(&log->l_icloglock);
	return 0;
out_error:
	spin_unlock(&log->l_icloglock);
	return -EIO;
}`,
    fire: [],
  },
  {
    name: 'a helper of the tree drops a global spinlock (grab_super drops sb_lock)',
    dir: 'fs',
    code: `
static DEFINE_SPINLOCK(FN_sb_lock);

static int FN_grab(struct gad_sb *s)
{
	s->s_count++;
	spin_unlock(&FN_sb_lock);
	down_write(&s->s_umount);
	if (gad_sb_alive(s)) {
		up_write(&s->s_umount);
		return 1;
	}
	up_write(&s->s_umount);
	return 0;
}

static struct gad_sb *FN(struct gad_type *type)
{
	struct gad_sb *old;

retry:
	spin_lock(&FN_sb_lock);
	old = gad_first_sb(type);
	if (old) {
		if (!FN_grab(old))
			goto retry;
		return old;
	}
	spin_unlock(&FN_sb_lock);
	return NULL;
}`,
    fire: [],
  },
  {
    name: 'a helper drops the caller lock through another helper (posix timer wait running, unlock_timer)',
    dir: 'kernel/time',
    code: `
static void FN_unlock(struct gad_timer *t, unsigned long flags)
{
	spin_unlock_irqrestore(&t->it_lock, flags);
}

static struct gad_timer *FN_wait_running(struct gad_timer *t, unsigned long *flags)
{
	FN_unlock(t, *flags);
	gad_wait_for_expiry(t);
	return t;
}

static void FN(struct gad_timer *t)
{
	unsigned long flags;

	spin_lock_irqsave(&t->it_lock, flags);
	if (gad_delete_hook(t) == GAD_RETRY) {
		if (FN_wait_running(t, &flags) != t)
			return;
		return;
	}
	gad_list_del(t);
	spin_unlock_irqrestore(&t->it_lock, flags);
}`,
    fire: [],
  },
  {
    name: 'one lock written two ways: through the superblock helper and through a local (ext4 fc del)',
    dir: 'fs/ext4',
    code: `
static void FN(struct inode *inode)
{
	struct gad_inode_info *ei = GAD_I(inode);
	struct gad_sb_info *sbi = GAD_SB(inode->i_sb);

	spin_lock(&GAD_SB(inode->i_sb)->s_fc_lock);
	if (list_empty(&ei->i_fc_list)) {
		spin_unlock(&GAD_SB(inode->i_sb)->s_fc_lock);
		return;
	}
	list_del_init(&ei->i_fc_list);
	if (list_empty(&ei->i_fc_dilist)) {
		spin_unlock(&sbi->s_fc_lock);
		return;
	}
	gad_drop_dentries(ei);
	spin_unlock(&sbi->s_fc_lock);
}`,
    fire: [],
  },
  // The two releases are of different locks or on different paths the walk merged.
  {
    name: '#ifndef and #else are alternatives, not one path (ufs remount)',
    dir: 'fs/ufs',
    code: `
static int FN(struct gad_sb *sb, int rw)
{
	mutex_lock(&GAD_SB(sb)->s_lock);
	if (!rw) {
		mutex_unlock(&GAD_SB(sb)->s_lock);
		return 0;
	}
#ifndef CONFIG_GAD_FS_WRITE
	mutex_unlock(&GAD_SB(sb)->s_lock);
	return -EINVAL;
#else
	if (!gad_type_writable(sb)) {
		mutex_unlock(&GAD_SB(sb)->s_lock);
		return -EINVAL;
	}
#endif
	gad_mark_rw(sb);
	mutex_unlock(&GAD_SB(sb)->s_lock);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'a lock kept inside the inode is not the inode lock (f2fs finish preallocate)',
    dir: 'fs/f2fs',
    code: `
static int FN(struct inode *inode)
{
	int ret;

	inode_lock(inode);
	gad_down_write(&GAD_I(inode)->i_gc_rwsem);
	filemap_invalidate_lock(inode->i_mapping);
	ret = gad_truncate(inode);
	filemap_invalidate_unlock(inode->i_mapping);
	up_write(&GAD_I(inode)->i_gc_rwsem);
	inode_unlock(inode);
	return ret;
}`,
    fire: [],
  },
  // A helper sleeps only on paths not taken here.
  {
    name: 'a call through a function pointer is not the tree function of the same name (bpf map ops)',
    dir: 'kernel/bpf',
    code: `
static int FN_lookup(struct gad_map *map)
{
	mutex_lock(&map->freeze_mutex);
	map->frozen = 1;
	mutex_unlock(&map->freeze_mutex);
	return 0;
}

static void *FN(struct gad_map *map, void *key)
{
	void *ptr;

	rcu_read_lock();
	ptr = map->ops->FN_lookup(map, key);
	rcu_read_unlock();
	return ptr;
}`,
    fire: [],
  },
  {
    name: 'control: the sleeping tree function called directly under rcu still fires',
    dir: 'kernel/bpf',
    code: `
static int FN_lookup(struct gad_map *map)
{
	mutex_lock(&map->freeze_mutex);
	map->frozen = 1;
	mutex_unlock(&map->freeze_mutex);
	return 0;
}

static void FN(struct gad_map *map)
{
	rcu_read_lock();
	FN_lookup(map);
	rcu_read_unlock();
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  // Two orders on different instances of a lock class.
  {
    name: 'the same field name on two kinds of object orders nothing (ecryptfs daemon and message mux)',
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(FN_lists_mux);

static void FN_exorcise(struct gad_daemon *daemon)
{
	mutex_lock(&daemon->mux);
	mutex_lock(&FN_lists_mux);
	gad_drop_msgs(daemon);
	mutex_unlock(&FN_lists_mux);
	mutex_unlock(&daemon->mux);
}

static void FN(struct gad_msg *msg_ctx)
{
	mutex_lock(&FN_lists_mux);
	mutex_lock(&msg_ctx->mux);
	gad_queue(msg_ctx);
	mutex_unlock(&msg_ctx->mux);
	mutex_unlock(&FN_lists_mux);
}`,
    fire: [],
  },
  {
    name: 'control: the opposite order on the same kind of object still fires',
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(FN_lists_mux);

static void FN_exorcise(struct gad_daemon *daemon)
{
	mutex_lock(&daemon->mux);
	mutex_lock(&FN_lists_mux);
	gad_drop_msgs(daemon);
	mutex_unlock(&FN_lists_mux);
	mutex_unlock(&daemon->mux);
}

static void FN(struct gad_daemon *daemon)
{
	mutex_lock(&FN_lists_mux);
	mutex_lock(&daemon->mux);
	gad_queue_daemon(daemon);
	mutex_unlock(&daemon->mux);
	mutex_unlock(&FN_lists_mux);
}`,
    fire: ['lock/lock-order-inversion', 'lock/lock-order-inversion'],
  },
];
