// False alarms of the lock check on the real 6.1 tree, third round (bench/kernel-lock-bench.ts),
// one case per cause; each re-tells a kernel function in our own words, and a control keeps a real
// bug that must still fire. Same format and harness as false-alarm-cases.ts.
import type { FalseAlarmCase } from './false-alarm-cases.js';

export const PRECISION_CASES: FalseAlarmCase[] = [
  // The xarray's locked-variant calls drop the xarray's own lock while they allocate.
  {
    name: "an xarray store under the xarray's own lock may allocate: the call drops that lock to do it (nilfs2 btnode key change, erofs workgroup insert)",
    dir: 'fs/nilfs2',
    code: `
static int FN(struct address_space *cache, struct page *page, unsigned long newkey)
{
	int err;

	xa_lock_irq(&cache->i_pages);
	err = __xa_insert(&cache->i_pages, newkey, page, GFP_NOFS);
	if (!err)
		page->index = newkey;
	xa_unlock_irq(&cache->i_pages);
	return err;
}`,
    fire: [],
  },
  {
    name: 'control: the same store under another spinlock still sleeps with that lock held',
    dir: 'fs/nilfs2',
    code: `
static int FN(struct gad_tree *tree, struct address_space *cache, struct page *page, unsigned long key)
{
	int err;

	spin_lock(&tree->lock);
	xa_lock_irq(&cache->i_pages);
	err = __xa_insert(&cache->i_pages, key, page, GFP_NOFS);
	xa_unlock_irq(&cache->i_pages);
	spin_unlock(&tree->lock);
	return err;
}`,
    fire: ['lock/sleep-in-atomic'],
  },
];
