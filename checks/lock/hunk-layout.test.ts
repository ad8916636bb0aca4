// Hunk-only layouts that made false notes on real cgroups traffic (June-July 2026, the Debian 6.1
// tree as repo, every patch read from its hunks). Each fixture re-tells the real shape.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly } from '../../test/c/lock-harness.js';

const F = 'mm/shelf.c';
const lockNotes = (fs: Finding[]): string[] => fs.filter((f) => f.id.startsWith('lock/') && f.id !== 'lock/unparsed').map((f) => f.message);
const pad = (n: number, what: string, depth = 1): string => Array.from({ length: n }, (_, i) => `${'\t'.repeat(depth)}shelf_${what}(s, ${i});\n`).join('');

describe('hunk-only layout', () => {
  // swapon's kvcalloc() (swap_lock, "mm, swap" series): the lock is taken between two hunks, its
  // spin_unlock() in the second; the allocation in the first was said to be under it.
  const SWAPON = `static int shelf_on(struct shelf *s)
{
\tint err;

${pad(6, 'trace')}\ts->map = shelf_map_alloc(s->max);
\tif (!s->map)
\t\treturn -ENOMEM;
${pad(12, 'setup')}\tspin_lock(&shelf_lock);
${pad(12, 'link')}\tshelf_publish(s, 1);
\tspin_unlock(&shelf_lock);
${pad(6, 'tail')}\treturn 0;
}
`;
  it('an allocation above an unseen stretch is not under a lock released below it', async () => {
    const after = SWAPON.replace('shelf_map_alloc(s->max)', 'kvcalloc(s->max, sizeof(long), GFP_KERNEL)').replace('shelf_publish(s, 1)', 'shelf_publish(s, 2)');
    const { findings } = await runHunkOnly({ before: { [F]: SWAPON }, after: { [F]: after } });
    expect(lockNotes(findings)).toEqual([]);
  });

  it('control: an allocation in the same hunk as the release, with no unseen line between, still is', async () => {
    const near = SWAPON.replace('\tshelf_publish(s, 1);\n', '\tshelf_publish(s, 1);\n\ts->tags = shelf_tags(s);\n');
    const after = near.replace('\ts->tags = shelf_tags(s);\n', '\ts->tags = kvcalloc(s->max, 1, GFP_KERNEL);\n');
    const { findings } = await runHunkOnly({ before: { [F]: near }, after: { [F]: after } });
    expect(lockNotes(findings)).toEqual([expect.stringMatching(/^kvcalloc\(\) is called with the spinlock on shelf_lock held/)]);
  });

  // __mem_cgroup_try_charge_swap() (memcg v5 06/12): one hunk drops a parameter from the signature,
  // two more change the body; git names the body hunks by the old signature. Once a function folded
  // over unseen lines is no longer parsed whole, the new image's body hunks were walked apart from
  // the signature and the old image's together, and a fix was claimed (seen on the real patch).
  // This guards that layout; it passes on the code before both changes too.
  const CHARGE = `${pad(4, 'pre', 0)}
/* charge the shelf */
int shelf_charge(struct folio *folio, long entry)
{
\tunsigned int nr = folio_nr(folio);
\tstruct shelf *s;
${pad(14, 'count')}
\trcu_read_lock();
\ts = shelf_of(folio);
\tif (!entry) {
\t\tshelf_event(s, 1);
\t\trcu_read_unlock();
\t\treturn 0;
\t}
${pad(10, 'try')}\trcu_read_unlock();
${pad(8, 'account')}\tshelf_record(folio, s, entry);

\treturn 0;
}
`;
  it('the hunk that changes a signature is walked with the body hunks git names by the old one', async () => {
    const after = CHARGE.replace('int shelf_charge(struct folio *folio, long entry)', 'int shelf_charge(struct folio *folio)').replace('\tif (!entry) {', '\tif (!folio_test_swapcache(folio)) {').replace('shelf_record(folio, s, entry)', 'shelf_record(folio, s, folio->swap)');
    const { findings } = await runHunkOnly({ before: { [F]: CHARGE }, after: { [F]: after } });
    expect(lockNotes(findings)).toEqual([]);
  });
});
