// Series reviews on worker threads of this process (`kreview watch --review-threads N`): the
// daemon hands over every ready series of a batch at once and the threads review them side by side
// on the machine's other cores, while the daemon's own thread records each outcome as it comes.
// Threads only compute, as `kreview worker` does (src/queue/series-job.ts): the state, the outbox
// and so exactly-once stay with the daemon; a review lost with its thread is simply made again.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KreviewError, type Patch, type Review } from '../core/types.js';
import { parseMail } from '../patch/mail.js';
import type { SeriesJob } from '../queue/series-job.js';
import type { ThreadReply, ThreadRequest } from './review-thread.js';

interface Pending {
  job: SeriesJob;
  done: Promise<Review>;
  resolve: (r: Review) => void;
  reject: (e: Error) => void;
  started: boolean;
}

interface Slot {
  worker: Worker;
  busy: { id: number; key: string; timer: NodeJS.Timeout } | null;
  /** Messages handed to this thread to decode, by request id. */
  decoding: Map<number, { raw: Buffer; origin: string; resolve: (p: Patch) => void; reject: (e: Error) => void }>;
}

/**
 * How a thread starts: the compiled module as it is; the TypeScript sources (tsx, tests) through
 * tsx's loader registered inside the thread, which a thread does not inherit from its parent.
 */
function threadScript(): string {
  const entry = new URL(`./review-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  // The ESM build of tsx's API (require.resolve names its CommonJS twin beside it).
  const tsx = entry.endsWith('.ts') ? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href : null;
  return tsx ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });` : `import(${JSON.stringify(entry)});`;
}

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

  constructor(
    readonly size: number,
    /** A review may run this much longer than its job's limit before its thread is ended. */
    private readonly graceMs = 5_000,
    /** What a thread runs (module code, evaluated): the review thread unless a test gives its own. */
    private readonly script: string = threadScript(),
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
    const slot = this.slots[this.turn++ % this.slots.length];
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
    const slot: Slot = { worker: new Worker(this.script, { eval: true }), busy: null, decoding: new Map() };
    // An idle thread does not keep the process alive; one with a review under way does.
    slot.worker.unref();
    slot.worker.on('message', (m: ThreadReply) => this.settle(slot, m));
    slot.worker.on('error', (e) => this.lost(slot, `the review thread failed: ${e.message.split('\n')[0]}`));
    slot.worker.on('exit', (code) => this.lost(slot, `the review thread ended (exit ${code})`));
    this.slots.push(slot);
    return slot;
  }

  /** Gives waiting jobs to idle threads, starting threads up to the pool's size. */
  private pump(): void {
    while (this.queue.length && !this.closed) {
      const slot = this.slots.find((s) => s.busy === null) ?? (this.slots.length < this.size ? this.spawn() : null);
      if (!slot) return;
      const key = this.queue.shift()!;
      const p = this.jobs.get(key);
      if (!p) continue;
      p.started = true;
      const id = this.nextId++;
      // A review stuck in computation never lets its own timer fire: the thread is ended from here.
      const timer = setTimeout(() => {
        void slot.worker.terminate();
        this.lost(slot, `the review ran past its limit of ${p.job.limitMs / 1000} s (limits.reviewMsPerPatch per patch, plus one)`);
      }, p.job.limitMs + this.graceMs);
      slot.busy = { id, key, timer };
      slot.worker.ref();
      slot.worker.postMessage({ id, job: p.job } satisfies ThreadRequest);
    }
  }

  private settle(slot: Slot, m: ThreadReply): void {
    const decoding = slot.decoding.get(m.id);
    if (decoding) {
      slot.decoding.delete(m.id);
      if (!slot.busy && !slot.decoding.size) slot.worker.unref();
      if ('patch' in m) decoding.resolve(m.patch as Patch);
      else if ('error' in m) decoding.reject(new KreviewError(m.error));
      return;
    }
    const busy = slot.busy;
    if (!busy || busy.id !== m.id) return;
    clearTimeout(busy.timer);
    slot.busy = null;
    if (!slot.decoding.size) slot.worker.unref();
    const p = this.jobs.get(busy.key);
    if (p) {
      if ('review' in m) p.resolve(m.review as Review);
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
    if (slot.busy) {
      clearTimeout(slot.busy.timer);
      this.jobs.get(slot.busy.key)?.reject(new KreviewError(why));
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
        if (s.busy) clearTimeout(s.busy.timer);
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
