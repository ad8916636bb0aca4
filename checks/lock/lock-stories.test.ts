// Whole stories through the real check: the fixup-worker bug and its fix, a helper two calls
// away from the reservation (summaries), folios with scoped_guard, and a bare mbox (hunk only).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../../test/c/lock-harness.js';
import { INODE_BUG, INODE_FIXED, INODE_V0 } from '../../test/c/fixtures/fixup-worker.js';
import { CALLER_AFTER, CALLER_BEFORE, FOLIO_AFTER, FOLIO_BEFORE, HELPERS_C } from '../../test/c/fixtures/helpers-and-folios.js';

const INODE = 'fs/btrfs/inode.c';
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
/** Lock findings other than "looks like a fix" notes (a finding resting on a guess is a note too). */
const serious = (fs: Finding[]): Finding[] => fs.filter((f) => !/looks like a fix/.test(f.message) && f.id !== 'lock/unparsed');
const at = (f: Finding): number => (f.location.kind === 'file' ? f.location.line : -1);

describe('the fixup worker', () => {
  it('flags the reservation added under lock_page() and lock_extent_bits(), once, as a maintainer would', async () => {
    const findings = serious(await runLockCase({ before: { [INODE]: INODE_V0 }, after: { [INODE]: INODE_BUG } }));
    expect(findings.map((f) => f.id)).toEqual(['lock/reserve-under-page-lock']);
    const [f] = findings;
    const lockLine = lineOf(INODE_BUG, '\tlock_page(page);');
    expect(at(f)).toBe(lineOf(INODE_BUG, 'ret = btrfs_delalloc_reserve_space'));
    expect(f.severity).toBe('error');
    expect(f.related?.[0].location).toEqual({ kind: 'file', path: INODE, line: lockLine });
    expect(f.message).toBe('btrfs_delalloc_reserve_space() is called with the page lock on page held, taken by lock_page() earlier in btrfs_writepage_fixup_worker().');
    expect(f.confidence).toBe('high');
    expect(f.basis).toEqual({ path: [`lock_page() takes the page lock on page at line ${lockLine}`, `btrfs_writepage_fixup_worker() calls btrfs_delalloc_reserve_space() at line ${at(f)} with it held`], inferred: [], unknown: [] });
    expect(f.explanation).toContain('btrfs_check_data_free_space -> btrfs_alloc_data_chunk_ondemand -> btrfs_start_delalloc_roots');
    expect(f.explanation).toContain('extent_write_cache_pages()');
    expect(f.explanation).toMatch(/\?/);
    expect(f.evidence).toEqual(['f4b1363cae43 ("btrfs: do not do delalloc reservation under page lock")']);
  });

  it('stays quiet on the fix that moves the reservation above again:, and says it is a fix', async () => {
    const findings = await runLockCase({ before: { [INODE]: INODE_BUG }, after: { [INODE]: INODE_FIXED } });
    expect(serious(findings)).toEqual([]);
    expect(findings.map((f) => [f.id, f.severity])).toContainEqual(['lock/reserve-under-page-lock', 'note']);
    expect(findings.find((f) => f.severity === 'note')?.message).toMatch(/looks like a fix/);
  });
});

describe('summaries of tree functions', () => {
  const before = { 'fs/btrfs/space-helpers.c': HELPERS_C, 'fs/btrfs/dirty.c': CALLER_BEFORE };
  const after = { 'fs/btrfs/dirty.c': CALLER_AFTER };

  it('a helper two calls away from the reservation is as dangerous as the call, and the note names the chain', async () => {
    const findings = serious(await runLockCase({ before, after }));
    expect(findings.map((f) => f.id)).toEqual(['lock/reserve-under-page-lock']);
    expect(at(findings[0])).toBe(lineOf(CALLER_AFTER, 'prepare_range_space'));
    expect(findings[0].explanation).toContain('prepare_range_space -> reserve_for_range -> btrfs_delalloc_reserve_space');
    expect(findings[0].confidence).toBe('medium');
    // The chain is inferred from the helpers' bodies: a note, and the basis says so.
    expect(findings[0].severity).toBe('note');
    expect(findings[0].basis?.inferred[0]).toMatch(/^prepare_range_space\(\) reaches btrfs_delalloc_reserve_space\(\)/);
  });

  it('the summary depth is configurable: one level does not reach the reservation', async () => {
    const findings = serious(await runLockCase({ before, after, config: { summaryDepth: 1 } }));
    expect(findings).toEqual([]);
  });

  it('a helper that never reaches a listed call stays quiet', async () => {
    const quiet = CALLER_BEFORE.replace('\tfolio_mark_dirty(folio);\n', '\tnote_range(inode, start + 1);\n\tfolio_mark_dirty(folio);\n');
    expect(serious(await runLockCase({ before, after: { 'fs/btrfs/dirty.c': quiet } }))).toEqual([]);
  });
});

describe('folios and scoped_guard', () => {
  it('flags GFP_KERNEL in the scoped spinlock and the fdatawrite under the looked-up folio lock', async () => {
    const findings = serious(await runLockCase({ before: { 'fs/foo/cache.c': FOLIO_BEFORE }, after: { 'fs/foo/cache.c': FOLIO_AFTER } }));
    const got = findings.map((f) => [f.id, at(f)]);
    expect(got).toContainEqual(['lock/sleep-in-atomic', lineOf(FOLIO_AFTER, 'kmalloc(64, GFP_KERNEL)')]);
    expect(got).toContainEqual(['lock/wait-under-page-lock', lineOf(FOLIO_AFTER, 'filemap_fdatawrite_range')]);
    expect(findings).toHaveLength(2);
    const wait = findings.find((f) => f.id === 'lock/wait-under-page-lock')!;
    expect(wait.message).toContain('filemap_lock_folio()');
  });
});

describe('hunk-only review of a bare mbox', () => {
  const before = { [INODE]: INODE_V0 };
  const after = { [INODE]: INODE_BUG };

  it('with the whole function in the hunk (-W) the bug is found, and the note says only the hunk was seen', async () => {
    const { findings, mbox } = await runHunkOnly({ before, after }, '-W');
    expect(mbox).toContain('lock_page(page);');
    const real = serious(findings);
    expect(real.map((f) => f.id)).toEqual(['lock/reserve-under-page-lock']);
    expect(at(real[0])).toBe(lineOf(INODE_BUG, 'ret = btrfs_delalloc_reserve_space'));
    expect(real[0].explanation).toContain('Only the hunk and its context were seen');
  });

  it('with three lines of context the lock is out of sight, and nothing is guessed', async () => {
    const { findings } = await runHunkOnly({ before, after });
    expect(serious(findings)).toEqual([]);
  });

  it('a lock inside the hunk context is seen without the rest of the file', async () => {
    const small = (extra: string): string =>
      `#include "ctree.h"\n\nstatic int a(void)\n{\n\treturn 0;\n}\n\nint mark_page(struct inode *inode, struct page *page)\n{\n\tint ret = 0;\n\n\tlock_page(page);\n${extra}\tset_page_dirty(page);\n\tunlock_page(page);\n\treturn ret;\n}\n`;
    const { findings } = await runHunkOnly({
      before: { 'fs/btrfs/mark.c': small('') },
      after: { 'fs/btrfs/mark.c': small('\tret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);\n') },
    });
    expect(serious(findings).map((f) => f.id)).toEqual(['lock/reserve-under-page-lock']);
  });

  it('a problem already in the hunk before the patch is not reported again', async () => {
    const file = (extra: string): string =>
      `#include "ctree.h"\n\nint mark_page(struct inode *inode, struct page *page)\n{\n\tint ret;\n\n\tlock_page(page);\n\tret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);\n${extra}\tset_page_dirty(page);\n\tunlock_page(page);\n\treturn ret;\n}\n`;
    const { findings } = await runHunkOnly({ before: { 'fs/btrfs/mark.c': file('') }, after: { 'fs/btrfs/mark.c': file('\tClearPageChecked(page);\n') } });
    expect(serious(findings)).toEqual([]);
  });
});

describe('a lock the kernel documents innermost', () => {
  // Re-told from ocfs2's committed-bitmap check: jbd2's journal-head bit lock, then a spinlock under it.
  const before = `static int gad_committed_free(struct buffer_head *bh)
{
	return buffer_jbd(bh);
}
`;
  const after = `static int gad_committed_free(struct buffer_head *bh)
{
	struct journal_head *jh;
	int free = 1;

	jbd_lock_bh_journal_head(bh);
	jh = bh2jh(bh);
	spin_lock(&jh->b_state_lock);
	free = jh->b_committed_data == NULL;
	spin_unlock(&jh->b_state_lock);
	jbd_unlock_bh_journal_head(bh);
	return free;
}
`;

  it('says which ranking the lock taken under it breaks, and where the kernel documents it', async () => {
    const findings = serious(await runLockCase({ before: { 'fs/ocfs2/gad.c': before }, after: { 'fs/ocfs2/gad.c': after } }));
    expect(findings.map((f) => f.id)).toEqual(['lock/lock-order-inversion']);
    expect(findings[0].message).toBe('gad_committed_free() takes b_state_lock while holding bh_journal_head, against the lock ranking of include/linux/jbd2.h.');
    expect(findings[0].explanation).toContain('include/linux/jbd2.h documents bh_journal_head as innermost: no other lock is taken while it is held.');
    expect(findings[0].basis?.path).toContain('include/linux/jbd2.h documents bh_journal_head as innermost: no other lock is taken while it is held');
  });
});
