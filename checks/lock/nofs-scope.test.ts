// A patch that takes away a NOFS allocation scope (nofs-scope.ts). The shapes are those of real
// fixes reversed (bench/lock-cases/manifest.yml: quota-dq-lock-reclaim, xfs-writepages-reclaim,
// f2fs-gc-thread-reclaim, ext4-kvmalloc-reclaim, ext4-write-begin-page-reclaim), re-told here with
// made-up functions of a made-up filesystem; each bug's fix must stay quiet.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../../test/c/lock-harness.js';

const F = 'fs/demofs/store.c';
const dropped = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/nofs-scope-dropped');
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

// A record is loaded under its own mutex; the read may allocate, and reclaim may come back to the
// filesystem and want the same record's mutex (quota's dq_lock).
const RECORD_SCOPED = `#include <linux/sched/mm.h>

int demofs_record_load(struct demofs_record *rec)
{
	int err = 0;
	unsigned int nofs;

	mutex_lock(&rec->lock);
	nofs = memalloc_nofs_save();
	if (!rec->loaded) {
		err = rec->ops->fetch(rec);
		if (!err)
			err = demofs_record_index(rec);
	}
	rec->loaded = true;
	memalloc_nofs_restore(nofs);
	mutex_unlock(&rec->lock);
	return err;
}
`;
const RECORD_BARE = `#include <linux/sched/mm.h>

int demofs_record_load(struct demofs_record *rec)
{
	int err = 0;

	mutex_lock(&rec->lock);
	if (!rec->loaded) {
		err = rec->ops->fetch(rec);
		if (!err)
			err = demofs_record_index(rec);
	}
	rec->loaded = true;
	mutex_unlock(&rec->lock);
	return err;
}
`;
// The same work with the allocations made GFP_NOFS by hand instead of by the scope: not a drop.
const RECORD_BY_FLAG = RECORD_BARE.replace('err = demofs_record_index(rec);', 'err = demofs_record_index(rec, GFP_NOFS);');

// Writeback on behalf of reclaim: the pages are written inside a scope (xfs ->writepages).
const WRITEPAGES_SCOPED = `static int demofs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct demofs_wctx ctx = { };
	unsigned int flags;
	int ret;

	/* writeback may allocate while reclaim waits on it */
	flags = memalloc_nofs_save();
	ret = generic_write_pages(mapping, wbc, &ctx.base, &demofs_wb_ops);
	memalloc_nofs_restore(flags);
	return ret;
}
`;
const WRITEPAGES_BARE = `static int demofs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct demofs_wctx ctx = { };

	return generic_write_pages(mapping, wbc, &ctx.base, &demofs_wb_ops);
}
`;

// A cleaner thread that holds its own mutex while it works opens a scope once, for its lifetime (f2fs gc thread).
const THREAD_SCOPED = `static int demofs_cleaner(void *data)
{
	struct demofs_sb *sbi = data;

	memalloc_nofs_save();
	set_freezable();
	do {
		mutex_lock(&sbi->clean_lock);
		demofs_clean_some(sbi);
		mutex_unlock(&sbi->clean_lock);
	} while (!kthread_should_stop());
	return 0;
}
`;
const THREAD_BARE = THREAD_SCOPED.replace('\tmemalloc_nofs_save();\n', '');

// A kvmalloc-like helper whose vmalloc fallback is wrapped in a scope when the caller asked for
// NOFS (ext4_kvmalloc): the wrapper is deleted and the fallback calls vmalloc directly.
const KV_SCOPED = `static void *demofs_vmalloc_nofs(size_t size, gfp_t gfp)
{
	unsigned int nofs = 0;
	void *p;

	if (!(gfp & __GFP_FS))
		nofs = memalloc_nofs_save();
	p = __vmalloc(size, gfp);
	if (!(gfp & __GFP_FS))
		memalloc_nofs_restore(nofs);
	return p;
}

void *demofs_kvmalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp | __GFP_NOWARN);

	if (!p)
		p = demofs_vmalloc_nofs(size, gfp);
	return p;
}
`;
const KV_BARE = `void *demofs_kvmalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp | __GFP_NOWARN);

	if (!p)
		p = __vmalloc(size, gfp);
	return p;
}
`;

// The page cache of a journalled inode kept out of fs reclaim by its mapping's mask (ext4_set_aops).
const AOPS_MASKED = `void demofs_set_aops(struct inode *inode)
{
	gfp_t mask;

	inode->i_mapping->a_ops = &demofs_aops;
	/* page cache allocations must not recurse into the journal */
	mask = mapping_gfp_mask(inode->i_mapping);
	mapping_set_gfp_mask(inode->i_mapping, (mask & ~(__GFP_FS)));
}
`;
const AOPS_BARE = `void demofs_set_aops(struct inode *inode)
{
	/* allocate pages before the handle: no GFP_NOFS needed */
	inode->i_mapping->a_ops = &demofs_aops;
}
`;

describe('a NOFS scope the patch takes away', () => {
  it('a scope around work done under a mutex: a low-confidence note at the deletion, naming the calls it covered, from the mail alone', async () => {
    const { findings } = await runHunkOnly({ before: { [F]: RECORD_SCOPED }, after: { [F]: RECORD_BARE } });
    const [f, ...rest] = dropped(findings);
    expect(rest).toEqual([]);
    expect(f.severity).toBe('note');
    expect(f.confidence).toBe('low');
    expect(f.message).toBe('demofs_record_load() no longer runs under memalloc_nofs_save(), and nothing in the patch restricts those allocations again.');
    expect(f.explanation).toContain('demofs_record_index()');
    expect(f.location).toEqual({ kind: 'file', path: F, line: lineOf(RECORD_BARE, 'if (!rec->loaded)') });
  });

  it('fires with a repository too, and the fix that puts the scope back is quiet', async () => {
    expect(dropped(await runLockCase({ before: { [F]: RECORD_SCOPED }, after: { [F]: RECORD_BARE } }))).toHaveLength(1);
    expect(dropped(await runLockCase({ before: { [F]: RECORD_BARE }, after: { [F]: RECORD_SCOPED } }))).toEqual([]);
  });

  it('is quiet when the patch makes the allocation GFP_NOFS instead', async () => {
    expect(dropped(await runLockCase({ before: { [F]: RECORD_SCOPED }, after: { [F]: RECORD_BY_FLAG } }))).toEqual([]);
  });

  it('a scope around one call that now runs bare (->writepages), and its fix', async () => {
    const bug = dropped(await runLockCase({ before: { [F]: WRITEPAGES_SCOPED }, after: { [F]: WRITEPAGES_BARE } }));
    expect(bug.map((f) => f.message)).toEqual(['demofs_writepages() no longer runs under memalloc_nofs_save(), and nothing in the patch restricts those allocations again.']);
    expect(bug[0].explanation).toContain('generic_write_pages()');
    expect(dropped(await runLockCase({ before: { [F]: WRITEPAGES_BARE }, after: { [F]: WRITEPAGES_SCOPED } }))).toEqual([]);
  });

  it("a thread's lifetime scope with no restore, and its fix", async () => {
    expect(dropped(await runLockCase({ before: { [F]: THREAD_SCOPED }, after: { [F]: THREAD_BARE } }))).toHaveLength(1);
    expect(dropped(await runLockCase({ before: { [F]: THREAD_BARE }, after: { [F]: THREAD_SCOPED } }))).toEqual([]);
  });

  it('a wrapper with the scope deleted while its vmalloc now runs bare in the caller, and its fix', async () => {
    const bug = dropped(await runLockCase({ before: { [F]: KV_SCOPED }, after: { [F]: KV_BARE } }));
    expect(bug).toHaveLength(1);
    expect(bug[0].message).toMatch(/^demofs_vmalloc_nofs\(\) no longer runs under memalloc_nofs_save\(\)/);
    expect(dropped(await runLockCase({ before: { [F]: KV_BARE }, after: { [F]: KV_SCOPED } }))).toEqual([]);
  });

  it('is quiet when the code the scope covered is deleted with it', async () => {
    const gone = KV_SCOPED.slice(KV_SCOPED.indexOf('void *demofs_kvmalloc')).replace('demofs_vmalloc_nofs(size, gfp)', 'NULL');
    expect(dropped(await runLockCase({ before: { [F]: KV_SCOPED }, after: { [F]: gone } }))).toEqual([]);
  });

  it("a mapping's __GFP_FS mask dropped (a comment naming GFP_NOFS restricts nothing), and its fix", async () => {
    const bug = dropped(await runLockCase({ before: { [F]: AOPS_MASKED }, after: { [F]: AOPS_BARE } }));
    expect(bug.map((f) => f.message)).toEqual(["demofs_set_aops() no longer clears __GFP_FS from the mapping's gfp mask, and nothing in the patch restricts those allocations again."]);
    expect(dropped(await runLockCase({ before: { [F]: AOPS_BARE }, after: { [F]: AOPS_MASKED } }))).toEqual([]);
  });
});
