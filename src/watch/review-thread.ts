// The inside of a review thread (src/watch/review-threads.ts): takes one series job at a time from
// the daemon, runs the shared pipeline on it with this thread's own Histories, and posts the
// Review back. It only computes: the daemon records the outcome and sends the replies. While the
// daemon takes in mail (no review runs then), the threads decode messages for it.
import { parentPort } from 'node:worker_threads';
import { operatorNotesTo } from '../core/operator-notes.js';
import { HistoryPool } from '../git/history-pool.js';
import { parseMail } from '../patch/mail.js';
import { seriesJobRunner, type SeriesJob } from '../queue/series-job.js';
import { slimReview } from './slim-review.js';

/** A job to review, a message to decode, or `close`: end the Histories' git processes, then the thread. */
/**
 * `claim` (one Int32 shared with the daemon): the thread reviews a job only when it claims it first
 * (0 to 1); the daemon's own thread may have taken it back (2), and then it is passed by unanswered.
 */
export type ThreadRequest = { id: number; job: SeriesJob; claim?: Int32Array } | { id: number; mail: { raw: Uint8Array; origin: string } } | { close: true };

export type ThreadReply = { id: number; review: unknown } | { id: number; patch: unknown } | { id: number; error: string } | { operator: string };


const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

const port = parentPort;
if (port) {
  // The daemon logs each operator line once, whichever threads met it.
  operatorNotesTo((line) => port.postMessage({ operator: line } satisfies ThreadReply));
  const histories = new HistoryPool();
  const run = seriesJobRunner(histories);
  // Jobs are reviewed one at a time, in the order handed over, each claimed as it starts.
  const held: { id: number; job: SeriesJob; claim?: Int32Array }[] = [];
  let running = false;
  const next = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      for (let m = held.shift(); m; m = held.shift()) {
        // 0: nobody's yet; 1: this thread's; 2: taken back by the daemon's own thread (review-threads.ts).
        if (m.claim && Atomics.compareExchange(m.claim, 0, 0, 1) !== 0) continue;
        await run(m.job).then(
          (review) => port.postMessage({ id: m!.id, review: slimReview(review, m!.job.series) } satisfies ThreadReply),
          (e: unknown) => port.postMessage({ id: m!.id, error: firstLine(e) } satisfies ThreadReply),
        );
      }
    } finally {
      running = false;
    }
  };
  port.on('message', (m: ThreadRequest) => {
    if ('close' in m) {
      void histories.close().finally(() => port.close());
      return;
    }
    if ('mail' in m) {
      // The whole message of a decoding error: intake records it as it would its own.
      parseMail(Buffer.from(m.mail.raw.buffer, m.mail.raw.byteOffset, m.mail.raw.byteLength), m.mail.origin).then(
        (patch) => port.postMessage({ id: m.id, patch } satisfies ThreadReply),
        (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies ThreadReply),
      );
      return;
    }
    held.push(m);
    void next();
  });
  // Started with the daemon: the pipeline's modules load while it takes in mail, not at the first review.
  void import('../review/pipeline.js');
}
