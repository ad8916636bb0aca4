// How limits.cacheBytes is shared out between the caches a review keeps from one patch to the next.
// Each cache was bounded alone, most by the whole budget or a large part of it: together they
// could hold 3.3 times cacheBytes (64 MiB: 210 MB of heap), and over a long range they filled
// towards that, which is most of why the held heap of a whole-history review kept rising. The
// shares below sum to one, so the caches together stay within cacheBytes. Two budgets are apart:
// trees awaiting collection live outside V8's heap (src/c/native-trees.ts), and the tree-wide
// sleep records that lock.treeSleepIndex turns on (off by default) have cacheBytes of their own.

/** Sixty-fourths of cacheBytes per cache. */
const SHARES = {
  /** Parsed facts of files, by content (src/c/summaries.ts). */
  facts: 16,
  /** Summary indexes of directories, counted with the facts they hold (src/c/summaries.ts). */
  summaryIndexes: 12,
  /** A directory's own callers by name, kept for its next summary indexes (src/c/summaries.ts), counted as the indexes are. */
  sharedCallers: 2,
  /** The last text and content id per path (src/c/summaries.ts). */
  textsByPath: 4,
  /** Blob id -> content key (src/c/summaries.ts). */
  blobKeys: 2,
  /** Headers' texts and their annotation contracts (checks/lock/tree-contracts.ts). */
  headerTexts: 4,
  /** Headers' contracts by blob id (checks/lock/tree-contracts.ts). */
  headerBlobs: 1,
  /** Tree listings of directories (src/git/history.ts). */
  treeListings: 4,
  /** Release labellings by base (src/git/history.ts): one is 4.8 MB on a kernel's history. */
  releases: 6,
  /** Texts of commits' images by blob id (src/git/workspace.ts). */
  imageTexts: 3,
  /** The helpers each base file defines, scanned for the callers check (checks/lock/callers.ts): btrfs-progs's kernel-shared/ is about 2 MB of them. */
  callerScans: 5,
  /** A directory's helpers by name, for the callers check, counted whole though most are the scans' own objects (a table read back from disk is not): a kernel directory's is 3-7 MB (fs/btrfs of 6.1: 2,863 helpers, 6.9 MB), btrfs-progs's kernel-shared/ 1.6 MB. */
  callerDirs: 2,
  /** What the function around a call site holds there, for the callers check, per caller blob and line. */
  callerSites: 1,
  /** Memos keyed by names met in sources: the lock model's and rule matcher's answers per callee (src/core/name-memo.ts). */
  nameMemos: 2,
} as const;

export type CacheName = keyof typeof SHARES;

/** The bytes `cache` may hold of a run's `cacheBytes`. */
export function cacheShare(cache: CacheName, cacheBytes: number): number {
  return Math.floor((cacheBytes * SHARES[cache]) / 64);
}

/** The sum of the shares, in sixty-fourths (for tests: at most 64). */
export function sharesTotal(): number {
  return Object.values(SHARES).reduce((a, b) => a + b, 0);
}
