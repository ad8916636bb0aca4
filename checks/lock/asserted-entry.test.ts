// A function that asserts to lockdep that its caller holds a spinlock starts in atomic context
// (checks/lock/asserted-entry.ts), and the fsnotify hooks may sleep (checks/rules/atomic.yml).
// The shape is the real nfsd fix reversed (bench/lock-cases/manifest.yml: nfsd-fsnotify-under-spinlock),
// re-told with a made-up table of sessions: a helper that moves an entry to the confirmed table,
// called under the table's spinlock, now sends a modify event on the entry's info file.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../../test/c/lock-harness.js';

const F = 'fs/demo/table.c';
const sleeps = (fs: Finding[]): Finding[] => fs.filter((f) => f.id === 'lock/sleep-in-atomic' && !/looks like a fix/.test(f.message));

const FIXED = `static void demo_confirm_entry(struct demo_table *tbl, struct demo_entry *e)
{
	lockdep_assert_held(&tbl->entries_lock);

	list_move(&e->link, &tbl->confirmed);
	e->state = DEMO_CONFIRMED;
	demo_touch_entry(e);
}

int demo_confirm(struct demo_table *tbl, struct demo_entry *e)
{
	bool first;

	spin_lock(&tbl->entries_lock);
	first = e->state != DEMO_CONFIRMED;
	demo_confirm_entry(tbl, e);
	spin_unlock(&tbl->entries_lock);
	if (first && e->info_dentry)
		fsnotify_dentry(e->info_dentry, FS_MODIFY);
	return 0;
}
`;
const BUG = FIXED.replace('\tdemo_touch_entry(e);\n', '\tif (e->info_dentry)\n\t\tfsnotify_dentry(e->info_dentry, FS_MODIFY);\n\tdemo_touch_entry(e);\n').replace(
  '\tif (first && e->info_dentry)\n\t\tfsnotify_dentry(e->info_dentry, FS_MODIFY);\n',
  '',
);

describe('lockdep_assert_held() says the caller holds the lock', () => {
  it('fires on fsnotify_dentry() in a function that asserts a spinlock held, with a repository and from the mail', async () => {
    expect(BUG).not.toBe(FIXED);
    const tree = sleeps(await runLockCase({ before: { [F]: FIXED }, after: { [F]: BUG } }));
    // The helper itself (an error: the whole path is known), and its caller in the tree (callers.ts).
    expect(tree.map((f) => f.severity)).toEqual(['error', 'note']);
    expect(tree[0].message).toMatch(/^fsnotify_dentry\(\) is called with the spinlock on tbl->entries_lock held/);
    // A mail with three lines of context does not show the assertion (nor did the real one): quiet.
    expect(sleeps((await runHunkOnly({ before: { [F]: FIXED }, after: { [F]: BUG } })).findings)).toEqual([]);
    // With six it does, and the caller's hunk shows the spinlock's unlock, which tells its kind.
    const mail = sleeps((await runHunkOnly({ before: { [F]: FIXED }, after: { [F]: BUG } }, '-U6')).findings);
    expect(mail.map((f) => f.message.split(':')[0])).toEqual(['fsnotify_dentry() is called with the spinlock on tbl->entries_lock held']);
  });

  it('is quiet on the fix, which sends the event after the unlock', async () => {
    expect(sleeps(await runLockCase({ before: { [F]: BUG }, after: { [F]: FIXED } }))).toEqual([]);
  });

  it('is quiet when the assertion comes after the function took the lock itself', async () => {
    const own = `static void demo_flush(struct demo_table *tbl, struct demo_entry *e)
{
	spin_lock(&tbl->entries_lock);
	lockdep_assert_held(&tbl->entries_lock);
	list_del(&e->link);
	spin_unlock(&tbl->entries_lock);
	fsnotify_dentry(e->info_dentry, FS_MODIFY);
}
`;
    const base = own.replace('\tfsnotify_dentry(e->info_dentry, FS_MODIFY);\n', '');
    expect(sleeps(await runLockCase({ before: { [F]: base }, after: { [F]: own } }))).toEqual([]);
  });

  it('says nothing when no primitive in the file tells what kind of lock it is', async () => {
    const unknown = FIXED.replace(/\tspin_(un)?lock\(&tbl->entries_lock\);\n/g, '');
    const bug = BUG.replace(/\tspin_(un)?lock\(&tbl->entries_lock\);\n/g, '');
    expect(sleeps(await runLockCase({ before: { [F]: unknown }, after: { [F]: bug } }))).toEqual([]);
  });
});
