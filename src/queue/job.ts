// Jobs between a feeder and its workers: a verified webhook on its way from serve's intake to a
// review (ReviewJob), or a mailed series on its way from `kreview watch` to a review (SeriesJob,
// src/queue/series-job.ts). Jobs are delivered at least once (a worker that dies mid-job leaves its
// job to another), so what a job does must be idempotent: see src/app/run-job.ts.

/** What every job has: its identity (also its deduplication key) and when its feeder made it. */
export interface QueuedJob {
  key: string;
  /** When the work arrived (ms since the epoch): job latency counts from here. */
  receivedAt: number;
}

export interface ReviewJob extends QueuedJob {
  /**
   * `pr/<owner>/<repo>#<n>@<head sha>` for a push to review (a second delivery for the same head is
   * the same job), `delivery/<id>` for a recheck (BullMQ ids may not hold a colon).
   */
  key: string;
  /** GitHub's X-GitHub-Delivery of the webhook that made the job (in every log line about it). */
  deliveryId: string;
  /** X-GitHub-Event. */
  event: string;
  /** The webhook's payload, validated by the intake (src/app/intake.ts). */
  payload: Record<string, unknown>;
  installationId: number;
  /** The check run the intake put "in progress" for this head, when it did. */
  checkRunId: number | null;
}

export type JobHandler<J extends QueuedJob = ReviewJob, R = void> = (job: J) => Promise<R>;

/** Figures a metrics endpoint reads (polled; nothing here depends on a metrics library). */
export interface QueueStats {
  /** Jobs waiting for a worker. */
  waiting: number;
  /** Jobs a worker holds. */
  running: number;
}

/** Where a job is, as its feeder asks (a feeder that waits for a result: `kreview watch`). */
export type JobStatus<R> =
  | { state: 'missing' }
  | { state: 'waiting' }
  /** `since`: when the worker that holds it took it (a job handed to another worker starts again). */
  | { state: 'running'; since: number }
  | { state: 'done'; result: R }
  | { state: 'failed'; error: string };

/** Told about each job a worker finished here (for a latency histogram). */
export type JobObserver<J extends QueuedJob = ReviewJob> = (o: { job: J; ok: boolean; waitedMs: number; ranMs: number }) => void;

/** Where jobs wait: SQLite in the cache dir (one machine), or BullMQ on Redis (any number of workers). */
export interface JobQueue<J extends QueuedJob = ReviewJob, R = void> {
  /** Store a job; false when a job with its key is already there (a redelivery). Durable when it resolves. */
  add(job: J): Promise<boolean>;
  /** Take jobs here, `concurrency` at a time, until close(); what the handler returns is the job's result. */
  work(handler: JobHandler<J, R>, concurrency: number, observe?: JobObserver<J>): void;
  /** The job with this key: waiting, running, or finished with its result or error. */
  status(key: string): Promise<JobStatus<R>>;
  /** A failed job back to waiting (its input was sent back for another try). */
  retry(key: string): Promise<void>;
  stats(): Promise<QueueStats>;
  /** Workers connected to the queue now, taking jobs or idle (null: this kind of queue cannot tell). */
  workerCount?(): Promise<number | null>;
  /** Resolves when no job is waiting or running (tests and the bench). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** How a job names itself in a log line: its key, and the delivery that made it when there is one. */
export const jobName = (job: QueuedJob): string => ('deliveryId' in job ? `${job.key} (delivery ${String(job.deliveryId)})` : job.key);
