// Which messages describe a bug fix that needs a Fixes: tag (fixes/missing), and how strongly.
import { describe, expect, it } from 'vitest';
import { bugSigns } from './missing.js';

/** The shape of the btrfs fixup-worker deadlock report (f4b1363cae43), without its Fixes: tag. */
const seedNoTag = `We ran into a deadlock in production with the fixup worker.  The stack
traces were as follows:

  [<0>] io_schedule+0x12/0x40
  [<0>] __lock_page+0x109/0x1e0
  [<0>] btrfs_delalloc_reserve_space+0x20/0x70
  [<0>] btrfs_writepage_fixup_worker+0x1fc/0x2a0

Signed-off-by: Josef Bacik <josef@toxicpanda.com>`;

const cases: [string, string, string, { strong: boolean; has?: string } | null][] = [
  ['KASAN report', 'mm: fix use-after-free in foo', 'BUG: KASAN: slab-use-after-free in foo+0x1/0x2', { strong: true, has: 'KASAN report' }],
  ['UBSAN report', 'net: fix shift', 'UBSAN: shift-out-of-bounds in net/core/x.c:12', { strong: true }],
  ['Call Trace', 'fs: fix oops', 'Oops.\nCall Trace:\n <TASK>\n foo+0x12/0x40\n', { strong: true, has: 'Call Trace' }],
  ['syzbot', 'net: fix warning', 'Reported-by: syzbot+1234@syzkaller.appspotmail.com', { strong: true, has: 'syzbot report' }],
  ['Cc: stable', 'mm: fix accounting', 'Cc: stable@vger.kernel.org # 5.10+', { strong: true, has: 'Cc: stable' }],
  ['the btrfs seed (stack trace lines, deadlock)', 'btrfs: do not do delalloc reservation under page lock', seedNoTag, { strong: true, has: 'stack trace' }],
  ['deadlock fix', 'btrfs: fix a deadlock in the fixup worker', 'The worker can deadlock.', { strong: false, has: 'deadlock' }],
  ['memory leak fix', 'nfs: plug a memory leak', 'The buffer is never freed: a memory leak.', { strong: false, has: 'memory leak' }],
  ['NULL dereference fix', 'usb: avoid a NULL pointer dereference', 'NULL pointer dereference when unplugged.', { strong: false }],
  ['regression fix', 'drm: fix a regression in modesetting', 'This is a regression since 6.1.', { strong: false, has: 'regression' }],
  ['a feature that mentions deadlocks', 'lockdep: add deadlock detection for rwsems', 'Detect a deadlock earlier.', null],
  ['a typo fix', 'mm: fix typo in comment', 'The comment about the use-after-free was misspelled.', null],
  ['a doc fix', 'docs: fix the memory leak section', 'Describe how a memory leak is found.', null],
  ['a revert', 'Revert "mm: fix a deadlock"', 'This reverts commit 1234. It caused a regression.', null],
  ['a merge whose summary lists fixes', "Merge tag 'net-6.8-rc2' of git://git.kernel.org/pub/scm/linux/kernel/git/netdev/net", 'Fix a use-after-free reported by syzbot.', null],
  ['a revert with a crash report', 'Revert "net: add the frobnicator"', 'It causes this:\nCall Trace:\n foo+0x1/0x2', null],
  ['a cleanup', 'net: simplify the error path', 'No functional change.', null],
  ['leak as a verb without fix', 'net: add a leak checker', 'Leak of memory is reported by this tool.', null],
  // A real linux-cifs patch (VFS v6 14/15, November 2025): syzbot tested the series, it reported nothing.
  ['syzbot as a tester only', 'VFS: change vfs_mkdir() to unlock on failure.', 'vfs_mkdir() leaves the parent locked on failure; unlock it there too.\n\nReviewed-by: A Reviewer <r@example.org>\nTested-by: syzbot@syzkaller.appspotmail.com\nSigned-off-by: A Developer <dev@example.org>', null],
  ['syzbot reported and tested', 'net: fix a race', 'Reported-and-tested-by: syzbot+1234@syzkaller.appspotmail.com', { strong: true, has: 'syzbot report' }],
  ['syzbot in prose', 'syzbot: found a lock inversion', 'syzbot found a lock inversion in the journal code.', { strong: true, has: 'syzbot report' }],
  ['reported by syzbot, in prose', 'ext4: check the extent depth', 'This was reported by syzbot last week.', { strong: true, has: 'syzbot report' }],
  // The shapes of two real e2fsprogs commits (a7950660, 1f8c7016), retold.
  ['syzbot mentioned, no report', 'e2fsprogs: keep udisks from mounting ext4 images on its own', 'The endless flow of syzbot reports about corner cases gets a lot of attention.', null],
  ['an Android tracker line is no kernel BUG', 'AOSP: build a static blkid', 'A tool needs a static blkid.\n\nBUG: b/257933023\nTEST: local build of blkid_static', null],
  ['a kernel BUG line', 'mm: fix the pte check', 'BUG: unable to handle page fault for address: ffff888000000000', { strong: true, has: 'kernel BUG' }],
  // A real u-boot subject (64b68178489b): a project's own word for a bug, not the kernel's report line.
  ['a subject that says BUG', 'ubifs.c: BUG: Error following links', 'Following a link fails.', null],
  ['a kernel BUG line, sleeping', 'fs: do not sleep under the lock', 'BUG: sleeping function called from invalid context', { strong: true, has: 'kernel BUG' }],
];

describe('bugSigns', () => {
  it.each(cases)('%s', (_n, subject, body, want) => {
    const s = bugSigns(subject, `${subject}\n\n${body}\n`);
    if (want === null) {
      expect(s.names).toEqual([]);
      return;
    }
    expect(s.names.length).toBeGreaterThan(0);
    expect(s.strong).toBe(want.strong);
    if (want.has) expect(s.names).toContain(want.has);
  });
});
