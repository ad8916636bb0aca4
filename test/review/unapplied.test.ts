// A mailed patch that does not apply to the base kreview has is read from its hunks laid over that
// base: which function a line is in, and what surrounds it, is the base's guess. A lock finding from
// such a read is shown (JSON, terminal) but never sure, so a list does not mail it by default. Found
// on a real replay: a reply on a series that did not apply named the wrong function for the lock.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

const BASE = `#include "ctree.h"

static int other(void)
{
	return 0;
}

static int fill(struct inode *inode, struct page *page)
{
	int ret = 0;

	lock_page(page);
	unlock_page(page);
	return ret;
}
`;

/** Adds a reservation under the page lock; `context` is the function's first line as the author's tree has it. */
const mail = (context: string) => `From: A U Thor <author@example.org>
Subject: [PATCH] btrfs: reserve space while filling
Date: Sun, 6 Dec 2026 10:00:00 +0000
Message-ID: <unapplied-1@example.org>

Reserve the space for the range before filling it.

Signed-off-by: A U Thor <author@example.org>
---
 fs/btrfs/fill.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/fs/btrfs/fill.c b/fs/btrfs/fill.c
--- a/fs/btrfs/fill.c
+++ b/fs/btrfs/fill.c
@@ -8,7 +8,8 @@ static int other(void)
 ${context}
 {
 	int ret = 0;
 
 	lock_page(page);
+	ret = btrfs_delalloc_reserve_space(BTRFS_I(inode), NULL, 0, PAGE_SIZE);
 	unlock_page(page);
 	return ret;
-- 
2.43.0
`;

function review(context: string) {
  const repo = new TestRepo();
  repo.commit('base', { files: { 'fs/btrfs/fill.c': BASE } });
  const file = join(repo.dir, '..', `${repo.dir.split('/').pop()}.patch`);
  writeFileSync(file, mail(context));
  const r = runCli(['review', '--repo', repo.dir, file, '--format', 'json']);
  const out = JSON.parse(r.stdout) as {
    series: { patches: { applied: boolean | null; findings: { id: string; message: string; explanation?: string; confidence?: string; basis?: { unknown: string[] } }[] }[] }[];
  };
  return out.series[0].patches[0];
}

function rendered(context: string): string {
  const repo = new TestRepo();
  repo.commit('base', { files: { 'fs/btrfs/fill.c': BASE } });
  const file = join(repo.dir, '..', `${repo.dir.split('/').pop()}.patch`);
  writeFileSync(file, mail(context));
  return runCli(['review', '--repo', repo.dir, file, '--format', 'text']).stdout;
}

describe('a patch that does not apply', () => {
  it('keeps its lock finding, as not sure, with the reason in its basis', () => {
    const p = review('static int fill(struct inode *inode, struct page *page, int flags)');
    expect(p.applied).toBe(false);
    const f = p.findings.find((x) => x.id === 'lock/reserve-under-page-lock');
    // Placed in the base's function with less context matching (git apply -C2): a guess, said as one.
    expect(f?.confidence).toBe('low');
    // Said once: in the explanation for readers, and one basis entry for JSON that says what was
    // done (placed with git apply -C2), not that the code was read from its hunks.
    expect(f?.message).not.toMatch(/assumed|does not apply/);
    expect(f?.explanation?.match(/does not apply/g)).toHaveLength(1);
    expect(f?.explanation).toMatch(/What was assumed: the patch does not apply to fs\/btrfs\/fill\.c at HEAD [0-9a-f]{12} as mailed; its hunks were placed .*\(git apply -C2\)/);
    const placedWhy = (f?.basis?.unknown ?? []).filter((u) => /appl/.test(u));
    expect(placedWhy).toHaveLength(1);
    expect(placedWhy[0]).toMatch(/^the patch does not apply to fs\/btrfs\/fill\.c at HEAD [0-9a-f]{12} as mailed; its hunks were placed .*\(git apply -C2\)/);
    expect(f?.basis?.unknown.join('\n')).not.toMatch(/read from its hunks/);
  });

  it('says what was assumed once in the text a reader sees', () => {
    const out = rendered('static int fill(struct inode *inode, struct page *page, int flags)');
    // The review's own note on the file says it once above; the finding says it once more, not twice.
    const finding = out.slice(out.indexOf('NOTE: btrfs_delalloc_reserve_space()'));
    expect(finding).toMatch(/^NOTE: btrfs_delalloc_reserve_space\(\)/);
    expect(finding.match(/hunks were placed/g)).toHaveLength(1);
  });

  it('the same change applying is a sure finding (the control)', () => {
    const p = review('static int fill(struct inode *inode, struct page *page)');
    expect(p.applied).toBe(true);
    expect(p.findings.find((x) => x.id === 'lock/reserve-under-page-lock')?.confidence).toBe('high');
  });
});
