// The question a sleep-in-atomic note ends with fits the call. The rule's old single question
// ("Can the allocation use GFP_ATOMIC or GFP_NOWAIT ...?") was mailed under an iput() on the REAL
// linux-xfs replay (a patch that turned an atomic_dec() of i_count into iput() under the inode's
// spinlock): iput() takes no GFP flags. Re-told here with made-up names.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from '../../test/c/lock-harness.js';

const F = 'fs/demo/inode.c';
const sleeps = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/sleep-in-atomic' && !/looks like a fix/.test(f.message));

const before = `static int demo_drop(struct inode *inode)
{
	spin_lock(&inode->i_lock);
	demo_count_down(inode);
	spin_unlock(&inode->i_lock);
	return 0;
}
`;

describe('the closing question of a sleep-in-atomic note', () => {
  it('asks about moving the call for iput(), and does not ask for GFP flags', async () => {
    const after = before.replace('demo_count_down(inode);', 'iput(inode);');
    const [f, ...rest] = sleeps(await runLockCase({ before: { [F]: before }, after: { [F]: after } }));
    expect(rest).toEqual([]);
    expect(f.message).toMatch(/^iput\(\) is called with the spinlock on inode->i_lock held/);
    expect(f.explanation).toMatch(/Can the call be made before the lock is taken, or after it is dropped\?$/);
    expect(f.explanation).not.toMatch(/GFP_ATOMIC/);
  });

  it('keeps the GFP question for an allocation that can reclaim', async () => {
    const after = before.replace('demo_count_down(inode);', 'inode->i_private = kmalloc(64, GFP_KERNEL);');
    const [f, ...rest] = sleeps(await runLockCase({ before: { [F]: before }, after: { [F]: after } }));
    expect(rest).toEqual([]);
    expect(f.explanation).toMatch(/Can the allocation use GFP_ATOMIC or GFP_NOWAIT, or be done before the lock is taken\?$/);
  });
});
