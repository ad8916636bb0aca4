// `kreview review --repo R A..B` over a long range: commits are read and reviewed as a stream, a few
// in flight, and what is handed on of each is its review and the hunks its findings quote, never the
// whole diff (issue 9 row 17: a whole history once sat in memory, diffs and all).
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { runReview } from '../../src/cli/review-command.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { readRange } from '../../src/sources/git-range.js';
import { commitSeries } from '../../src/series/group.js';
import type { Patch } from '../../src/core/types.js';
import { TestRepo } from '../helpers/git-repo.js';
import { INODE_C } from '../watch/watch-fixture.js';

const FAR = Array.from({ length: 60 }, (_, i) => `/* filler ${i} */`).join('\n');

describe('a range reviewed as a stream', { timeout: 180_000 }, () => {
  it('finds the same as the whole range reviewed as one series, and keeps only the hunks its findings quote', async () => {
    const repo = new TestRepo();
    const base = repo.commit('btrfs: add the fixup worker', { files: { 'fs/btrfs/inode.c': `${INODE_C}${FAR}\nint tail;\n` } });
    const buggy = `${INODE_C.replace('\tlock_page(page);\n', '\tlock_page(page);\n\tret = btrfs_delalloc_reserve_space(inode, &data_reserved,\n\t\t\t\t\t   page_start, PAGE_SIZE);\n')}${FAR}\nint tail = 1;\n`;
    repo.commit('btrfs: reserve in the fixup worker\n\nSigned-off-by: Jane Developer <jane@example.org>', { files: { 'fs/btrfs/inode.c': buggy } });
    for (let i = 0; i < 5; i++) repo.commit(`btrfs: note ${i}\n\nFixes: ${base.slice(0, 12)} ("btrfs: a wrong subject ${i}")\nSigned-off-by: Jane Developer <jane@example.org>`, { files: { [`fs/btrfs/n${i}.c`]: `int n${i};\n` } });
    const range = `${base}..HEAD`;
    const ids = (r: { reviews: Awaited<ReturnType<typeof runReview>>['reviews'] }) => r.reviews.flatMap((v) => v.patches.map((p) => `${p.patch.subject}: ${JSON.stringify(p.findings)}`));

    const commits: Patch[] = [];
    for await (const p of readRange(repo.dir, [range])) commits.push(p);
    const whole = { reviews: [await reviewSeries(commitSeries(commits), { repo: repo.dir, config: defaultConfig() })] };
    const chunked = await runReview([range], { repo: repo.dir }, defaultConfig());
    expect(chunked.inputErrors).toEqual([]);
    expect(chunked.reviews).toHaveLength(1);
    expect(chunked.reviews[0].series.patches).toHaveLength(6);
    expect(ids(chunked)).toEqual(ids(whole));
    expect(ids(chunked).filter((l) => l.includes('fixes/subject-mismatch'))).toHaveLength(5);

    const reserve = chunked.reviews[0].patches.find((p) => p.patch.subject.includes('reserve'))!;
    expect(reserve.findings.map((f) => f.id)).toContain('lock/reserve-under-page-lock');
    // The commit changes two places; only the hunk of the finding is kept to be quoted.
    const hunks = reserve.patch.files.flatMap((f) => f.hunks);
    expect(hunks).toHaveLength(1);
    expect(hunks[0].lines.some((l) => l.text.includes('btrfs_delalloc_reserve_space'))).toBe(true);
  });
});
