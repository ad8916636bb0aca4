// A review job: a verified, validated webhook on its way from the intake to a worker. Jobs are
// delivered at least once (a worker that dies mid-job leaves its job to another), so what a job
// does must be idempotent: see src/app/run-job.ts.

export interface ReviewJob {
  /**
   * The job's identity, also its deduplication key: `pr/<owner>/<repo>#<n>@<head sha>` for a push
   * to review (a second delivery for the same head is the same job), `delivery/<id>` for a recheck (BullMQ ids may not hold a colon).
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
  /** When the webhook arrived (ms since the epoch): job latency counts from here. */
  receivedAt: number;
}

export type JobHandler = (job: ReviewJob) => Promise<void>;

/** Figures a metrics endpoint reads (polled; nothing here depends on a metrics library). */
export interface QueueStats {
  /** Jobs waiting for a worker. */
  waiting: number;
  /** Jobs a worker holds. */
  running: number;
}

/** Told about each job a worker finished here (for a latency histogram). */
export type JobObserver = (o: { job: ReviewJob; ok: boolean; waitedMs: number; ranMs: number }) => void;

/** Where jobs wait: SQLite in the cache dir (one machine), or BullMQ on Redis (any number of workers). */
export interface JobQueue {
  /** Store a job; false when a job with its key is already there (a redelivery). Durable when it resolves. */
  add(job: ReviewJob): Promise<boolean>;
  /** Take jobs here, `concurrency` at a time, until close(). */
  work(handler: JobHandler, concurrency: number, observe?: JobObserver): void;
  stats(): Promise<QueueStats>;
  /** Resolves when no job is waiting or running (tests and the bench). */
  drained(): Promise<void>;
  close(): Promise<void>;
}
