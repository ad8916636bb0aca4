// Series reviews on worker threads of this process (`kreview watch --review-threads N`): the
// daemon hands over every ready series of a batch at once and the threads review them side by side
// on the machine's other cores, while the daemon's own thread records each outcome as it comes.
// Threads only compute, as `kreview worker` does (src/queue/series-job.ts): the state, the outbox
// and so exactly-once stay with the daemon; a review lost with its thread is simply made again.
// The daemon's own thread reviews too (`here`): it only records outcomes while the threads review,
// so with N threads N + 1 series are reviewed side by side. One thread and the daemon's own use two
// cores with one more V8 heap, parser and set of caches, not two (REAL linux-raid, docs/replay.md).
import { threadScript } from '../core/thread-script.js';
import { threadOperatorNote } from '../core/operator-notes.js';
import { Worker } from 'node:worker_threads';
import { KreviewError, type Patch, type Review } from '../core/types.js';
import { parseMail } from '../patch/mail.js';
import type { SeriesJob } from '../queue/series-job.js';
import type { ThreadReply, ThreadRequest } from './review-thread.js';
import { restoreReview, type SlimReview } from './slim-review.js';

interface Pending {
  job: SeriesJob;
  done: Promise<Review>;
  resolve: (r: Review) => void;
  reject: (e: Error) => void;
  started: boolean;
}

interface Slot {
  worker: Worker;
  /**
   * The jobs handed to this thread, the one it is on first (timed from when it became first); the
   * thread takes them in order, each by its claim (see ReviewThreads.steal).
   */
  busy: { id: number; key: string; timer: NodeJS.Timeout | null; claim: Int32Array }[];
  /** Messages handed to this thread to decode, by request id. */
  decoding: Map<number, { raw: Buffer; origin: string; resolve: (p: Patch) => void; reject: (e: Error) => void }>;
}

/**
 * How many review threads `kreview watch` starts when not told (`--review-threads`): one, beside the
 * daemon's own thread, on a machine with at least two cores where no list of the policy has a
 * repository; else none. Each thread holds its own parser, rules and caches: without a repository
 * that is about 100-150 MB (REAL linux-raid, 10,000 messages: peak RSS 196 MB on the daemon's
 * thread alone, 310-340 MB with one thread beside it); with a repository each also holds the lock
 * check's facts and summaries of the directories it reviews (about 200 MB in fs/, docs/replay.md),
 * and the per-patch CPU budget (counted per process) would be shared.
 */
export function defaultReviewThreads(policy: { lists: { repo: string | null }[]; fallback: { repo: string | null } }, cores: number): number {
  if (cores < 2) return 0;
  return [...policy.lists, policy.fallback].some((l) => l.repo !== null) ? 0 : 1;
}

/** Jobs a thread holds at once when the daemon's own thread reviews too (it takes back what a thread has not started). */
const HELD_JOBS = 8;
/** A held job's claim: nobody's yet, the thread's, the daemon's own thread's (review-thread.ts reads the same). */
export const UNCLAIMED = 0;
export const CLAIMED_BY_THREAD = 1;
export const CLAIMED_HERE = 2;

export class ReviewThreads {
  private readonly slots: Slot[] = [];
  /** Jobs by key: handed over and not yet collected by review(). */
  private readonly jobs = new Map<string, Pending>();
  /** Keys waiting for a thread, oldest first. */
  private readonly queue: string[] = [];
  private nextId = 1;
  private closed = false;
  /** The thread the next message to decode goes to (round robin). */
  private turn = 0;
  /** The job the daemon's own thread is reviewing (`here`), if any. */
  private hereBusy: string | null = null;

  constructor(
    readonly size: number,
    /** A review may run this much longer than its job's limit before its thread is ended. */
    private readonly graceMs = 5_000,
    /** What a thread runs (module code, evaluated): the review thread unless a test gives its own. */
    private readonly script: string = threadScript(import.meta.url, 'review-thread'),
    /**
     * Reviews a job on the daemon's own thread, beside the threads (null: the threads alone). Its
     * limit is its own affair (seriesJobRunner races the job's limit; a computation stuck on this
     * thread cannot be ended from it, as when the daemon reviews without threads).
     */
    private readonly here: ((job: SeriesJob) => Promise<Review>) | null = null,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new KreviewError(`review threads: ${size} is not a whole number of at least 1`);
  }

  /** Starts every thread now (each loads the pipeline while the daemon takes in mail). */
  start(): void {
    while (!this.closed && this.slots.length < this.size) this.spawn();
  }

  /**
   * Decodes a message on a thread (parseMail there): intake runs before any review of its pass, so
   * the threads are otherwise idle while it does. Rejects with parseMail's own error.
   */
  decode(raw: Buffer, origin: string): Promise<Patch> {
    if (this.closed) return Promise.reject(new KreviewError('the review threads are closed'));
    this.start();
    // When the daemon's thread reviews too, it takes its turn at decoding as well: with one thread,
    // handing it every message left the daemon's thread waiting on it (and cloning each result).
    const turn = this.turn++ % (this.slots.length + (this.here ? 1 : 0));
    if (turn === this.slots.length) return parseMail(raw, origin);
    const slot = this.slots[turn];
    const id = this.nextId++;
    return new Promise<Patch>((resolve, reject) => {
      slot.decoding.set(id, { raw, origin, resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, mail: { raw, origin } } satisfies ThreadRequest);
    });
  }

  /** Starts the review in the background (once per job key). */
  submit(job: SeriesJob): void {
    this.pending(job);
    this.pump();
  }

  /** The job's Review: started now, ahead of the queue, when no thread has it yet. */
  async review(job: SeriesJob): Promise<Review> {
    const p = this.pending(job);
    if (!p.started) {
      const at = this.queue.indexOf(job.key);
      if (at > 0) this.queue.unshift(...this.queue.splice(at, 1));
    }
    this.pump();
    try {
      return await p.done;
    } finally {
      this.jobs.delete(job.key);
    }
  }

  private pending(job: SeriesJob): Pending {
    if (this.closed) throw new KreviewError('the review threads are closed');
    const had = this.jobs.get(job.key);
    if (had) return had;
    let resolve!: (r: Review) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<Review>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Collected by review(); a job nobody collects must not be an unhandled rejection.
    done.catch(() => {});
    const p: Pending = { job, done, resolve, reject, started: false };
    this.jobs.set(job.key, p);
    this.queue.push(job.key);
    return p;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.script, { eval: true }), busy: [], decoding: new Map() };
    // An idle thread does not keep the process alive; one with a review under way does.
    slot.worker.unref();
    slot.worker.on('message', (m: ThreadReply) => this.settle(slot, m));
    slot.worker.on('error', (e) => this.lost(slot, `the review thread failed: ${e.message.split('\n')[0]}`));
    slot.worker.on('exit', (code) => this.lost(slot, `the review thread ended (exit ${code})`));
    this.slots.push(slot);
    return slot;
  }

  /**
   * Gives waiting jobs to idle threads, starting threads up to the pool's size; then, when the
   * daemon's own thread reviews too, more jobs to each thread, up to HELD_JOBS (they wait in the
   * thread's port: a thread that finishes while the daemon's thread is in a review of its own, which
   * nothing interrupts, goes on with them without waiting for the daemon to hand one over), then one
   * to the daemon's own thread; with none left to hand over, the daemon's thread takes back the
   * last job a thread holds and has not started (steal).
   */
  private pump(): void {
    const depth = this.here ? HELD_JOBS : 1;
    while (this.queue.length && !this.closed) {
      const slot =
        this.slots.find((s) => s.busy.length === 0) ??
        (this.slots.length < this.size ? this.spawn() : null) ??
        this.slots.find((s) => s.busy.length < depth) ??
        null;
      if (!slot) {
        if (this.here && this.hereBusy === null) this.runHere(this.queue.shift()!);
        return;
      }
      const key = this.queue.shift()!;
      const p = this.jobs.get(key);
      if (!p) continue;
      p.started = true;
      const id = this.nextId++;
      const claim = new Int32Array(new SharedArrayBuffer(4));
      slot.busy.push({ id, key, timer: null, claim });
      if (slot.busy.length === 1) this.watch(slot);
      slot.worker.ref();
      slot.worker.postMessage({ id, job: p.job, claim } satisfies ThreadRequest);
    }
    if (this.here && this.hereBusy === null && !this.closed) this.steal();
  }

  /**
   * The daemon's own thread, idle with nothing left to hand over, takes the last job held by the
   * thread that holds the most, when that thread has not started it: whoever claims a job first
   * (CLAIMED_BY_THREAD, CLAIMED_HERE) reviews it, and the other passes it by. A review on the
   * daemon's thread never lets the event loop turn, so without this a thread that finished what it
   * held waited for the daemon's review to end (REAL linux-nfs restart: its thread idle 55% of the
   * time, with jobs waiting).
   */
  private steal(): void {
    const slot = this.slots.filter((s) => s.busy.length > 1).sort((a, b) => b.busy.length - a.busy.length)[0];
    if (!slot) return;
    const last = slot.busy[slot.busy.length - 1];
    if (Atomics.compareExchange(last.claim, 0, UNCLAIMED, CLAIMED_HERE) !== UNCLAIMED) return;
    slot.busy.pop();
    if (last.timer) clearTimeout(last.timer);
    this.runHere(last.key);
  }

  /** Times the job a thread is on (the first it holds): a review stuck in computation never lets its own timer fire, so the thread is ended from here. */
  private watch(slot: Slot): void {
    const head = slot.busy[0];
    if (!head || head.timer) return;
    const p = this.jobs.get(head.key);
    const limitMs = p?.job.limitMs ?? 0;
    head.timer = setTimeout(() => {
      void slot.worker.terminate();
      this.lost(slot, `the review ran past its limit of ${limitMs / 1000} s (limits.reviewMsPerPatch per patch, plus one)`);
    }, limitMs + this.graceMs);
  }

  /** Reviews the job on the daemon's own thread; the next waiting job goes out when it is done. */
  private runHere(key: string): void {
    const p = this.jobs.get(key);
    if (!p || !this.here) return;
    p.started = true;
    this.hereBusy = key;
    // Started on a later turn: pump() runs inside review() and settle(), whose callers go on first.
    setImmediate(() => {
      this.here!(p.job).then(p.resolve, (e: unknown) => p.reject(new KreviewError((e instanceof Error ? e.message : String(e)).split('\n')[0]))).finally(() => {
        this.hereBusy = null;
        this.pump();
      });
    });
  }

  private settle(slot: Slot, m: ThreadReply): void {
    if ('operator' in m) return threadOperatorNote(m.operator);
    const decoding = slot.decoding.get(m.id);
    if (decoding) {
      slot.decoding.delete(m.id);
      if (!slot.busy.length && !slot.decoding.size) slot.worker.unref();
      if ('patch' in m) decoding.resolve(m.patch as Patch);
      else if ('error' in m) decoding.reject(new KreviewError(m.error));
      return;
    }
    const at = slot.busy.findIndex((b) => b.id === m.id);
    if (at === -1) return;
    const [busy] = slot.busy.splice(at, 1);
    if (busy.timer) clearTimeout(busy.timer);
    this.watch(slot);
    if (!slot.busy.length && !slot.decoding.size) slot.worker.unref();
    const p = this.jobs.get(busy.key);
    if (p) {
      if ('review' in m) p.resolve(restoreReview(m.review as Review | SlimReview, p.job.series));
      else p.reject(new KreviewError('error' in m ? m.error : 'the review thread answered a review with something else'));
    }
    this.pump();
  }

  /** A thread that died or was ended: its job fails with the one line, a new thread takes the rest. */
  private lost(slot: Slot, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    this.slots.splice(at, 1);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    const [head, ...waiting] = slot.busy.splice(0);
    if (head) {
      if (head.timer) clearTimeout(head.timer);
      this.jobs.get(head.key)?.reject(new KreviewError(why));
    }
    // The jobs waiting behind it were not started: back to the front of the queue, for another thread.
    for (const w of waiting.reverse()) {
      const p = this.jobs.get(w.key);
      if (!p) continue;
      p.started = false;
      this.queue.unshift(w.key);
    }
    // A message is not bad because the thread decoding it died: it is decoded here instead.
    for (const d of slot.decoding.values()) parseMail(d.raw, d.origin).then(d.resolve, d.reject);
    slot.decoding.clear();
    this.pump();
  }

  /** Ends the threads (their git processes first); jobs not collected are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (s) => {
        for (const b of s.busy) if (b.timer) clearTimeout(b.timer);
        for (const d of s.decoding.values()) parseMail(d.raw, d.origin).then(d.resolve, d.reject);
        s.decoding.clear();
        s.worker.removeAllListeners();
        s.worker.on('error', () => {});
        const ended = new Promise<void>((res) => s.worker.once('exit', () => res()));
        s.worker.postMessage({ close: true } satisfies ThreadRequest);
        const timer = setTimeout(() => void s.worker.terminate(), 5_000);
        await ended;
        clearTimeout(timer);
      }),
    );
    for (const p of this.jobs.values()) p.reject(new KreviewError('the review threads were closed'));
    this.jobs.clear();
    this.queue.length = 0;
  }
}
