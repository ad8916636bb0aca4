// False alarms of the lock check on the real 6.1 tree, third round (bench/kernel-lock-bench.ts),
// one case per cause; each re-tells a kernel function in our own words, and a control keeps a real
// bug that must still fire. Same format and harness as false-alarm-cases.ts.
import type { FalseAlarmCase } from './false-alarm-cases.js';

export const PRECISION_CASES: FalseAlarmCase[] = [
  // The xarray's locked-variant calls drop the xarray's own lock while they allocate.
  {
    name: "an xarray store under the xarray's own lock may allocate: the call drops that lock to do it (nilfs2 btnode key change, erofs workgroup insert)",
    dir: 'fs/nilfs2',
    code: `
static int FN(struct address_space *cache, struct page *page, unsigned long newkey)
{
	int err;

	xa_lock_irq(&cache->i_pages);
	err = __xa_insert(&cache->i_pages, newkey, page, GFP_NOFS);
	if (!err)
		page->index = newkey;
	xa_unlock_irq(&cache->i_pages);
	return err;
}`,
    fire: [],
  },
  {
    name: 'control: the same store under another spinlock still sleeps with that lock held',
    dir: 'fs/nilfs2',
    code: `
static int FN(struct gad_tree *tree, struct address_space *cache, struct page *page, unsigned long key)
{
	int err;

	spin_lock(&tree->lock);
	xa_lock_irq(&cache->i_pages);
	err = __xa_insert(&cache->i_pages, key, page, GFP_NOFS);
	xa_unlock_irq(&cache->i_pages);
	spin_unlock(&tree->lock);
	return err;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  // A lock released inside a callee: one annotated __must_hold that drops it on its failure path.
  {
    name: 'a helper annotated __must_hold drops the lock in a loop and returns without it on failure: the caller returns at once (hugetlb region_chg, region_add)',
    dir: 'mm',
    code: `
static int FN_refill(struct gad_map *map, int need)
	__must_hold(&map->lock)
{
	struct gad_ent *e;

	while (map->spare < need) {
		spin_unlock(&map->lock);
		e = kmalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			goto nomem;
		spin_lock(&map->lock);
		list_add(&e->link, &map->spares);
		map->spare++;
	}
	return 0;

nomem:
	return -ENOMEM;
}

static long FN(struct gad_map *map, long from, long to)
{
	long chg;

	spin_lock(&map->lock);
	chg = gad_count_missing(map, from, to);
	if (FN_refill(map, 1))
		return -ENOMEM;
	map->pending++;
	spin_unlock(&map->lock);
	return chg;
}`,
    fire: [],
  },
  {
    name: 'control: without such a helper, the early return leaks the lock',
    dir: 'mm',
    code: `
static long FN(struct gad_map *map, long from, long to)
{
	long chg;

	spin_lock(&map->lock);
	chg = gad_count_missing(map, from, to);
	if (gad_full(map))
		return -ENOMEM;
	map->pending++;
	spin_unlock(&map->lock);
	return chg;
}`,
    fire: ['lock/unbalanced'],
  },
  // A second page lock taken in an order fixed by an index test before it.
  {
    name: 'two folios locked after a test of their indexes swapped them into ascending order (remap_range lock two folios)',
    dir: 'fs',
    code: `
static void FN(struct folio *a, struct folio *b)
{
	if (a->index > b->index)
		swap(a, b);
	folio_lock(a);
	if (a != b)
		folio_lock(b);
}`,
    fire: [],
  },
  {
    name: 'control: two folios locked with no order between them still fire',
    dir: 'fs',
    code: `
static void FN(struct folio *a, struct folio *b)
{
	folio_lock(a);
	if (a != b)
		folio_lock(b);
}`,
    fire: ['lock/second-page-lock'],
  },
  // A second page lock on a page this function has just allocated.
  {
    name: 'a page allocated a moment ago is locked while another is held: no one else can hold it yet (migrate a device page back)',
    dir: 'mm',
    code: `
static int FN(struct page *page)
{
	struct page *dpage;
	int ret;

	lock_page(page);
	dpage = alloc_page(GFP_USER | __GFP_NOWARN);
	if (dpage)
		lock_page(dpage);
	ret = gad_move_page(page, dpage);
	if (dpage)
		unlock_page(dpage);
	unlock_page(page);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'control: a page looked up in a mapping is locked while another is held: still fires',
    dir: 'mm',
    code: `
static int FN(struct page *page, struct address_space *mapping, pgoff_t idx)
{
	struct page *other;
	int ret;

	lock_page(page);
	other = find_get_page(mapping, idx);
	if (other)
		lock_page(other);
	ret = gad_move_page(page, other);
	if (other)
		unlock_page(other);
	unlock_page(page);
	return ret;
}`,
    fire: ['lock/second-page-lock'],
  },
  // A sleeping call in one case of a helper's switch, after the helper dropped the caller's lock.
  {
    name: "a helper that drops its caller's raw spinlock and yields only in the -EAGAIN case of a switch, then retakes it (futex pi owner fix-up)",
    dir: 'kernel/futex',
    code: `
static int FN_fixup(struct gad_pi *pi, struct gad_q *q, u32 __user *addr)
{
	int err;

retry:
	err = gad_update_owner(pi, addr);
	if (err)
		goto handle_err;
	return 0;

handle_err:
	raw_spin_unlock_irq(&pi->mutex.wait_lock);
	spin_unlock(q->lock_ptr);

	switch (err) {
	case -EFAULT:
		err = gad_fault_in(addr);
		break;
	case -EAGAIN:
		cond_resched();
		err = 0;
		break;
	default:
		WARN_ON_ONCE(1);
		break;
	}

	spin_lock(q->lock_ptr);
	raw_spin_lock_irq(&pi->mutex.wait_lock);
	if (!err)
		goto retry;
	return err;
}

static int FN(struct gad_q *q, u32 __user *addr)
{
	struct gad_pi *pi = q->pi;
	int ret;

	raw_spin_lock_irq(&pi->mutex.wait_lock);
	ret = FN_fixup(pi, q, addr);
	raw_spin_unlock_irq(&pi->mutex.wait_lock);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'control: a helper that yields every time it runs, with the raw spinlock still held, fires through the helper',
    dir: 'kernel/futex',
    code: `
static int FN_settle(struct gad_pi *pi, u32 __user *addr)
{
	int err;

	cond_resched();
	err = gad_update_owner(pi, addr);
	switch (err) {
	case -EAGAIN:
		err = 0;
		break;
	default:
		break;
	}
	return err;
}

static int FN(struct gad_q *q, u32 __user *addr)
{
	struct gad_pi *pi = q->pi;
	int ret;

	raw_spin_lock_irq(&pi->mutex.wait_lock);
	ret = FN_settle(pi, addr);
	raw_spin_unlock_irq(&pi->mutex.wait_lock);
	return ret;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  // A helper annotated as dropping its caller's lock.
  {
    name: 'a request is queued by a helper annotated __releases(iq->lock), whose body drops it through an ops pointer, and only then waited for (fuse request send)',
    dir: 'fs/fuse',
    code: `
static void FN_queue_and_unlock(struct gad_iq *iq, struct gad_req *req)
__releases(iq->lock)
{
	list_add_tail(&req->list, &iq->pending);
	iq->ops->wake_and_unlock(iq);
}

static void FN_wait_answer(struct gad_req *req)
{
	wait_event(req->waitq, test_bit(GAD_FINISHED, &req->flags));
}

static void FN(struct gad_req *req)
{
	struct gad_iq *iq = req->iq;

	spin_lock(&iq->lock);
	if (!iq->connected) {
		spin_unlock(&iq->lock);
		req->error = -ENOTCONN;
	} else {
		FN_queue_and_unlock(iq, req);
		FN_wait_answer(req);
	}
}`,
    fire: [],
  },
  {
    name: 'control: waiting before the annotated helper drops the lock still fires',
    dir: 'fs/fuse',
    code: `
static void FN_queue_and_unlock(struct gad_iq *iq, struct gad_req *req)
__releases(iq->lock)
{
	list_add_tail(&req->list, &iq->pending);
	iq->ops->wake_and_unlock(iq);
}

static void FN_wait_answer(struct gad_req *req)
{
	wait_event(req->waitq, test_bit(GAD_FINISHED, &req->flags));
}

static void FN(struct gad_req *req)
{
	struct gad_iq *iq = req->iq;

	spin_lock(&iq->lock);
	FN_wait_answer(req);
	FN_queue_and_unlock(iq, req);
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  {
    name: 'a helper annotated __releases(p->pi_lock) drops it before it waits: its caller, called with it held, is not charged the wait (sched affine move task)',
    dir: 'kernel/sched',
    code: `
static inline void FN_rq_unlock(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf)
{
	raw_spin_unlock(&rq->__lock);
	raw_spin_unlock_irqrestore(&p->pi_lock, rf->flags);
}

static int FN_move_task(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf)
	__releases(rq->__lock)
	__releases(p->pi_lock)
{
	struct gad_pending *pending = p->gad_pending;

	if (gad_on_right_cpu(p)) {
		FN_rq_unlock(rq, p, rf);
		return 0;
	}
	FN_rq_unlock(rq, p, rf);
	wait_for_completion(&pending->done);
	return 0;
}

static int FN(struct task_struct *p, struct gad_rq *rq, struct gad_rf *rf)
	__releases(rq->__lock)
	__releases(p->pi_lock)
{
	if (gad_same_mask(p))
		goto out;
	return FN_move_task(rq, p, rf);
out:
	FN_rq_unlock(rq, p, rf);
	return 0;
}`,
    fire: [],
  },
  {
    name: 'control: a lock the annotated helper does not drop is still held while it waits',
    dir: 'kernel/sched',
    code: `
static inline void FN_rq_unlock(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf)
{
	raw_spin_unlock(&rq->__lock);
	raw_spin_unlock_irqrestore(&p->pi_lock, rf->flags);
}

static int FN_move_task(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf)
	__releases(rq->__lock)
	__releases(p->pi_lock)
{
	struct gad_pending *pending = p->gad_pending;

	FN_rq_unlock(rq, p, rf);
	wait_for_completion(&pending->done);
	return 0;
}

static int FN(struct task_struct *p, struct gad_rq *rq, struct gad_rf *rf, struct gad_grp *grp)
{
	int ret;

	spin_lock(&grp->lock);
	raw_spin_lock_irqsave(&p->pi_lock, rf->flags);
	raw_spin_lock(&rq->__lock);
	ret = FN_move_task(rq, p, rf);
	spin_unlock(&grp->lock);
	return ret;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
  {
    name: 'a helper that drops p->pi_lock through another helper on each of its branches, then waits: its caller holding it is not charged the wait (sched affine_move_task through task_rq_unlock)',
    dir: 'kernel/sched',
    code: `
static inline void FN_rq_unlock(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf)
{
	raw_spin_unlock(&rq->__lock);
	raw_spin_unlock_irqrestore(&p->pi_lock, rf->flags);
}

static int FN_move_task(struct gad_rq *rq, struct task_struct *p, struct gad_rf *rf, int flags)
{
	struct gad_pending *pending = p->gad_pending;

	if (gad_on_cpu(p)) {
		gad_stop_pending(pending);
		FN_rq_unlock(rq, p, rf);
	} else {
		gad_move_queued(rq, p);
		FN_rq_unlock(rq, p, rf);
	}
	wait_for_completion(&pending->done);
	return 0;
}

static int FN(struct task_struct *p, struct gad_rq *rq, struct gad_rf *rf)
	__releases(rq->__lock)
	__releases(p->pi_lock)
{
	if (gad_same_mask(p))
		goto out;
	return FN_move_task(rq, p, rf, 0);
out:
	FN_rq_unlock(rq, p, rf);
	return 0;
}`,
    fire: [],
  },
  // A lock handed to the caller with the object it belongs to, through an out parameter.
  {
    name: "a key found in a list is returned write-locked through (*keyp), the lock a field of the stored key; the error paths unlock it (ecryptfs global auth tok lookup)",
    dir: 'fs/ecryptfs',
    code: `
static int FN(struct gad_list *list, struct key **keyp, char *sig)
{
	struct gad_entry *w;
	int rc = -ENOENT;

	mutex_lock(&list->mutex);
	list_for_each_entry(w, &list->head, link) {
		if (strcmp(w->sig, sig))
			continue;
		down_write(&(w->key->sem));
		rc = gad_verify(w->key);
		if (rc)
			goto out_unlock;
		(*keyp) = w->key;
		key_get(*keyp);
		goto out;
	}
	goto out;
out_unlock:
	up_write(&(w->key->sem));
	w->key = NULL;
out:
	mutex_unlock(&list->mutex);
	return rc;
}`,
    fire: [],
  },
  {
    name: 'a key requested into (*keyp) is write-locked there and unlocked only when it fails verification (ecryptfs keyring auth tok for sig)',
    dir: 'fs/ecryptfs',
    code: `
int FN(struct key **keyp, char *sig)
{
	int rc;

	(*keyp) = gad_request_key(sig);
	if (IS_ERR(*keyp)) {
		rc = PTR_ERR(*keyp);
		(*keyp) = NULL;
		goto out;
	}
	down_write(&(*keyp)->sem);
	rc = gad_verify(*keyp);
	if (rc) {
		up_write(&(*keyp)->sem);
		key_put(*keyp);
		(*keyp) = NULL;
		goto out;
	}
out:
	return rc;
}`,
    fire: [],
  },
  {
    name: 'control: a key locked and never stored for the caller still leaks on the success path',
    dir: 'fs/ecryptfs',
    code: `
static int FN(struct gad_list *list, struct key **keyp, char *sig)
{
	struct gad_entry *w;
	int rc = -ENOENT;

	mutex_lock(&list->mutex);
	list_for_each_entry(w, &list->head, link) {
		if (strcmp(w->sig, sig))
			continue;
		down_write(&(w->key->sem));
		rc = gad_verify(w->key);
		if (rc)
			goto out_unlock;
		key_get(w->key);
		goto out;
	}
	goto out;
out_unlock:
	up_write(&(w->key->sem));
	w->key = NULL;
out:
	mutex_unlock(&list->mutex);
	return rc;
}`,
    fire: ['lock/unbalanced'],
  },
  // A helper drops the caller's lock through a local set from its parameter.
  {
    name: "a helper given the inode drops the inode info's i_data_sem (iinfo = GAD_I(inode)) before it fails: the caller returns its error at once, with the inode lock also held (udf file write, udf setsize)",
    dir: 'fs/udf',
    code: `
static int FN_expand(struct inode *inode)
{
	struct gad_inode_info *iinfo = GAD_I(inode);
	struct page *page;

	if (!inode->i_data.nrpages) {
		iinfo->alloc_type = GAD_SHORT;
		up_write(&iinfo->i_data_sem);
		return 0;
	}
	up_write(&iinfo->i_data_sem);
	page = find_or_create_page(inode->i_mapping, 0, GFP_NOFS);
	if (!page)
		return -ENOMEM;
	down_write(&iinfo->i_data_sem);
	iinfo->alloc_type = GAD_LONG;
	up_write(&iinfo->i_data_sem);
	unlock_page(page);
	put_page(page);
	return 0;
}

static ssize_t FN(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct gad_inode_info *iinfo = GAD_I(inode);
	ssize_t ret;
	int err;

	inode_lock(inode);
	down_write(&iinfo->i_data_sem);
	if (iinfo->alloc_type == GAD_IN_ICB && gad_too_big(inode, iocb)) {
		err = FN_expand(inode);
		if (err) {
			inode_unlock(inode);
			return err;
		}
	} else
		up_write(&iinfo->i_data_sem);
	ret = generic_perform_write(iocb, from);
	down_write(&iinfo->i_data_sem);
	iinfo->len_alloc = inode->i_size;
	up_write(&iinfo->i_data_sem);
	inode_unlock(inode);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'control: the same early return after a helper that leaves i_data_sem alone leaks it',
    dir: 'fs/udf',
    code: `
static int FN_check(struct inode *inode)
{
	struct gad_inode_info *iinfo = GAD_I(inode);

	return iinfo->alloc_type == GAD_BAD ? -EIO : 0;
}

static ssize_t FN(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct gad_inode_info *iinfo = GAD_I(inode);
	ssize_t ret;
	int err;

	inode_lock(inode);
	down_write(&iinfo->i_data_sem);
	if (iinfo->alloc_type == GAD_IN_ICB && gad_too_big(inode, iocb)) {
		err = FN_check(inode);
		if (err) {
			inode_unlock(inode);
			return err;
		}
	}
	up_write(&iinfo->i_data_sem);
	ret = generic_perform_write(iocb, from);
	down_write(&iinfo->i_data_sem);
	iinfo->len_alloc = inode->i_size;
	up_write(&iinfo->i_data_sem);
	inode_unlock(inode);
	return ret;
}`,
    fire: ['lock/unbalanced'],
  },
  // The write side of the mmap lock taken killably: held only when it returns 0.
  {
    name: 'the mmap lock read for a check, dropped, then taken for writing with mmap_write_lock_killable() and dropped once at out: (remap_file_pages)',
    dir: 'mm',
    code: `
long FN(struct mm_struct *mm, unsigned long start, unsigned long size)
{
	struct vm_area_struct *vma;
	long ret = -EINVAL;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, start);
	if (!vma || !(vma->vm_flags & VM_SHARED)) {
		mmap_read_unlock(mm);
		return ret;
	}
	mmap_read_unlock(mm);

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, start);
	if (!vma)
		goto out;
	ret = gad_remap(vma, start, size);
out:
	mmap_write_unlock(mm);
	return ret;
}`,
    fire: [],
  },
  {
    name: 'control: a second unlock of the write lock on the same path still fires',
    dir: 'mm',
    code: `
long FN(struct mm_struct *mm, unsigned long start, unsigned long size)
{
	struct vm_area_struct *vma;
	long ret = -EINVAL;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, start);
	if (vma)
		ret = gad_remap(vma, start, size);
	mmap_write_unlock(mm);
	gad_account(mm, ret);
	mmap_write_unlock(mm);
	return ret;
}`,
    fire: ['lock/unbalanced'],
  },
  {
    name: "the old mm's write lock taken killably, the new mm's with mmap_write_lock_nested(), each dropped once (fork's dup_mmap)",
    dir: 'kernel',
    code: `
static int FN(struct mm_struct *mm, struct mm_struct *oldmm)
{
	int retval = 0;

	if (mmap_write_lock_killable(oldmm)) {
		retval = -EINTR;
		goto fail_end;
	}
	mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING);
	retval = gad_copy_vmas(mm, oldmm);
	mmap_write_unlock(mm);
	gad_flush(oldmm);
	mmap_write_unlock(oldmm);
fail_end:
	gad_end(oldmm);
	return retval;
}`,
    fire: [],
  },
  {
    name: "a helper that drops the superblock info's mutex (sbi = GAD_SB(s)) is not taken to drop the inode lock, the one sleeping lock the caller is seen holding (hpfs dir lseek)",
    dir: 'fs/hpfs',
    code: `
static void FN_lock(struct super_block *s)
{
	struct gad_sb_info *sbi = GAD_SB(s);

	mutex_lock(&sbi->gad_mutex);
}

static void FN_unlock(struct super_block *s)
{
	struct gad_sb_info *sbi = GAD_SB(s);

	mutex_unlock(&sbi->gad_mutex);
}

static loff_t FN(struct file *filp, loff_t off)
{
	struct inode *i = file_inode(filp);
	struct super_block *s = i->i_sb;

	inode_lock(i);
	FN_lock(s);
	if (gad_add_pos(i, &filp->f_pos) < 0) {
		FN_unlock(s);
		inode_unlock(i);
		return -ENOMEM;
	}
	filp->f_pos = off;
	FN_unlock(s);
	inode_unlock(i);
	return off;
}`,
    fire: [],
  },
  // A release that is a guess, or a lock taken back by an annotated helper, is not a second release.
  {
    name: 'a helper annotated __acquires(op->lock), whose field type the annotation does not tell, takes back the lock the caller dropped: the unlock after it is not a second one (orangefs service_operation)',
    dir: 'fs/orangefs',
    code: `
static int FN_wait(struct gad_op *op, long timeout)
	__acquires(op->lock);

int FN(struct gad_op *op)
{
	int ret;

	spin_lock(&gad_list_lock);
	spin_lock(&op->lock);
	op->state = 1;
	spin_unlock(&op->lock);
	spin_unlock(&gad_list_lock);
	ret = FN_wait(op, 10);
	if (!ret) {
		spin_unlock(&op->lock);
		ret = op->status;
		goto out;
	}
	gad_cleanup(op);
out:
	return ret;
}

static int FN_wait(struct gad_op *op, long timeout)
	__acquires(op->lock)
{
	for (;;) {
		spin_lock(&op->lock);
		if (op->done)
			break;
		spin_unlock(&op->lock);
		timeout = gad_sleep(op, timeout);
	}
	return op->status;
}`,
    fire: [],
  },
  {
    name: 'control: after the annotated helper takes the lock back, unlocking it twice on one path still fires',
    dir: 'fs/orangefs',
    code: `
static int FN_wait(struct gad_op *op, long timeout)
	__acquires(op->lock);

int FN(struct gad_op *op)
{
	int ret;

	spin_lock(&op->lock);
	op->state = 1;
	spin_unlock(&op->lock);
	ret = FN_wait(op, 10);
	spin_unlock(&op->lock);
	op->state = 2;
	spin_unlock(&op->lock);
	return ret;
}`,
    fire: ['lock/unbalanced'],
  },
  {
    name: "the unlock of a mutex a helper try-locked (&(*ctx)->mux) is not the lists mutex written another way: that mutex's own unlock next is not a second one (ecryptfs send_message_locked)",
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(gad_lists_mux);

static int FN_claim(struct gad_ctx **ctx)
{
	struct gad_ctx *c;

	list_for_each_entry(c, &gad_free_list, node) {
		if (mutex_trylock(&c->mux)) {
			*ctx = c;
			return 0;
		}
	}
	return -ENOMEM;
}

int FN(char *data, struct gad_ctx **ctx)
{
	int rc;

	mutex_lock(&gad_lists_mux);
	rc = FN_claim(ctx);
	if (rc) {
		mutex_unlock(&gad_lists_mux);
		goto out;
	}
	gad_move_to_alloc(*ctx);
	mutex_unlock(&(*ctx)->mux);
	mutex_unlock(&gad_lists_mux);
	rc = gad_push(data, *ctx);
out:
	return rc;
}`,
    fire: [],
  },
  {
    name: "control: the lists mutex unlocked by its own name twice after the other mutex's unlock still fires",
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(gad_lists_mux);

int FN(char *data, struct gad_ctx *ctx)
{
	int rc;

	mutex_lock(&gad_lists_mux);
	gad_move_to_alloc(ctx);
	mutex_unlock(&ctx->mux);
	mutex_unlock(&gad_lists_mux);
	rc = gad_push(data, ctx);
	mutex_unlock(&gad_lists_mux);
	return rc;
}`,
    fire: ['lock/unbalanced'],
  },
  {
    name: 'a loop under a lock the function must hold (__must_hold) drops it on the way to an -EAGAIN return and takes it back first (pnfs bulk destroy by server)',
    dir: 'fs/nfs',
    code: `
static int FN(struct gad_client *clp, struct gad_server *server, struct list_head *out)
	__must_hold(&clp->cl_lock)
	__must_hold(RCU)
{
	struct gad_hdr *lo, *next;
	struct inode *inode;

	list_for_each_entry_safe(lo, next, &server->layouts, node) {
		if (test_bit(1, &lo->flags))
			continue;
		if (!gad_sb_active(server->super))
			break;
		inode = gad_grab_inode(lo);
		if (inode != NULL) {
			if (gad_add_list(inode, out))
				continue;
			rcu_read_unlock();
			spin_unlock(&clp->cl_lock);
			iput(inode);
		} else {
			rcu_read_unlock();
			spin_unlock(&clp->cl_lock);
		}
		gad_sb_deactive(server->super);
		spin_lock(&clp->cl_lock);
		rcu_read_lock();
		return -EAGAIN;
	}
	return 0;
}`,
    fire: [],
  },
  // A field name several structures give their lock keeps its owner in the lock's class.
  {
    name: "a daemon's mux and a message context's mux are two locks, each ordered against the lists mutex its own way (ecryptfs exorcise_daemon, send_message_locked)",
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(gad_lists_mux);

int FN_exorcise(struct gad_daemon *daemon)
{
	struct gad_ctx *c, *tmp;

	mutex_lock(&daemon->mux);
	if (daemon->busy) {
		mutex_unlock(&daemon->mux);
		return -EBUSY;
	}
	mutex_lock(&gad_lists_mux);
	list_for_each_entry_safe(c, tmp, &daemon->queue, node)
		gad_ctx_free(c);
	mutex_unlock(&gad_lists_mux);
	mutex_unlock(&daemon->mux);
	kfree(daemon);
	return 0;
}

int FN_fail_send(struct gad_ctx **msg_ctx)
{
	mutex_lock(&gad_lists_mux);
	mutex_lock(&(*msg_ctx)->mux);
	gad_ctx_free(*msg_ctx);
	mutex_unlock(&(*msg_ctx)->mux);
	mutex_unlock(&gad_lists_mux);
	*msg_ctx = NULL;
	return 0;
}`,
    fire: [],
  },
  {
    name: "control: the daemon's own mux taken in both orders against the lists mutex is still an inversion",
    dir: 'fs/ecryptfs',
    code: `
static DEFINE_MUTEX(gad_queue_mux);

int FN_exorcise(struct gad_dmn *dmn)
{
	mutex_lock(&dmn->mux);
	mutex_lock(&gad_queue_mux);
	gad_drop_queue(dmn);
	mutex_unlock(&gad_queue_mux);
	mutex_unlock(&dmn->mux);
	return 0;
}

int FN_requeue(struct gad_dmn *dmn)
{
	mutex_lock(&gad_queue_mux);
	mutex_lock(&dmn->mux);
	gad_requeue(dmn);
	mutex_unlock(&dmn->mux);
	mutex_unlock(&gad_queue_mux);
	return 0;
}`,
    fire: ['lock/lock-order-inversion', 'lock/lock-order-inversion'],
  },
];
