// What `/healthz` checks: each check names one thing the process cannot work without (its state
// database readable, the mail daemon's loop still making progress, a queue's backend reachable) and
// says in one line what it found. The process is healthy when every check passes.
import { errorMessage } from '../core/errors.js';
import type { Db } from '../state/open-state.js';

/** Tables in a SQLite database: a read that needs its schema pages, and nothing else. */
export const countTables = (db: Db): number => db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export type HealthCheck = () => CheckResult | Promise<CheckResult>;

export interface HealthReport {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

/** A check that throws fails with its message; none can take the endpoint down. */
export async function runHealth(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const out: Record<string, CheckResult> = {};
  for (const [name, check] of Object.entries(checks)) {
    try {
      out[name] = await check();
    } catch (e) {
      out[name] = { ok: false, detail: errorMessage(e).split('\n')[0] };
    }
  }
  return { ok: Object.values(out).every((c) => c.ok), checks: out };
}

/**
 * The state database answers a read of its schema, and `fileCheck` (StateFile.check: the file is
 * still the one opened, not deleted or replaced) passes. A read, not a write: a busy writer must not
 * make the process look dead.
 */
export function stateReadable(tableCount: () => number, fileCheck?: () => void): HealthCheck {
  return () => {
    fileCheck?.();
    const tables = tableCount();
    // No path when it is well: the endpoint may be as public as the webhook it sits beside.
    return { ok: tables > 0, detail: tables > 0 ? `readable, ${tables} tables` : 'no tables' };
  };
}

/**
 * The loop made progress (finished a pass, a source's poll or a review) within `staleMs`. A review
 * in progress counts while it is within its own time limit: the daemon bounds each review, so a
 * process silent for longer than both is stuck.
 */
export function progressFresh(lastProgressMs: () => number | null, staleMs: () => number, now: () => number = Date.now): HealthCheck {
  return () => {
    const last = lastProgressMs();
    if (last === null) return { ok: false, detail: 'no progress yet' };
    const age = Math.max(0, now() - last);
    const limit = staleMs();
    return { ok: age <= limit, detail: `last progress ${(age / 1000).toFixed(1)} s ago (stale after ${limit / 1000} s)` };
  };
}

/**
 * The queue answers a count within `withinMs`. A Redis that is down keeps BullMQ's request waiting
 * for as long as ioredis retries (forever), and a process feeding or working that queue waits with
 * it: without this check its /healthz would say only that the loop has been quiet.
 */
export function queueAnswers(stats: () => Promise<{ waiting: number; running: number }>, withinMs = 2000): HealthCheck {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the queue did not answer within ${withinMs / 1000} s`)), withinMs)));
    try {
      const s = await Promise.race([stats(), late]);
      return { ok: true, detail: `${s.waiting} waiting, ${s.running} running` };
    } finally {
      clearTimeout(timer);
    }
  };
}
