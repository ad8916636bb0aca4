// File contents of the example tree: a trimmed, kernel-shaped btrfs whose writepage fixup
// worker is where the seed bug (f4b1363cae43) lived. Each version is a step of the story.

const header = `// SPDX-License-Identifier: GPL-2.0
/*
 * Example tree for kreview: a trimmed btrfs inode.c.
 */

#include <linux/pagemap.h>
#include "ctree.h"
#include "ordered-data.h"

struct btrfs_writepage_fixup {
	struct page *page;
	struct btrfs_work work;
};
`;

const pageMkwrite = `
/*
 * Reserve before the page lock: the reservation may flush delalloc,
 * and writeback of this page needs the page lock.
 */
vm_fault_t btrfs_page_mkwrite(struct vm_fault *vmf)
{
	struct page *page = vmf->page;
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct extent_changeset *data_reserved = NULL;
	u64 page_start = page_offset(page);
	vm_fault_t ret = VM_FAULT_LOCKED;
	int err;

	sb_start_pagefault(inode->i_sb);
	err = btrfs_delalloc_reserve_space(inode, &data_reserved, page_start,
					   PAGE_SIZE);
	if (err) {
		ret = VM_FAULT_SIGBUS;
		goto out_noreserve;
	}

	lock_page(page);
	if (page->mapping != inode->i_mapping) {
		unlock_page(page);
		btrfs_delalloc_release_space(inode, data_reserved, page_start,
					     PAGE_SIZE, true);
		ret = VM_FAULT_NOPAGE;
		goto out_noreserve;
	}
	set_page_dirty(page);
out_noreserve:
	sb_end_pagefault(inode->i_sb);
	extent_changeset_free(data_reserved);
	return ret;
}
`;

export interface WorkerOptions {
  mappingCheck: boolean;
  cachedState: boolean;
  /** The seed bug: reserve delalloc space with the page (and extent range) locked. */
  reserve?: boolean;
}

const reserveDecl = '\tstruct extent_changeset *data_reserved = NULL;\n';
const reserveBlock = `
	ret = btrfs_delalloc_reserve_space(inode, &data_reserved, page_start,
					   PAGE_SIZE);
	if (ret) {
		mapping_set_error(page->mapping, ret);
		end_extent_writepage(page, ret, page_start, page_end);
		ClearPageChecked(page);
		goto out;
	}
`;

/** The fixup worker at each step of the story. */
function fixupWorker(opts: WorkerOptions): string {
  const cached = opts.cachedState ? ', &cached_state' : ', NULL';
  const check = opts.mappingCheck ? '!page->mapping || ' : '';
  return `
static void btrfs_writepage_fixup_worker(struct btrfs_work *work)
{
	struct btrfs_writepage_fixup *fixup;
	struct btrfs_ordered_extent *ordered;
	struct extent_state *cached_state = NULL;
${opts.reserve ? reserveDecl : ''}	struct page *page;
	struct inode *inode;
	u64 page_start;
	u64 page_end;
	int ret;

	fixup = container_of(work, struct btrfs_writepage_fixup, work);
	page = fixup->page;
again:
	lock_page(page);
	if (${check}!PageDirty(page) || !PageChecked(page)) {
		ClearPageChecked(page);
		goto out_page;
	}

	inode = page->mapping->host;
	page_start = page_offset(page);
	page_end = page_offset(page) + PAGE_SIZE - 1;

	lock_extent_bits(&BTRFS_I(inode)->io_tree, page_start, page_end${cached});

	/* An ordered extent already covers this page: nothing to do. */
	if (PagePrivate2(page))
		goto out;

	ordered = btrfs_lookup_ordered_range(BTRFS_I(inode), page_start,
					     PAGE_SIZE);
	if (ordered) {
		unlock_extent_cached(&BTRFS_I(inode)->io_tree, page_start,
				     page_end${cached});
		unlock_page(page);
		btrfs_start_ordered_extent(inode, ordered, 1);
		btrfs_put_ordered_extent(ordered);
		goto again;
	}
${opts.reserve ? reserveBlock : ''}
	ret = btrfs_set_extent_delalloc(inode, page_start, page_end, 0${cached});
	if (ret) {
		mapping_set_error(page->mapping, ret);
		end_extent_writepage(page, ret, page_start, page_end);
		ClearPageChecked(page);
		goto out;
	}

	ClearPageChecked(page);
	set_page_dirty(page);
${opts.reserve ? '\tbtrfs_delalloc_release_extents(BTRFS_I(inode), PAGE_SIZE);\n' : ''}out:
	unlock_extent_cached(&BTRFS_I(inode)->io_tree, page_start, page_end${cached});
out_page:
	unlock_page(page);
	put_page(page);
	kfree(fixup);
${opts.reserve ? '\textent_changeset_free(data_reserved);\n' : ''}}
`;
}

export function inodeC(opts: WorkerOptions): string {
  return header + fixupWorker(opts) + pageMkwrite;
}

export function qgroupC(freeOnError: boolean): string {
  return `// SPDX-License-Identifier: GPL-2.0
/*
 * Example tree for kreview: a trimmed btrfs qgroup.c.
 */

#include "ctree.h"
#include "qgroup.h"

int btrfs_qgroup_reserve_data(struct btrfs_inode *inode,
			      struct extent_changeset **reserved, u64 start,
			      u64 len)
{
	struct btrfs_root *root = inode->root;
	int ret;

	if (!is_fstree(root->root_key.objectid))
		return 0;

	ret = qgroup_reserve_data(inode, reserved, start, len);
	if (ret < 0)
		goto cleanup;
	return ret;

cleanup:
${freeOnError ? '\tbtrfs_qgroup_free_refroot(root->fs_info, root->root_key.objectid, len,\n\t\t\t\t  BTRFS_QGROUP_RSV_DATA);\n' : ''}	return ret;
}
`;
}

export function extentIoC(putState: boolean, clearPointer = false): string {
  return `// SPDX-License-Identifier: GPL-2.0
/*
 * Example tree for kreview: a trimmed btrfs extent_io.c.
 */

#include "ctree.h"
#include "extent_io.h"

void end_extent_writepage(struct page *page, int err, u64 start, u64 end)
{
	struct inode *inode = page->mapping->host;
	int uptodate = (err == 0);

	btrfs_writepage_endio_finish_ordered(inode, page, start, end, uptodate);
	if (!uptodate) {
		ClearPageUptodate(page);
		SetPageError(page);
		mapping_set_error(page->mapping, err);
	}
}

int unlock_extent_cached(struct extent_io_tree *tree, u64 start, u64 end,
			 struct extent_state **cached)
{
	int ret;

	ret = clear_extent_bit(tree, start, end, EXTENT_LOCKED, 1, 0, cached);
${putState ? '\tif (cached)\n\t\tfree_extent_state(*cached);\n' : ''}${clearPointer ? '\tif (cached)\n\t\t*cached = NULL;\n' : ''}	return ret;
}
`;
}

export const ctreeH = `/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BTRFS_CTREE_H
#define BTRFS_CTREE_H

struct btrfs_inode;
struct extent_changeset;

int btrfs_delalloc_reserve_space(struct inode *inode,
				 struct extent_changeset **reserved,
				 u64 start, u64 len);
void btrfs_delalloc_release_extents(struct btrfs_inode *inode, u64 num_bytes);

#endif
`;

export const makefile = `# SPDX-License-Identifier: GPL-2.0
VERSION = 5
PATCHLEVEL = 4
NAME = Kleptomaniac Octopus
`;
