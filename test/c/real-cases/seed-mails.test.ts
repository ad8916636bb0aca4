// The seed's three mailed versions, reviewed as mail without a repository (issue 10 item 2): the
// lock is in an earlier hunk of the same function than the reservation, with unseen lines between.
// Each fix must read as a fix and raise nothing (v1 but its own extent-lock leak); each fix reversed
// (the bug put back) must fire.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/types.js';
import { runHunkOnly } from '../lock-harness.js';
import { FIXUP_BEFORE, FIXUP_BEFORE_V1, FIXUP_V1, FIXUP_V2, FIXUP_V3 } from './fixtures/fixup-mails.js';

const PATH = 'fs/btrfs/inode.c';
/** Findings that say there is a problem (any severity: one resting on a guess is a note), not a fix or a parse note. */
const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/i.test(f.message));
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
const at = (f: Finding): number => (f.location.kind === 'file' ? f.location.line : -1);
/** The kernel tree names hunks by function (diff=cpp); plain git names them by the nearest label. */
const DRIVERS = { 'diff=cpp': { '.gitattributes': '*.c diff=cpp\n' }, 'no diff driver': {} };

/**
 * `leaks`: v1 (as mailed) moved the extent unlock above `out_reserved:` while its "already ordered"
 * exit jumps to `out_reserved:` after lock_extent_bits(): that path returns with the extent range
 * locked. v2 put the unlock back below the label. The check says so of v1, from the mail alone.
 */
const versions = [
  { name: 'v1', before: FIXUP_BEFORE_V1, after: FIXUP_V1, hunks: 4, leaks: ['lock/unbalanced'] },
  { name: 'v2', before: FIXUP_BEFORE, after: FIXUP_V2, hunks: 7, leaks: [] },
  { name: 'v3', before: FIXUP_BEFORE, after: FIXUP_V3, hunks: 7, leaks: [] },
];

/** The hunk (0-based) of the mail whose new-side range holds `line`. */
function hunkHolding(mbox: string, line: number): number {
  const heads = [...mbox.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)].map((m) => [Number(m[1]), Number(m[2] ?? 1)]);
  return heads.findIndex(([s, n]) => line >= s && line < s + n);
}

describe.each(Object.entries(DRIVERS))('the seed as mailed, hunk-only (%s)', (_driver, attrs) => {
  it.each(versions)('$name: the fix reads as a fix of reserve-under-page-lock and raises nothing else but its own leak', async (v) => {
    const { findings, mbox } = await runHunkOnly({ before: { ...attrs, [PATH]: v.before }, after: { [PATH]: v.after } });
    expect(mbox.match(/^@@ /gm)).toHaveLength(v.hunks);
    expect(problems(findings).map((f) => f.id)).toEqual(v.leaks);
    for (const f of problems(findings)) {
      expect(f.message).toMatch(/can return with the extent range lock on BTRFS_I\(inode\)->io_tree held .*other paths to the same return release it first/);
      expect(f.confidence).toBe('medium');
    }
    const fixed = findings.filter((f) => f.id === 'lock/reserve-under-page-lock');
    expect(fixed).toHaveLength(1);
    expect(fixed[0].severity).toBe('note');
    expect(fixed[0].message).toMatch(/looks like a fix: btrfs_delalloc_reserve_space\(\) is no longer called with the page lock held/);
  });

  it.each(versions)('$name reversed (the bug put back): the reservation under lock_page() of an earlier hunk fires', async (v) => {
    const { findings, mbox } = await runHunkOnly({ before: { ...attrs, [PATH]: v.after }, after: { [PATH]: v.before } });
    const reserve = lineOf(v.before, 'ret = btrfs_delalloc_reserve_space');
    const lock = lineOf(v.before, '\tlock_page(page);');
    // The layout that hid it: the lock in an earlier hunk than the reservation, unseen lines between.
    expect(hunkHolding(mbox, lock)).toBeGreaterThanOrEqual(0);
    expect(hunkHolding(mbox, reserve)).toBeGreaterThan(hunkHolding(mbox, lock));
    const hits = problems(findings).filter((f) => f.id === 'lock/reserve-under-page-lock');
    expect(hits.map(at)).toEqual([reserve]);
    expect(hits[0].message).toContain('btrfs_delalloc_reserve_space()');
    // It rests on lines the mail does not show: a note, never more than medium.
    expect(hits[0].severity).toBe('note');
    expect(hits[0].confidence).not.toBe('high');
  });
});
