// How far V8 lets the daemon's heap grow past what its last full collection left alive. By default
// it allows a few times the live heap before collecting again (more when collections look cheap),
// which suits a short run, not a daemon whose live heap is the lock check's caches: reviewing one
// 59-patch series across fs/ with the 6.1 tree (io-uring, REAL), the heap held after a full
// collection stayed under 200 MB (src/c/summaries.ts: the facts and summary index of fs/) while the
// heap in use reached 670 MB of garbage and the RSS 913 MB between V8's own collections.
import { setFlagsFromString } from 'node:v8';

/** The heap may grow by this share of what the last full collection kept before the next one. */
export const HEAP_GROWING_PERCENT = 25;

/**
 * Bounds the growth for the rest of this process (and its worker threads: the flag is the
 * isolate's, read again at every full collection). Set at run time: the daemon is started as
 * `kreview watch`, not with node flags of its own.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
