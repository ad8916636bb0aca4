// The inside of a review thread (src/watch/review-threads.ts): takes one series job at a time from
// the daemon, runs the shared pipeline on it with this thread's own Histories, and posts the
// Review back. It only computes: the daemon records the outcome and sends the replies.
import { parentPort } from 'node:worker_threads';
import { HistoryPool } from '../git/history-pool.js';
import { seriesJobRunner, type SeriesJob } from '../queue/series-job.js';

/** A job to review, or `close`: end the Histories' git processes, then the thread. */
export type ThreadRequest = { id: number; job: SeriesJob } | { close: true };

export type ThreadReply = { id: number; review: unknown } | { id: number; error: string };

const port = parentPort;
if (port) {
  const histories = new HistoryPool();
  const run = seriesJobRunner(histories);
  port.on('message', (m: ThreadRequest) => {
    if ('close' in m) {
      void histories.close().finally(() => port.close());
      return;
    }
    run(m.job).then(
      (review) => port.postMessage({ id: m.id, review } satisfies ThreadReply),
      (e: unknown) => port.postMessage({ id: m.id, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] } satisfies ThreadReply),
    );
  });
}
