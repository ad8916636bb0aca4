// The default job queue: a table in SQLite (better-sqlite3, WAL) in the cache dir, worked by the
// process that opened it. Nothing to set up. A job is claimed with a lease naming its process; a
// job whose process is gone (killed mid-review) is taken again when the queue is next opened or its
// lease runs out, so a review interrupted by a crash resumes after a restart.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { JobHandler, JobObserver, JobQueue, QueueStats, ReviewJob } from './job.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  data TEXT NOT NULL,
  state TEXT NOT NULL,
  owner TEXT,
  lease_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
`;

export interface SqliteQueueOptions {
  /** A held job's lease; renewed at a third of it while the job runs. */
  leaseMs: number;
  /** How often idle workers look for jobs added by another process. */
  pollMs: number;
  /** A job whose worker died this many times is set aside as failed (a job that kills its worker). */
  maxAttempts: number;
  /** Finished jobs are kept this long, so a late redelivery of the same head is still recognised. */
  keepDoneMs: number;
  log: (line: string) => void;
}

const defaults: SqliteQueueOptions = {
  leaseMs: 60_000,
  pollMs: 200,
  maxAttempts: 5,
  keepDoneMs: 14 * 86_400_000,
  log: (line) => process.stderr.write(`kreview queue: ${line}\n`),
};

const HOST = hostname();

/** Is the process named by an owner string (`host:pid`) still running? Unknown hosts count as alive. */
function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== HOST) return true;
  try {
    process.kill(Number(owner.slice(at + 1)), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SqliteJobQueue implements JobQueue {
  private readonly db: Database.Database;
  private readonly o: SqliteQueueOptions;
  private readonly owner = `${HOST}:${process.pid}`;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private readonly loops: Promise<void>[] = [];

  constructor(file: string, opts: Partial<SqliteQueueOptions> = {}) {
    this.o = { ...defaults, ...opts };
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Durable against a killed process (what the queue is for); an OS crash may lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.recover();
  }

  /** Jobs held by processes that are gone go back to the queue; old finished jobs are forgotten. */
  private recover(): void {
    const held = this.db.prepare("SELECT seq, owner FROM jobs WHERE state = 'running'").all() as { seq: number; owner: string | null }[];
    const back = this.db.prepare("UPDATE jobs SET state = 'ready', owner = NULL, lease_until = NULL WHERE seq = ? AND state = 'running'");
    let n = 0;
    // A job held under this process's own name is a previous process's that had the same pid.
    for (const h of held) if (h.owner === this.owner || !ownerAlive(h.owner)) n += back.run(h.seq).changes;
    if (n) this.o.log(`${n} job${n === 1 ? '' : 's'} interrupted by a process that is gone: queued again`);
    this.db.prepare("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?").run(Date.now() - this.o.keepDoneMs);
  }

  async add(job: ReviewJob): Promise<boolean> {
    const r = this.db
      .prepare("INSERT OR IGNORE INTO jobs (key, data, state, added_at) VALUES (?, ?, 'ready', ?)")
      .run(job.key, JSON.stringify(job), Date.now());
    if (r.changes === 1) for (const wake of this.wakers) wake();
    return r.changes === 1;
  }

  private claim(): { seq: number; job: ReviewJob; attempts: number } | null {
    const now = Date.now();
    const row = this.db
      .prepare(
        `UPDATE jobs SET state = 'running', owner = ?, lease_until = ?, attempts = attempts + 1
         WHERE seq = (SELECT seq FROM jobs WHERE state = 'ready' OR (state = 'running' AND lease_until < ?) ORDER BY seq LIMIT 1)
         RETURNING seq, data, attempts`,
      )
      .get(this.owner, now + this.o.leaseMs, now) as { seq: number; data: string; attempts: number } | undefined;
    return row ? { seq: row.seq, job: JSON.parse(row.data) as ReviewJob, attempts: row.attempts } : null;
  }

  private finish(seq: number, state: 'done' | 'failed'): void {
    this.db.prepare('UPDATE jobs SET state = ?, owner = NULL, lease_until = NULL, finished_at = ? WHERE seq = ? AND owner = ?').run(state, Date.now(), seq, this.owner);
  }

  work(handler: JobHandler, concurrency: number, observe?: JobObserver): void {
    for (let i = 0; i < Math.max(1, concurrency); i++) this.loops.push(this.loop(handler, observe));
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.o.pollMs);
      this.wakers.add(wake);
    });
  }

  private async loop(handler: JobHandler, observe?: JobObserver): Promise<void> {
    while (!this.closed) {
      const got = this.claim();
      if (!got) {
        await this.idle();
        continue;
      }
      const { seq, job, attempts } = got;
      if (attempts > this.o.maxAttempts) {
        this.o.log(`${job.key} (delivery ${job.deliveryId}): its worker died ${attempts - 1} times; set aside as failed`);
        this.finish(seq, 'failed');
        continue;
      }
      const renew = setInterval(
        () => this.closed || this.db.prepare('UPDATE jobs SET lease_until = ? WHERE seq = ? AND owner = ?').run(Date.now() + this.o.leaseMs, seq, this.owner),
        Math.max(1000, this.o.leaseMs / 3),
      );
      const t0 = Date.now();
      let ok = true;
      try {
        await handler(job);
      } catch (e) {
        ok = false;
        this.o.log(`${job.key} (delivery ${job.deliveryId}) failed: ${errorMessage(e)}`);
      } finally {
        clearInterval(renew);
      }
      if (this.closed) return;
      this.finish(seq, ok ? 'done' : 'failed');
      observe?.({ job, ok, waitedMs: t0 - job.receivedAt, ranMs: Date.now() - t0 });
    }
  }

  async stats(): Promise<QueueStats> {
    const rows = this.db.prepare("SELECT state, count(*) AS n FROM jobs WHERE state IN ('ready', 'running') GROUP BY state").all() as { state: string; n: number }[];
    const n = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    return { waiting: n('ready'), running: n('running') };
  }

  async drained(): Promise<void> {
    for (;;) {
      const s = await this.stats();
      if (s.waiting + s.running === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops taking jobs; a job still running is left held and is taken again by the next process. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.wakers) wake();
    this.db.close();
  }
}
