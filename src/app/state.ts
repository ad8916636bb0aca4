// What the GitHub App has already done, in SQLite in the cache dir, so that a redelivered
// webhook, a restart or a second push never posts the same review twice.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { enterWal } from '../core/sqlite-wal.js';
import { countTables } from '../ops/health.js';

export interface ReviewedHead {
  repo: string;
  pr: number;
  headSha: string;
  checkRunId: number | null;
  reviewId: number | null;
  conclusion: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS heads (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  head_sha TEXT NOT NULL,
  check_run_id INTEGER,
  review_id INTEGER,
  conclusion TEXT,
  reviewed_at INTEGER NOT NULL,
  PRIMARY KEY (repo, pr, head_sha)
);
CREATE TABLE IF NOT EXISTS starts (
  key TEXT PRIMARY KEY,
  job TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mailed (
  repo TEXT NOT NULL,
  pr INTEGER NOT NULL,
  series_message_id TEXT NOT NULL,
  head_sha TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (repo, pr, series_message_id)
);
`;

export class AppState {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    enterWal(this.db);
    // A commit survives the process being killed; only an OS crash may lose the last ones. Syncing
    // every commit cost about 7 ms, on the path of every webhook's answer.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  /** The database answers a read (for /healthz): its table count. */
  tableCount(): number {
    return countTables(this.db);
  }

  /** Record a delivery id; false when it was seen before (a redelivery). */
  claimDelivery(id: string, event: string): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)')
      .run(id, event, Date.now());
    return r.changes === 1;
  }

  /**
   * Claim a head commit for review; false when another delivery already reviewed (or is
   * reviewing) it. `force` (a recheck) takes it over again.
   */
  claimHead(repo: string, pr: number, headSha: string, force = false): boolean {
    if (force) {
      this.db
        .prepare(
          `INSERT INTO heads (repo, pr, head_sha, reviewed_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (repo, pr, head_sha) DO UPDATE SET reviewed_at = excluded.reviewed_at`,
        )
        .run(repo, pr, headSha, Date.now());
      return true;
    }
    const r = this.db
      .prepare('INSERT OR IGNORE INTO heads (repo, pr, head_sha, reviewed_at) VALUES (?, ?, ?, ?)')
      .run(repo, pr, headSha, Date.now());
    return r.changes === 1;
  }

  /** Give a head back when its review failed before anything was posted, so a redelivery may retry. */
  releaseHead(repo: string, pr: number, headSha: string): void {
    this.db
      .prepare('DELETE FROM heads WHERE repo = ? AND pr = ? AND head_sha = ? AND check_run_id IS NULL')
      .run(repo, pr, headSha);
  }

  recordHead(h: ReviewedHead): void {
    this.db
      .prepare(
        `UPDATE heads SET check_run_id = coalesce(?, check_run_id), review_id = coalesce(?, review_id),
           conclusion = coalesce(?, conclusion) WHERE repo = ? AND pr = ? AND head_sha = ?`,
      )
      .run(h.checkRunId, h.reviewId, h.conclusion, h.repo, h.pr, h.headSha);
  }

  head(repo: string, pr: number, headSha: string): ReviewedHead | null {
    const row = this.db
      .prepare(
        `SELECT repo, pr, head_sha AS headSha, check_run_id AS checkRunId, review_id AS reviewId,
           conclusion FROM heads WHERE repo = ? AND pr = ? AND head_sha = ?`,
      )
      .get(repo, pr, headSha) as ReviewedHead | undefined;
    return row ?? null;
  }

  /** The pull request a head commit was reviewed for (check_run.rerequested names only the sha). */
  prsForHead(repo: string, headSha: string): number[] {
    return (
      this.db.prepare('SELECT pr FROM heads WHERE repo = ? AND head_sha = ?').all(repo, headSha) as { pr: number }[]
    ).map((r) => r.pr);
  }

  /** Run `fn` as one transaction (one disk sync for the intake's writes). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A job the intake accepted and has not yet handed to the queue (its check run may be on the way). */
  addStart(key: string, job: string): void {
    this.db.prepare('INSERT OR IGNORE INTO starts (key, job, added_at) VALUES (?, ?, ?)').run(key, job, Date.now());
  }

  doneStart(key: string): void {
    this.db.prepare('DELETE FROM starts WHERE key = ?').run(key);
  }

  /** Accepted jobs a previous process did not hand over before it stopped, oldest first. */
  pendingStarts(): string[] {
    return (this.db.prepare('SELECT job FROM starts ORDER BY added_at').all() as { job: string }[]).map((r) => r.job);
  }

  /** Claim the one mail reply of a PR's series; false when it went out before. */
  claimMail(repo: string, pr: number, seriesMessageId: string, headSha: string): boolean {
    const r = this.db
      .prepare(
        'INSERT OR IGNORE INTO mailed (repo, pr, series_message_id, head_sha, sent_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(repo, pr, seriesMessageId, headSha, Date.now());
    return r.changes === 1;
  }

  releaseMail(repo: string, pr: number, seriesMessageId: string): void {
    this.db.prepare('DELETE FROM mailed WHERE repo = ? AND pr = ? AND series_message_id = ?').run(repo, pr, seriesMessageId);
  }

  close(): void {
    this.db.close();
  }
}
