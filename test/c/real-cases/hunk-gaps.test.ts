// Hunk-only review across unseen lines (the rule in docs/locking.md, "hunk-only mode"): a lock
// taken in an earlier hunk of the same function is possibly held after a gap, at most medium
// confidence, and only when the function's own release of it is seen after the call; a file whose
// only change is a deleted line (a dropped unlock) is analysed too.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../lock-harness.js';

const PATH = 'fs/btrfs/frob.c';
const ATTRS = { '.gitattributes': '*.c diff=cpp\n' };
/** Findings that say there is a problem (any severity: one resting on a guess is a note), not a fix or a parse note. */
const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/i.test(f.message));
const at = (f: Finding): number => (f.location.kind === 'file' ? f.location.line : -1);
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** A function long enough that a change at its top and one far below make two hunks. */
function frob(o: { top: string; below: string; tail: string }): string {
  const filler = Array.from({ length: 12 }, (_, i) => `\tfrob_note(page, ${i});`).join('\n');
  return `#include "ctree.h"

int frob_page(struct inode *inode, struct page *page)
{
	int ret = 0;

	lock_page(page);
${o.top}	frob_prepare(page);
	frob_check(page);
	frob_count(page);
${filler}
	frob_mark(page);
	frob_touch(page);
	frob_stamp(page);
${o.below}	frob_finish(page);
	frob_again(page);
	frob_clean(page);
${filler}
	frob_last(page);
	frob_more(page);
	frob_done(page);
${o.tail}	return ret;
}
`;
}

const RESERVE = '\tret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);\n';

describe('a lock in an earlier hunk, across unseen lines', () => {
  it('fires at medium confidence when the function is seen to release the lock after the call', async () => {
    const unlock = '\tfrob_x(page);\n\tunlock_page(page);\n';
    const before = frob({ top: '\tfrob_first(page);\n', below: unlock, tail: '' });
    const after = frob({ top: '\tfrob_first_changed(page);\n', below: RESERVE + unlock, tail: '' });
    const { findings, mbox } = await runHunkOnly({ before: { ...ATTRS, [PATH]: before }, after: { [PATH]: after } });
    expect(mbox.match(/^@@ /gm)!.length).toBe(2);
    expect(mbox).toContain(' \tunlock_page(page);');
    const hits = problems(findings);
    expect(hits.map((f) => [f.id, at(f), f.confidence])).toEqual([['lock/reserve-under-page-lock', lineOf(after, 'btrfs_delalloc_reserve_space'), 'medium']]);
  });

  it('is low when nothing after the call shows the lock still held, and unseen lines follow', async () => {
    const before = frob({ top: '\tfrob_first(page);\n', below: '', tail: '' });
    const after = frob({ top: '\tfrob_first_changed(page);\n', below: RESERVE, tail: '' });
    const { findings } = await runHunkOnly({ before: { ...ATTRS, [PATH]: before }, after: { [PATH]: after } });
    expect(problems(findings).map((f) => [f.id, f.confidence])).toEqual([['lock/reserve-under-page-lock', 'low']]);
  });

  it('stays quiet when the function end is seen without a release: the unlock was in the gap', async () => {
    const tailChange = (s: string) => `\tfrob_tail${s}(page);\n`;
    const before = frob({ top: '\tfrob_first(page);\n', below: '', tail: tailChange('') });
    const after = frob({ top: '\tfrob_first_changed(page);\n', below: '', tail: tailChange('_changed') + RESERVE });
    const { findings } = await runHunkOnly({ before: { ...ATTRS, [PATH]: before }, after: { [PATH]: after } });
    expect(problems(findings)).toEqual([]);
  });
});

describe('a patch whose only change is a deleted line', () => {
  const unlockFirst = (keep: boolean) => `#include "ctree.h"

int frob_flush(struct inode *inode, struct page *page)
{
	int ret;

	lock_page(page);
	frob_prepare(page);
${keep ? '\tunlock_page(page);\n' : ''}	ret = filemap_write_and_wait_range(inode->i_mapping, 0, PAGE_SIZE);
${keep ? '' : '\tunlock_page(page);\n'}	return ret;
}
`;

  it('dropping an unlock that preceded a writeback wait is found from the mail, at the deletion', async () => {
    const before = unlockFirst(true);
    const deleteOnly = before.replace('\tunlock_page(page);\n\tret = filemap', '\tret = filemap');
    expect(deleteOnly).not.toBe(before);
    const { findings, mbox } = await runHunkOnly({ before: { ...ATTRS, [PATH]: before }, after: { [PATH]: deleteOnly } });
    expect(mbox).not.toMatch(/^\+\t/m);
    const hits = problems(findings);
    expect(hits.map((f) => f.id)).toEqual(['lock/wait-under-page-lock']);
    expect(at(hits[0])).toBe(lineOf(deleteOnly, 'filemap_write_and_wait_range'));
  });

  it('and from a repository', async () => {
    const before = unlockFirst(true);
    const deleteOnly = before.replace('\tunlock_page(page);\n\tret = filemap', '\tret = filemap');
    const findings = await runLockCase({ before: { [PATH]: before }, after: { [PATH]: deleteOnly } });
    expect(problems(findings).map((f) => [f.id, at(f)])).toEqual([['lock/wait-under-page-lock', lineOf(deleteOnly, 'filemap_write_and_wait_range')]]);
  });
});

describe('a lock taken above the lines shown', () => {
  it("points its related place at the release that says so, never calls that release the acquire", async () => {
    const unlock = '\tfrob_x(page);\n\tunlock_page(page);\n';
    // Only the second hunk changes: lock_page() stays unseen above it.
    const before = frob({ top: '', below: unlock, tail: '' });
    const after = frob({ top: '', below: RESERVE + unlock, tail: '' });
    const { findings, mbox } = await runHunkOnly({ before: { ...ATTRS, [PATH]: before }, after: { [PATH]: after } });
    expect(mbox).not.toContain('lock_page(page);\n+');
    const hits = problems(findings).filter((f) => f.id === 'lock/reserve-under-page-lock');
    expect(hits).toHaveLength(1);
    expect(hits[0].related).toEqual([
      { location: { kind: 'file', path: PATH, line: lineOf(after, 'unlock_page(page)') }, label: 'unlock_page() releases the lock here, with no acquire in the lines seen' },
    ]);
  });
});
