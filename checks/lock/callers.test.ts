// A changed function that now sleeps, checked against how the tree calls it (callers.ts). The shapes
// are real fixes reversed (bench/lock-cases/manifest.yml: ext2-group-desc-error-atomic,
// nfsd-file-put-under-spinlock, nfs4-do-reclaim-atomic), re-told with made-up functions; each
// bug's fix must stay quiet, and so must the same call where the callers hold nothing.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from '../../test/c/lock-harness.js';
import { demofsTable, DEMOFS_HELPERS, DEMOFS_STATFS, FAIL_COMPLAINT, WARN_COMPLAINT } from '../../test/c/demofs-case.js';

const sleepy = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/sleep-in-atomic');
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

// The ext2 case (test/c/demofs-case.ts): the lookup's complaint now writes the superblock out,
// and statfs counts free space under the superblock spinlock.
const TABLE_WARN = demofsTable(WARN_COMPLAINT);
const TABLE_FAIL = demofsTable(FAIL_COMPLAINT);
const SUPER = `#include "demofs.h"\n\n${DEMOFS_HELPERS}${DEMOFS_STATFS}`;
// The same tree with statfs counting after it dropped the spinlock: nobody calls the lookup in atomic context.
const SUPER_UNLOCKED = SUPER.replace('\tbuf->f_bfree = demofs_count_free(sb);\n\tspin_unlock(&sbi->lock);', '\tspin_unlock(&sbi->lock);\n\tbuf->f_bfree = demofs_count_free(sb);');

// A lock-state check that now drops its file reference itself, and the reference drop may sleep;
// the release path calls the check under the client's spinlock (nfsd's check_for_locks()).
const CACHE = `#include "demod.h"

void demod_file_put(struct demod_file *nf)
{
	might_sleep();
	if (refcount_dec_and_test(&nf->ref))
		demod_file_free(nf);
}
`;
const STATE_BEFORE = `#include "demod.h"

static bool demod_owner_has_locks(struct demod_file *nf, struct demod_owner *owner)
{
	bool found = false;

	spin_lock(&nf->flc_lock);
	found = demod_scan_locks(nf, owner);
	spin_unlock(&nf->flc_lock);
	return found;
}

int demod_release_owner(struct demod_client *clp, struct demod_owner *owner)
{
	struct demod_file *nf = owner->file;

	spin_lock(&clp->cl_lock);
	if (demod_owner_has_locks(nf, owner)) {
		spin_unlock(&clp->cl_lock);
		return -EBUSY;
	}
	spin_unlock(&clp->cl_lock);
	return 0;
}
`;
const STATE_BUG = STATE_BEFORE.replace('\tspin_unlock(&nf->flc_lock);\n\treturn found;', '\tspin_unlock(&nf->flc_lock);\n\tdemod_file_put(nf);\n\treturn found;');
// The check drops the client's lock itself (as its callers' contract says) before it puts: quiet.
const STATE_DROPS = STATE_BEFORE.replace('\tspin_unlock(&nf->flc_lock);\n\treturn found;', '\tspin_unlock(&nf->flc_lock);\n\tspin_unlock(&nf->client->cl_lock);\n\tdemod_file_put(nf);\n\treturn found;');

// Purging cached owners now frees them on the spot, and freeing one cancels its delayed work
// synchronously; the reclaim walk purges inside an rcu read section (nfs4_do_reclaim()).
const OWNERS_BEFORE = `#include "demoo.h"

static void demoo_free_owner(struct demoo_owner *sp)
{
	cancel_delayed_work_sync(&sp->work);
	kfree(sp);
}

void demoo_purge_owners(struct demoo_server *server, struct list_head *head)
{
	struct demoo_owner *sp, *tmp;

	list_for_each_entry_safe(sp, tmp, &server->lru, lru)
		list_move(&sp->lru, head);
}

int demoo_reclaim(struct demoo_client *clp)
{
	struct demoo_server *server;
	LIST_HEAD(freeme);

	rcu_read_lock();
	list_for_each_entry_rcu(server, &clp->servers, link)
		demoo_purge_owners(server, &freeme);
	rcu_read_unlock();
	demoo_free_list(&freeme);
	return 0;
}
`;
const OWNERS_BUG = OWNERS_BEFORE.replace('\tlist_for_each_entry_safe(sp, tmp, &server->lru, lru)\n\t\tlist_move(&sp->lru, head);', '\tlist_for_each_entry_safe(sp, tmp, &server->lru, lru) {\n\t\tlist_del(&sp->lru);\n\t\tdemoo_free_owner(sp);\n\t}');

// A sleeping helper inlined into its only caller: the function slept before the patch too (through
// the helper), so the patch makes nothing new, whatever its callers hold.
const INLINE_BEFORE = `#include "demoi.h"

static void demoi_wait_idle(struct demoi_dev *d)
{
	mutex_lock(&d->idle_mutex);
	d->idle = true;
	mutex_unlock(&d->idle_mutex);
}

void demoi_quiesce(struct demoi_dev *d)
{
	demoi_wait_idle(d);
	d->quiesced = true;
}

void demoi_stop(struct demoi_dev *d)
{
	spin_lock(&d->lock);
	demoi_quiesce(d);
	spin_unlock(&d->lock);
}
`;
const INLINE_AFTER = INLINE_BEFORE.replace('\tdemoi_wait_idle(d);\n', '\tmutex_lock(&d->idle_mutex);\n\td->idle = true;\n\tmutex_unlock(&d->idle_mutex);\n');

describe('a changed function that now sleeps, checked against its callers in the tree', () => {
  it('quiet when the function slept before the patch too (a sleeping helper inlined)', async () => {
    expect(INLINE_AFTER).not.toBe(INLINE_BEFORE);
    expect(sleepy(await runLockCase({ before: { 'fs/demoi/dev.c': INLINE_BEFORE }, after: { 'fs/demoi/dev.c': INLINE_AFTER } }))).toEqual([]);
  });

  it('two callers up, a may-sleep helper two deep: a low-confidence note naming the chain and the caller holding the spinlock', async () => {
    const base = { 'fs/demofs/table.c': TABLE_WARN, 'fs/demofs/super.c': SUPER };
    const [f, ...rest] = sleepy(await runLockCase({ before: base, after: { 'fs/demofs/table.c': TABLE_FAIL } }));
    expect(rest).toEqual([]);
    expect(f.severity).toBe('note');
    expect(f.confidence).toBe('low');
    expect(f.location).toEqual({ kind: 'file', path: 'fs/demofs/table.c', line: lineOf(TABLE_FAIL, 'demofs_fail(sb,') });
    expect(f.message).toBe(
      `demofs_desc_of() now calls demofs_fail(), which may sleep (demofs_fail -> demofs_commit_super -> sync_dirty_buffer), and demofs_statfs() calls demofs_count_free(), which calls demofs_desc_of() (fs/demofs/table.c:${lineOf(TABLE_FAIL, 'demofs_desc_of(sb, i)')}), with the spinlock on sbi->lock held.`,
    );
    expect(f.related?.[0].location).toEqual({ kind: 'file', path: 'fs/demofs/super.c', line: lineOf(SUPER, 'demofs_count_free(sb);') });
    expect(f.basis?.inferred[0]).toBe('demofs_fail() sleeps on some path: demofs_fail -> demofs_commit_super -> sync_dirty_buffer');
  });

  it('the fix (back to WARN) is quiet, and so is the same change where the caller counts after its unlock', async () => {
    expect(sleepy(await runLockCase({ before: { 'fs/demofs/table.c': TABLE_FAIL, 'fs/demofs/super.c': SUPER }, after: { 'fs/demofs/table.c': TABLE_WARN } }))).toEqual([]);
    expect(sleepy(await runLockCase({ before: { 'fs/demofs/table.c': TABLE_WARN, 'fs/demofs/super.c': SUPER_UNLOCKED }, after: { 'fs/demofs/table.c': TABLE_FAIL } }))).toEqual([]);
  });

  it('a put that sleeps every time, added to a check its caller makes under a spinlock: low confidence, the caller being in the file the patch changes', async () => {
    const base = { 'fs/demod/cache.c': CACHE, 'fs/demod/state.c': STATE_BEFORE, 'fs/demod/other.c': '#include "demod.h"\n' };
    const [f, ...rest] = sleepy(await runLockCase({ before: base, after: { 'fs/demod/state.c': STATE_BUG } }));
    expect(rest).toEqual([]);
    expect(f.message).toBe('demod_owner_has_locks() now calls demod_file_put(), which sleeps (demod_file_put -> might_sleep), and demod_release_owner() calls demod_owner_has_locks() with the spinlock on clp->cl_lock held.');
    expect(f.location).toEqual({ kind: 'file', path: 'fs/demod/state.c', line: lineOf(STATE_BUG, 'demod_file_put(nf);') });
    // The caller is in the file the patch changes: read as the tree has it, so low.
    expect(f.confidence).toBe('low');
  });

  it('quiet when the check drops a lock like the caller\'s before it sleeps, and on the fix', async () => {
    const base = { 'fs/demod/cache.c': CACHE, 'fs/demod/state.c': STATE_BEFORE };
    expect(sleepy(await runLockCase({ before: base, after: { 'fs/demod/state.c': STATE_DROPS } }))).toEqual([]);
    expect(sleepy(await runLockCase({ before: { ...base, 'fs/demod/state.c': STATE_BUG }, after: { 'fs/demod/state.c': STATE_BEFORE } }))).toEqual([]);
  });

  it('a free that cancels work synchronously, added to a purge the reclaim walk runs inside rcu_read_lock()', async () => {
    const [f, ...rest] = sleepy(await runLockCase({ before: { 'fs/demoo/state.c': OWNERS_BEFORE }, after: { 'fs/demoo/state.c': OWNERS_BUG } }));
    expect(rest).toEqual([]);
    expect(f.message).toBe('demoo_purge_owners() now calls demoo_free_owner(), which sleeps (demoo_free_owner -> cancel_delayed_work_sync), and demoo_reclaim() calls demoo_purge_owners() inside rcu_read_lock().');
    expect(sleepy(await runLockCase({ before: { 'fs/demoo/state.c': OWNERS_BUG }, after: { 'fs/demoo/state.c': OWNERS_BEFORE } }))).toEqual([]);
  });
});
