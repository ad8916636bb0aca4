// The commits of a range reviewed on more than one thread (`kreview review --review-threads N`):
// this thread reviews some, worker threads of this process the others, each with its own History
// and checks, and the reviews are handed back one by one in commit order, as reviewCommits does on
// one thread. Commits go out in runs of RUN consecutive commits to the same thread (a commit's
// pre-image is often the one before's post-image, parsed and kept by that thread), each thread
// with at most COMMITS_IN_FLIGHT at once, and no more than WINDOW commits between the oldest not yet
// handed back and the newest read: what waits is bounded whatever a slow commit holds up. A thread
// that fails or ends has its commits reviewed here instead.
// Not the default: each thread keeps its own caches and compiles its own code. On REAL btrfs-progs
// (300 commits, compiled, load 6-8 on 2 cores) two threads took 1.3x the CPU and 1.5x the peak RSS
// of one, and no less wall time; giving each directory's commits to one thread changed nothing.
// Two threads can only pay on cores otherwise idle: on a nearly idle machine (load 0.3-0.7) the same
// 300 btrfs-progs commits took 3.0 s wall against 3.4-3.6 s on one thread, for 1.2x the CPU.
import { threadScript } from '../core/thread-script.js';
import { Worker } from 'node:worker_threads';
import type { Check } from '../core/check.js';
import { KreviewError, type Patch, type PatchReview } from '../core/types.js';
import type { History } from '../git/history-types.js';
import { COMMITS_IN_FLIGHT, reviewCommit, type ReviewOptions } from './pipeline.js';
import { threadOperatorNote } from '../core/operator-notes.js';
import type { RangeThreadInit, RangeThreadReply, RangeThreadRequest } from './range-thread.js';

/** Consecutive commits given to the same thread. */
const RUN = 4;
/** Commits read and not yet handed back, at most: each thread's in flight, and the reviews waiting for an older one. */
export const WINDOW = 8 * COMMITS_IN_FLIGHT;

/** What a threaded range did, for tests and benches: commits reviewed by each thread (0: this one), the most waiting at once. */
export interface ThreadStats {
  reviewed: number[];
  mostWaiting: number;
}

interface Slot {
  /** Null: this thread. */
  worker: Worker | null;
  /** Settled when the worker has ended (however it ended). */
  ended: Promise<void>;
  inFlight: number;
  /** Commits handed to the worker, by index in the range, with what settles them. */
  pending: Map<number, { patch: Patch; resolve: (r: PatchReview) => void; reject: (e: Error) => void }>;
  lost: boolean;
}

interface Entry {
  review: Promise<PatchReview>;
  settled: boolean;
}

export async function* reviewOnThreads(
  source: AsyncIterator<Patch>,
  opts: ReviewOptions & { repo: string; history: History | null; oids?: string[]; threads: number; threadStats?: ThreadStats; threadScript?: string },
  checks: Check[],
): AsyncGenerator<PatchReview> {
  const stats: ThreadStats = opts.threadStats ?? { reviewed: [], mostWaiting: 0 };
  stats.reviewed = Array.from({ length: opts.threads }, () => 0);
  const here = { repo: opts.repo, base: opts.base, config: opts.config, history: opts.history, placeUnapplied: opts.placeUnapplied };
  const init: RangeThreadInit = { repo: opts.repo, base: opts.base, config: opts.config, oids: opts.oids };
  // What a worker runs (module code, evaluated): the range thread unless a test gives its own.
  const script = opts.threadScript ?? threadScript(import.meta.url, 'range-thread');
  let wake: () => void = () => undefined;
  let woken = new Promise<void>((r) => (wake = r));
  const ping = (): void => {
    wake();
    woken = new Promise<void>((r) => (wake = r));
  };
  /** A commit reviewed on this thread, for a thread that was lost (or this thread's own turn). */
  const locally = (patch: Patch): Promise<PatchReview> => reviewCommit(patch, here, checks);
  const lose = (slot: Slot): void => {
    if (slot.lost) return;
    slot.lost = true;
    for (const p of slot.pending.values()) locally(p.patch).then(p.resolve, p.reject);
    slot.pending.clear();
  };
  const slots: Slot[] = [{ worker: null, ended: Promise.resolve(), inFlight: 0, pending: new Map(), lost: false }];
  for (let t = 1; t < opts.threads; t++) {
    const worker = new Worker(script, { eval: true, workerData: { kreviewRange: init } });
    const slot: Slot = { worker, ended: new Promise<void>((r) => worker.once('exit', () => r())), inFlight: 0, pending: new Map(), lost: false };
    worker.on('message', (m: RangeThreadReply) => {
      if ('operator' in m) return threadOperatorNote(m.operator);
      const p = slot.pending.get(m.i);
      if (!p) return;
      slot.pending.delete(m.i);
      if ('error' in m) p.reject(new KreviewError(m.error));
      else p.resolve({ patch: m.files === null ? p.patch : { ...p.patch, files: m.files }, ...m.review });
    });
    worker.on('error', () => lose(slot));
    worker.on('exit', () => lose(slot));
    slots.push(slot);
  }

  const waiting: Entry[] = [];
  let read = 0;
  let exhausted = false;
  let current = 0;
  let inRun = 0;
  /** The thread the next commit goes to: the current run's while it lasts and has room, else the least busy with room. */
  const pick = (): number | null => {
    if (inRun < RUN && slots[current].inFlight < COMMITS_IN_FLIGHT && !slots[current].lost) return current;
    let best: number | null = null;
    for (let k = 1; k <= slots.length; k++) {
      const t = (current + k) % slots.length;
      const s = slots[t];
      if ((t === 0 || !s.lost) && s.inFlight < COMMITS_IN_FLIGHT && (best === null || s.inFlight < slots[best].inFlight)) best = t;
    }
    if (best !== null && best !== current) inRun = 0;
    if (best !== null) current = best;
    return best;
  };
  const dispatch = (t: number, patch: Patch, i: number): Entry => {
    const slot = slots[t];
    slot.inFlight++;
    inRun++;
    stats.reviewed[t]++;
    let review: Promise<PatchReview>;
    if (slot.worker === null || slot.lost) review = locally(patch);
    else {
      review = new Promise<PatchReview>((resolve, reject) => slot.pending.set(i, { patch, resolve, reject }));
      slot.worker.postMessage({ i, patch } satisfies RangeThreadRequest);
    }
    const entry: Entry = { review, settled: false };
    const done = (): void => {
      entry.settled = true;
      slot.inFlight--;
      ping();
    };
    review.then(done, done);
    return entry;
  };
  try {
    for (;;) {
      while (!exhausted && waiting.length < WINDOW) {
        const t = pick();
        if (t === null) break;
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        waiting.push(dispatch(t, next.value, read++));
        if (waiting.length > stats.mostWaiting) stats.mostWaiting = waiting.length;
      }
      const first = waiting[0];
      if (!first) return;
      if (first.settled) {
        waiting.shift();
        yield await first.review;
        continue;
      }
      // Room freed while the next commit was read: fill again before waiting.
      if (!exhausted && waiting.length < WINDOW && slots.some((s, t) => (t === 0 || !s.lost) && s.inFlight < COMMITS_IN_FLIGHT)) continue;
      // Until the oldest is done or some thread has room for the next commit.
      await woken;
    }
  } finally {
    for (const s of slots) {
      if (!s.worker) continue;
      s.lost = true;
      s.worker.postMessage({ close: true } satisfies RangeThreadRequest);
      // A thread that does not end by itself (a review still running) is ended.
      const timer = setTimeout(() => void s.worker!.terminate(), 2_000);
      await s.ended;
      clearTimeout(timer);
    }
    await source.return?.();
  }
}
