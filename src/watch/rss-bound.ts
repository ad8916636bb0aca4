// V8 collects when its own heap has grown enough (heap-growth.ts bounds that), but the lock check's
// syntax trees live outside that heap: tree-sitter's binding tells V8 nothing of the native memory a
// tree holds, and frees it only when a collection finds the JS tree object dead. A review that churns
// through many files' trees while its JS heap grows slowly piles up dead native trees that no heap
// limit sees. The bound watches the process's resident memory instead and asks for a full collection
// when it has grown a step past what the last one left.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MB = 1024 * 1024;

/** The collector, with or without `--expose-gc` on the command line (the flag set now reaches new contexts). */
export function collector(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (own) return own;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface RssBoundOptions {
  /** No collection is asked for below this resident size. */
  floorBytes: number;
  /** The next collection waits until the resident size is this much above what the last one left. */
  stepBytes: number;
  rss?: () => number;
  gc?: () => void;
}

export const DAEMON_RSS_BOUND: RssBoundOptions = { floorBytes: 256 * MB, stepBytes: 64 * MB };

export class RssBound {
  private next: number;
  private readonly rss: () => number;
  private readonly gc: () => void;
  /** Collections asked for so far. */
  collections = 0;

  constructor(private readonly o: RssBoundOptions) {
    this.next = o.floorBytes;
    this.rss = o.rss ?? (() => process.memoryUsage.rss());
    this.gc = o.gc ?? collector();
  }

  /** Collects when the resident size reached the mark; the mark then moves a step above what is left. */
  check(): boolean {
    if (this.rss() < this.next) return false;
    this.gc();
    this.collections++;
    this.next = Math.max(this.o.floorBytes, this.rss() + this.o.stepBytes);
    return true;
  }

  /** Checks every `everyMs` while the process runs (the timer keeps no process alive); returns the stop. */
  watch(everyMs = 250): () => void {
    const t = setInterval(() => this.check(), everyMs);
    t.unref();
    return () => clearInterval(t);
  }
}
