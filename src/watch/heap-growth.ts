// How far V8 lets the daemon's heap grow past what it needs. By default it allows a few times the
// live heap before a full collection (more when collections look cheap), which suits a short run,
// not a daemon whose live heap is the lock check's caches: reviewing one 59-patch series across fs/
// with the 6.1 tree (io-uring, REAL), the heap held after a full collection stayed under 200 MB
// (src/c/summaries.ts: the facts and summary index of fs/) while the heap in use reached 670 MB of
// garbage and the RSS 913 MB between V8's own collections.
// The young generation is the other part: V8 doubles its two semi-spaces from 1 MiB up to 16 MiB
// each while objects survive a scavenge, and a review's objects mostly do (they feed the caches),
// so the daemon soon holds 48 MiB of young space (three semi-spaces' worth of pages) whatever it
// keeps. Kept at its start size: REAL linux-cifs with the 6.1 tree, 400 messages, peak RSS 433 MB
// before, 367 MB after, the same CPU seconds (docs/replay.md).
import { setFlagsFromString } from 'node:v8';

/** The heap may grow by this share of what the last full collection kept before the next one. */
export const HEAP_GROWING_PERCENT = 25;

/**
 * Bounds the growth for the rest of this process (and its worker threads: the flags are the
 * isolate's, read again at every full collection and every growth of the young generation). Set
 * at run time: the daemon is started as `kreview watch`, not with node flags of its own. Only a
 * factor is settable once the heap exists (the semi-space maximum is fixed at start): a factor of
 * one keeps the semi-spaces at the size they have.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  setFlagsFromString('--semi-space-growth-factor=1');
}
