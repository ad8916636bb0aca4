// tree-sitter's syntax trees live in native memory that V8 does not see: the binding frees a tree
// only when a full garbage collection finds its JavaScript handle dead (there is no delete()), and
// V8 schedules full collections by its own heap alone. A long range review parses a few files per
// commit and holds none of them, yet dead trees piled up between collections: on btrfs-progs, 1,100
// trees (25 MB of source, 26.5 native bytes per source byte) awaited one at 1,200 commits, two
// thirds of a 1 GB peak. Counting what was parsed and collecting past a budget bounds them by the
// work in flight instead.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_LIMITS } from '../core/limits.js';

/** Native bytes of a tree per byte of source (tree-sitter-c on btrfs-progs's check/main.c: 26.5). */
export const TREE_BYTES_PER_SOURCE_BYTE = 27;

let budget = DEFAULT_LIMITS.cacheBytes;
/** Estimated native bytes of every tree parsed so far, and how many of them a full collection has seen. */
let parsed = 0;
let collected = 0;
/** When the trees since the last full collection were parsed: [performance.now(), parsed after it]. */
const since: [number, number][] = [];
let collections = 0;
let watching = false;

/**
 * V8's own full collections free dead trees as well as ours do: one that began after some of the
 * trees were parsed takes them off what awaits collection (its notice comes a turn of the event
 * loop later, with its start time). On REAL io-uring with the 6.1 tree the daemon made 107 forced
 * collections beside 79 of V8's, each marking a heap of 100-250 MB: about 12% of its CPU.
 */
function watchCollections(): void {
  if (watching) return;
  watching = true;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      let seen = -1;
      while (since.length && since[0][0] <= e.startTime) seen = since.shift()![1];
      if (seen > collected) collected = seen;
    }
  }).observe({ entryTypes: ['gc'] });
}
let collect: (() => void) | null = null;

/** The native bytes of trees that may await collection (limits.cacheBytes of the run). */
export function setTreeBudget(bytes: number): void {
  budget = bytes;
}

/** The native bytes of trees that may await collection, or be kept alive by a cache of parses. */
export function treeBudget(): number {
  return budget;
}

/** How many collections the parses so far have asked for (for tests and benches). */
export function treeCollections(): number {
  return collections;
}

/** Called after each parse with the length of the text parsed: collects once the trees since the last collection pass the budget. */
export function treeParsed(sourceChars: number): void {
  watchCollections();
  parsed += sourceChars * TREE_BYTES_PER_SOURCE_BYTE;
  since.push([performance.now(), parsed]);
  if (parsed - collected < budget) return;
  collections++;
  fullCollection();
  collected = parsed;
  since.length = 0;
}

function fullCollection(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      // Node has no other way to ask for a full collection; the flag only makes `gc` available to
      // contexts made afterwards, and this one context is made once.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}
