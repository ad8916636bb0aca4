// The default job queue: a table in SQLite (better-sqlite3, WAL) in the cache dir, worked by the
// process that opened it. Nothing to set up. A job is claimed with a lease naming its process; a
// job whose process is gone (killed mid-review) is taken again when the queue is next opened or its
// lease runs out, so a review interrupted by a crash resumes after a restart.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { enterWal } from '../core/sqlite-wal.js';
import { jobName, type JobHandler, type JobObserver, type JobQueue, type JobStatus, type QueueStats, type QueuedJob, type ReviewJob } from './job.js';

/** One table per kind of job (`jobs`: pull requests; `series_jobs`: mailed series), in one file. */
const schema = (t: string) => `
CREATE TABLE IF NOT EXISTS ${t} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  data TEXT NOT NULL,
  state TEXT NOT NULL,
  owner TEXT,
  lease_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  finished_at INTEGER,
  started_at INTEGER,
  result TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS ${t}_state ON ${t} (state, seq);
`;

/** Columns added after the first release of the table: a queue file from then gets them on open. */
const LATER_COLUMNS = ['started_at INTEGER', 'result TEXT', 'error TEXT'];

export interface SqliteQueueOptions {
  /** A held job's lease; renewed at a third of it while the job runs. */
  leaseMs: number;
  /** How often idle workers look for jobs added by another process. */
  pollMs: number;
  /** A job whose worker died this many times is set aside as failed (a job that kills its worker). */
  maxAttempts: number;
  /** Finished jobs are kept this long, so a late redelivery of the same head is still recognised. */
  keepDoneMs: number;
  /** The table of this kind of job. */
  table: 'jobs' | 'series_jobs';
  log: (line: string) => void;
}

const defaults: SqliteQueueOptions = {
  leaseMs: 60_000,
  pollMs: 200,
  maxAttempts: 5,
  keepDoneMs: 14 * 86_400_000,
  table: 'jobs',
  log: (line) => process.stderr.write(`kreview queue: ${line}\n`),
};

const HOST = hostname();

/**
 * A process that has exited but was not yet reaped (a zombie: its parent was killed with it, and
 * init has not collected it) still answers signal 0. Linux says so in /proc/PID/stat, after the
 * command name in parentheses; elsewhere nothing is known and the process counts as running.
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Is the process named by an owner string (`host:pid`) still running? Unknown hosts count as alive. */
export function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== HOST) return true;
  const pid = Number(owner.slice(at + 1));
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

export class SqliteJobQueue<J extends QueuedJob = ReviewJob, R = void> implements JobQueue<J, R> {
  private readonly db: Database.Database;
  private readonly o: SqliteQueueOptions;
  private readonly owner = `${HOST}:${process.pid}`;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private readonly loops: Promise<void>[] = [];
  private get t(): string {
    return this.o.table;
  }

  constructor(file: string, opts: Partial<SqliteQueueOptions> = {}) {
    this.o = { ...defaults, ...opts };
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    enterWal(this.db);
    // Durable against a killed process (what the queue is for); an OS crash may lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(schema(this.t));
    const have = new Set((this.db.prepare(`PRAGMA table_info(${this.t})`).all() as { name: string }[]).map((c) => c.name));
    for (const c of LATER_COLUMNS) if (!have.has(c.split(' ')[0])) this.db.exec(`ALTER TABLE ${this.t} ADD COLUMN ${c}`);
    this.recover();
  }

  /** Jobs held by processes that are gone go back to the queue; old finished jobs are forgotten. */
  private recover(): void {
    const held = this.db.prepare(`SELECT seq, owner FROM ${this.t} WHERE state = 'running'`).all() as { seq: number; owner: string | null }[];
    const back = this.db.prepare(`UPDATE ${this.t} SET state = 'ready', owner = NULL, lease_until = NULL WHERE seq = ? AND state = 'running'`);
    let n = 0;
    // A job held under this process's own name is a previous process's that had the same pid.
    for (const h of held) if (h.owner === this.owner || !ownerAlive(h.owner)) n += back.run(h.seq).changes;
    if (n) this.o.log(`${n} job${n === 1 ? '' : 's'} interrupted by a process that is gone: queued again`);
    this.db.prepare(`DELETE FROM ${this.t} WHERE state IN ('done', 'failed') AND finished_at < ?`).run(Date.now() - this.o.keepDoneMs);
  }

  async add(job: J): Promise<boolean> {
    const r = this.db
      .prepare(`INSERT OR IGNORE INTO ${this.t} (key, data, state, added_at) VALUES (?, ?, 'ready', ?)`)
      .run(job.key, JSON.stringify(job), Date.now());
    if (r.changes === 1) for (const wake of this.wakers) wake();
    return r.changes === 1;
  }

  private claim(): { seq: number; job: J; attempts: number } | null {
    const now = Date.now();
    const row = this.db
      .prepare(
        `UPDATE ${this.t} SET state = 'running', owner = ?, lease_until = ?, started_at = ?, attempts = attempts + 1
         WHERE seq = (SELECT seq FROM ${this.t} WHERE state = 'ready' OR (state = 'running' AND lease_until < ?) ORDER BY seq LIMIT 1)
         RETURNING seq, data, attempts`,
      )
        .get(this.owner, now + this.o.leaseMs, now, now) as { seq: number; data: string; attempts: number } | undefined;
    return row ? { seq: row.seq, job: JSON.parse(row.data) as J, attempts: row.attempts } : null;
  }

  private finish(seq: number, state: 'done' | 'failed', result: R | undefined, error: string | null): void {
    this.db
      .prepare(`UPDATE ${this.t} SET state = ?, owner = NULL, lease_until = NULL, finished_at = ?, result = ?, error = ? WHERE seq = ? AND owner = ?`)
      .run(state, Date.now(), result === undefined ? null : JSON.stringify(result), error, seq, this.owner);
  }

  async status(key: string): Promise<JobStatus<R>> {
    const row = this.db.prepare(`SELECT state, started_at, result, error FROM ${this.t} WHERE key = ?`).get(key) as
      | { state: string; started_at: number | null; result: string | null; error: string | null }
      | undefined;
    if (!row) return { state: 'missing' };
    if (row.state === 'ready') return { state: 'waiting' };
    if (row.state === 'running') return { state: 'running', since: row.started_at ?? Date.now() };
    if (row.state === 'done') return { state: 'done', result: (row.result === null ? undefined : JSON.parse(row.result)) as R };
    return { state: 'failed', error: row.error ?? 'failed' };
  }

  async retry(key: string): Promise<void> {
    const r = this.db.prepare(`UPDATE ${this.t} SET state = 'ready', attempts = 0, error = NULL, finished_at = NULL WHERE key = ? AND state = 'failed'`).run(key);
    if (r.changes) for (const wake of this.wakers) wake();
  }

  work(handler: JobHandler<J, R>, concurrency: number, observe?: JobObserver<J>): void {
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

  private async loop(handler: JobHandler<J, R>, observe?: JobObserver<J>): Promise<void> {
    while (!this.closed) {
      const got = this.claim();
      if (!got) {
        await this.idle();
        continue;
      }
      const { seq, job, attempts } = got;
      if (attempts > this.o.maxAttempts) {
        const why = `its worker died ${attempts - 1} times; set aside as failed`;
        this.o.log(`${jobName(job)}: ${why}`);
        this.finish(seq, 'failed', undefined, why);
        continue;
      }
      const renew = setInterval(
        () => this.closed || this.db.prepare(`UPDATE ${this.t} SET lease_until = ? WHERE seq = ? AND owner = ?`).run(Date.now() + this.o.leaseMs, seq, this.owner),
        Math.max(1000, this.o.leaseMs / 3),
      );
      const t0 = Date.now();
      let result: R | undefined;
      let error: string | null = null;
      try {
        result = await handler(job);
      } catch (e) {
        error = errorMessage(e).split('\n')[0];
        this.o.log(`${jobName(job)} failed: ${error}`);
      } finally {
        clearInterval(renew);
      }
      if (this.closed) return;
      const ok = error === null;
      this.finish(seq, ok ? 'done' : 'failed', result, error);
      observe?.({ job, ok, waitedMs: t0 - job.receivedAt, ranMs: Date.now() - t0 });
    }
  }

  async stats(): Promise<QueueStats> {
    const rows = this.db.prepare(`SELECT state, count(*) AS n FROM ${this.t} WHERE state IN ('ready', 'running') GROUP BY state`).all() as { state: string; n: number }[];
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
