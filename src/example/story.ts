// The example history, commit by commit: a small kernel-like tree in which the fixup
// worker of the seed bug lives, with releases, a revert and an earlier fix to refer to.
import { ctreeH, extentIoC, inodeC, makefile, qgroupC } from './tree-files.js';

export interface StoryCommit {
  /** Name for later reference (`{{sha:name}}` in messages, `{{sha12:name}}`). */
  name: string;
  author: { name: string; email: string };
  /** Seconds since the epoch (UTC). */
  date: number;
  message: string;
  files: Record<string, string>;
  tag?: string;
}

const ada = { name: 'Ada Lindqvist', email: 'ada@example.org' };
const bo = { name: 'Bo Marsh', email: 'bo.marsh@example.com' };
const cyd = { name: 'Cyd Okafor', email: 'cyd@example.net' };
const day = 86_400;
const t0 = 1_559_390_400; // 2019-06-01 12:00 UTC

export const story: StoryCommit[] = [
  {
    name: 'import',
    author: ada,
    date: t0,
    message: 'kernel: import the example tree\n\nA trimmed btrfs, enough to tell the story of the fixup worker.\n\nSigned-off-by: Ada Lindqvist <ada@example.org>\n',
    files: {
      Makefile: makefile.replace('PATCHLEVEL = 4', 'PATCHLEVEL = 2'),
      'fs/btrfs/ctree.h': ctreeH,
      'fs/btrfs/inode.c': inodeC({ mappingCheck: false, cachedState: false }),
      'fs/btrfs/qgroup.c': qgroupC(false),
      'fs/btrfs/extent_io.c': extentIoC(false),
    },
    tag: 'v5.2',
  },
  {
    name: 'cached-state',
    author: bo,
    date: t0 + 10 * day,
    message:
      'btrfs: use a cached extent state in the fixup worker\n\n' +
      'The fixup worker looks up the extent state three times for the same\nrange. Keep the state found by lock_extent_bits() and pass it on.\n\n' +
      'Signed-off-by: Bo Marsh <bo.marsh@example.com>\n',
    files: { 'fs/btrfs/inode.c': inodeC({ mappingCheck: false, cachedState: true }) },
  },
  {
    name: 'qgroup-free',
    author: cyd,
    date: t0 + 20 * day,
    message:
      'btrfs: qgroup: free the reserved data on error\n\n' +
      'If qgroup_reserve_data() fails half way, give back what it reserved.\n\n' +
      'Signed-off-by: Cyd Okafor <cyd@example.net>\n',
    files: { 'fs/btrfs/qgroup.c': qgroupC(true) },
  },
  {
    name: 'qgroup-revert',
    author: ada,
    date: t0 + 30 * day,
    message:
      'Revert "btrfs: qgroup: free the reserved data on error"\n\n' +
      'This reverts commit {{sha:qgroup-free}}.\n\n' +
      'qgroup_reserve_data() already releases its partial reservation, so the\nrange was freed twice and the qgroup counters went negative.\n\n' +
      'Signed-off-by: Ada Lindqvist <ada@example.org>\n',
    files: { 'fs/btrfs/qgroup.c': qgroupC(false), Makefile: makefile.replace('PATCHLEVEL = 4', 'PATCHLEVEL = 3') },
    tag: 'v5.3',
  },
  {
    name: 'put-state',
    author: bo,
    date: t0 + 40 * day,
    message:
      'btrfs: drop the cached extent state in unlock_extent_cached\n\n' +
      'Callers hand over their reference with the cached state; drop it once\nthe range is unlocked.\n\n' +
      'Signed-off-by: Bo Marsh <bo.marsh@example.com>\n',
    files: { 'fs/btrfs/extent_io.c': extentIoC(true) },
  },
  {
    name: 'mapping-check',
    author: cyd,
    date: t0 + 50 * day,
    message:
      'btrfs: handle a page without a mapping in the fixup worker\n\n' +
      'A page truncated while the fixup was queued has no mapping any more,\nand the worker dereferenced page->mapping->host: a NULL pointer\ndereference. Check the mapping under the page lock.\n\n' +
      'Fixes: {{sha12:cached-state}} ("btrfs: use a cached extent state in the fixup worker")\n' +
      'Signed-off-by: Cyd Okafor <cyd@example.net>\n',
    files: { 'fs/btrfs/inode.c': inodeC({ mappingCheck: true, cachedState: true }) },
  },
  {
    name: 'release-5.4',
    author: ada,
    date: t0 + 60 * day,
    message: 'Linux 5.4\n\nSigned-off-by: Ada Lindqvist <ada@example.org>\n',
    files: { Makefile: makefile },
    tag: 'v5.4',
  },
];
