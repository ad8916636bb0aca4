// Contracts from the tree: the headers a changed file includes are read from the repository, their
// annotated prototypes become lock primitives and their inline helpers are summarised (whether they
// sleep). Each case re-tells a real kernel pattern in our own code; the headers are our own too.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from '../../test/c/lock-harness.js';
import { includedHeaders } from '../../src/c/includes.js';
import { annotationContracts } from '../../src/c/contracts.js';
import { loadRules } from './rules-load.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from '../../src/core/check.js';
import { DEFAULT_LIMITS, PatchBudget } from '../../src/core/limits.js';
import { headerContracts } from './tree-contracts.js';

const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/.test(f.message));

// The writeback code attaches an inode to a wb and drops the inode's i_lock in one call, annotated
// __releases(&inode->i_lock) in its header.
const WRITEBACK_H = `#ifndef GAD_WRITEBACK_H
#define GAD_WRITEBACK_H
struct inode;
struct writeback_control;
void wbc_attach_and_unlock_inode(struct writeback_control *wbc,
				 struct inode *inode)
	__releases(&inode->i_lock);
#endif
`;

const attach = (combined: boolean): string => `#include <linux/spinlock.h>
#include <linux/writeback.h>

int gad_write_one(struct inode *inode, struct writeback_control *wbc)
{
	spin_lock(&inode->i_lock);
	if (gad_inode_clean(inode)) {
		spin_unlock(&inode->i_lock);
		return 0;
	}
	gad_mark_syncing(inode);
${combined ? '\twbc_attach_and_unlock_inode(wbc, inode);\n' : '\tgad_attach_wb(wbc, inode);\n\tspin_unlock(&inode->i_lock);\n'}	return gad_write_inode(inode, wbc);
}
`;

// refcount_dec_and_lock() returns true with the lock taken when the count dropped to zero.
const REFCOUNT_H = `#ifndef GAD_REFCOUNT_H
#define GAD_REFCOUNT_H
typedef struct { int refs; } refcount_t;
extern bool refcount_dec_and_lock(refcount_t *r, spinlock_t *lock) __cond_acquires(lock);
#endif
`;

const release = (leak: boolean): string => `#include <linux/refcount.h>

static DEFINE_SPINLOCK(gad_table_lock);

void gad_put_entry(struct gad_entry *e)
{
	if (!refcount_dec_and_lock(&e->refs, &gad_table_lock))
		return;
	if (e->pinned) {${leak ? '' : '\n\t\tspin_unlock(&gad_table_lock);'}
		return;
	}
	list_del(&e->node);
	spin_unlock(&gad_table_lock);
	kfree(e);
}
`;

// lock_buffer() is an inline helper that starts with might_sleep(): re-told as our own header helper.
const BUF_H = `#ifndef GAD_BUF_H
#define GAD_BUF_H
static inline void gad_lock_buf(struct gad_buf *b)
{
	might_sleep();
	if (!gad_trylock_buf(b))
		__gad_lock_buf(b);
}
#endif
`;

const stamp = (call: string): string => `#include "../gadget/gad_buf.h"

void gad_stamp(struct gad_sb *sb, struct gad_buf *b)
{
	spin_lock(&sb->stamp_lock);
	sb->stamp++;${call}
	spin_unlock(&sb->stamp_lock);
}
`;

describe('lock contracts from the tree', () => {
  it('reads the headers a file includes, one level, inside the tree', () => {
    const text = '#include <linux/fs.h>\n#include "internal.h"\n#include "../mount.h"\n#include "../../../x.h"\n#include <linux/fs.h>\n';
    expect(includedHeaders('fs/ext4/inode.c', text)).toEqual(['include/linux/fs.h', 'fs/ext4/internal.h', 'fs/mount.h']);
  });

  it('turns annotated prototypes into primitives whose kind the parameter type or field says', () => {
    const syntax = loadRules().model.syntax;
    const got = annotationContracts('include/x.h', `${WRITEBACK_H}${REFCOUNT_H}void gad_odd(struct gad *g) __acquires(&g->strange);\nvoid gad_rcu_walk(struct gad *g) __acquires(RCU);\n`, syntax);
    expect(got.map((p) => [p.name, p.op, p.kind, p.arg, p.suffix ?? p.key ?? ''])).toEqual([
      ['wbc_attach_and_unlock_inode', 'release', 'atomic', 1, '->i_lock'],
      ['refcount_dec_and_lock', 'conditional', 'atomic', 1, ''],
      // A kind not told: the walk takes back the caller's lock of that expression, if it held one (ANY_KIND).
      ['gad_odd', 'acquire', 'any', 0, '->strange'],
      ['gad_rcu_walk', 'acquire', 'atomic', null, 'rcu'],
    ]);
  });

  it('a helper annotated __releases() drops the lock for its caller: no leak on that path', async () => {
    const hits = problems(await runLockCase({ before: { 'include/linux/writeback.h': WRITEBACK_H, 'fs/gadget/write.c': attach(false) }, after: { 'fs/gadget/write.c': attach(true) } }));
    expect(hits).toEqual([]);
  });

  it('a __cond_acquires() lock kept on one return fires; released on both stays quiet', async () => {
    const bug = problems(await runLockCase({ before: { 'include/linux/refcount.h': REFCOUNT_H, 'fs/gadget/entry.c': release(false) }, after: { 'fs/gadget/entry.c': release(true) } }));
    expect(bug.map((f) => f.id)).toEqual(['lock/unbalanced']);
    const fix = problems(await runLockCase({ before: { 'include/linux/refcount.h': REFCOUNT_H, 'fs/gadget/entry.c': release(true) }, after: { 'fs/gadget/entry.c': release(false) } }));
    expect(fix).toEqual([]);
  });

  it('an inline helper of an included header that starts with might_sleep() is a sleeping call', async () => {
    const hits = problems(await runLockCase({ before: { 'fs/gadget/gad_buf.h': BUF_H, 'fs/other/stamp.c': stamp('') }, after: { 'fs/other/stamp.c': stamp('\n\tgad_lock_buf(b);') } }));
    expect(hits.map((f) => f.id)).toEqual(['lock/sleep-in-atomic']);
    expect(hits[0].message).toMatch(/gad_lock_buf/);
  });
});

// The trusted part of a header (its helpers' calls to the rules' names and to other headers'
// helpers) depends on which headers the patch includes. It was kept per header whatever the set,
// so a review's summaries depended on the file reviewed before it in the same process (the real
// tree: mm.h's page-table constructors kept their vmstat calls after a file that includes vmstat.h).
describe('header contracts do not depend on what was reviewed before', () => {
  const FILES: Record<string, string> = {
    'include/linux/gad_pt.h': 'static inline void gad_pt_ctor(struct page *p)\n{\n\tgad_pt_lock_init(p);\n\tgad_count_inc(p);\n}\n',
    'include/linux/gad_stat.h': 'static inline void gad_count_inc(struct page *p)\n{\n\tmight_sleep();\n}\n',
    'fs/gad/with_stat.c': '#include <linux/gad_pt.h>\n#include <linux/gad_stat.h>\nint a(void) { return 0; }\n',
    'fs/gad/without_stat.c': '#include <linux/gad_pt.h>\nint b(void) { return 0; }\n',
    'include/linux/gad_other.h': 'static inline int gad_other(int x)\n{\n\treturn x;\n}\n',
    'fs/gad/with_other.c': '#include <linux/gad_pt.h>\n#include <linux/gad_other.h>\nint c(void) { return 0; }\n',
  };
  const ws = { readBaseFile: async (p: string): Promise<string | null> => FILES[p] ?? null } as unknown as Workspace;
  const review = async (path: string, cacheDir: string): Promise<string> => {
    const h = await headerContracts(ws, new Map([[path, FILES[path]]]), new Set(), loadRules(), cacheDir, new PatchBudget(DEFAULT_LIMITS));
    return JSON.stringify(h.facts.map((f) => [f.path, f.functions.map((fn) => [fn.name, fn.calls.map((c) => c.callee)])]));
  };

  it('a file reviewed after another that includes more headers gets the same trusted part as alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-hdr-'));
    try {
      const alone = await review('fs/gad/without_stat.c', dir);
      // gad_count_inc() is no helper of this file's headers: the constructor's call to it is not trusted.
      expect(alone).toBe(JSON.stringify([['include/linux/gad_pt.h', [['gad_pt_ctor', []]]]]));
      // The control: with both headers included, the call is kept.
      expect(await review('fs/gad/with_stat.c', dir)).toContain('["gad_pt_ctor",["gad_count_inc"]]');
      expect(await review('fs/gad/without_stat.c', dir)).toBe(alone);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is the same object for patches whose other headers define none of the header's callees", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-hdr-'));
    try {
      const rules = loadRules();
      const pt = async (path: string) => (await headerContracts(ws, new Map([[path, FILES[path]]]), new Set(), rules, dir, new PatchBudget(DEFAULT_LIMITS))).facts.find((f) => f.path === 'include/linux/gad_pt.h')!;
      const without = await pt('fs/gad/without_stat.c');
      // gad_other.h defines nothing gad_pt.h calls: its trusted part is the one already made (what is
      // kept per facts object downstream is then found again), not a copy made for this set of headers.
      expect(await pt('fs/gad/with_other.c')).toBe(without);
      const withStat = await pt('fs/gad/with_stat.c');
      expect(withStat).not.toBe(without);
      expect(withStat.functions[0].calls.map((c) => c.callee)).toEqual(['gad_count_inc']);
      expect(await pt('fs/gad/without_stat.c')).toBe(without);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
