// The write caps `kreview serve` and its worker process share through their SQLite queue file: two
// connections (as two processes have) for one installation keep the gap between all their calls
// and the caps of one installation, the check runs' reserve included; another installation is
// not held up by them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentQueue } from '../../src/app/content-queue.js';
import Database from 'better-sqlite3';
import { SqliteWriteBudget } from '../../src/queue/sqlite-budget.js';

const dir = mkdtempSync(join(tmpdir(), 'kreview-sqlite-budget-'));
const budgets: SqliteWriteBudget[] = [];
const open = () => {
  const b = new SqliteWriteBudget(join(dir, 'jobs.sqlite'));
  budgets.push(b);
  return b;
};

afterAll(() => {
  for (const b of budgets) b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteWriteBudget', () => {
  it("spaces serve's and its worker's calls for one installation as one queue, and leaves other installations alone", async () => {
    const gap = 200;
    const [serve, worker] = [open(), open()];
    const stamps: { who: string; at: number }[] = [];
    const call = (who: string) => async () => void stamps.push({ who, at: Date.now() });
    const starts = new ContentQueue({ spacingMs: gap, take: serve.forInstallation(7) });
    const reviews = new ContentQueue({ spacingMs: gap, take: worker.forInstallation(7) });
    const other = new ContentQueue({ spacingMs: gap, take: worker.forInstallation(8) });
    const t0 = Date.now();
    await Promise.all([
      ...[1, 2, 3].map(() => starts.run(call('serve'), 'start')),
      ...[1, 2, 3].map(() => reviews.run(call('worker'), 'review')),
      other.run(call('other')),
    ]);
    const seven = stamps.filter((s) => s.who !== 'other').map((s) => s.at).sort((x, y) => x - y);
    expect(seven).toHaveLength(6);
    // Slots are taken the gap apart; a call starts a moment after its slot (a loaded machine: a margin).
    for (let i = 1; i < seven.length; i++) expect(seven[i] - seven[i - 1]).toBeGreaterThanOrEqual(gap - 30);
    expect(stamps.find((s) => s.who === 'other')!.at - t0).toBeLessThan(gap * 2);
  });

  it("counts serve's check-run starts in the worker's minute, and keeps the reserve for completions", async () => {
    const [serve, worker] = [open(), open()];
    const longWaits: number[] = [];
    // A wait for the minute to move on is held for good: what goes, goes without it.
    const sleep = (ms: number) => (ms > 1000 ? new Promise<void>(() => void longWaits.push(ms)) : new Promise<void>((r) => setTimeout(r, ms)));
    const caps = { spacingMs: 1, perMinute: 6, perHour: 100, checkRunReserve: { perMinute: 2, perHour: 10 }, sleep };
    const intake = new ContentQueue({ ...caps, take: serve.forInstallation(9) });
    const work = new ContentQueue({ ...caps, take: worker.forInstallation(9) });
    const done: string[] = [];
    const call = (name: string) => async () => void done.push(name);
    await Promise.all([1, 2, 3].map((n) => intake.run(call(`start ${n}`), 'start')));
    // Reviews may fill 4 of the minute's 6: serve's three starts leave one.
    for (const n of [1, 2]) void work.run(call(`review ${n}`), 'review');
    await new Promise((r) => setTimeout(r, 200));
    expect(done.slice(3)).toEqual(['review 1']);
    await work.run(call('complete'), 'complete');
    await work.run(call('complete again'), 'complete');
    expect(done.slice(4)).toEqual(['complete', 'complete again']);
    expect(longWaits.some((ms) => ms > 59_000)).toBe(true);
  });

  it('waits for a file the other process holds on a timer, so the event loop (and every webhook) goes on meanwhile', async () => {
    const file = join(dir, 'busy.sqlite');
    const budget = new SqliteWriteBudget(file);
    budgets.push(budget);
    // The other process, in the middle of its own transaction.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const t0 = Date.now();
    let tickAt = 0;
    setTimeout(() => void (tickAt = Date.now() - t0), 50);
    setTimeout(() => other.exec('COMMIT'), 150);
    const wait = await budget.forInstallation(11)({ spacingMs: 10, perMinute: 60, perHour: 1000 });
    other.close();
    expect(wait).toBe(0);
    // A 50 ms timer ran near its time: the take did not hold the loop while the file was busy.
    expect(tickAt).toBeGreaterThan(0);
    expect(tickAt).toBeLessThan(140);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
