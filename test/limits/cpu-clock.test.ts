// A patch's CPU budget reads the process's CPU clock seldom: process.cpuUsage() is a system call
// that, on a loaded machine, costs the daemon about a millisecond of CPU and gives up its turn each
// time; a budget of 30 s loses nothing by a reading up to 200 ms old.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, PatchBudget } from '../../src/core/limits.js';

afterEach(() => vi.restoreAllMocks());

describe('the CPU clock of a patch budget', () => {
  it('is read at most a few times in 100 ms of a default budget asked continually', () => {
    const budget = new PatchBudget(DEFAULT_LIMITS);
    const spy = vi.spyOn(process, 'cpuUsage');
    const t = performance.now();
    while (performance.now() - t < 100) budget.expired();
    expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('is read often enough for a short budget to stop on time', () => {
    const budget = new PatchBudget({ ...DEFAULT_LIMITS, reviewMsPerPatch: 40 });
    const spy = vi.spyOn(process, 'cpuUsage');
    const t = performance.now();
    while (!budget.expired() && performance.now() - t < 5_000) Math.sqrt(Math.random());
    expect(budget.expired()).toBe(true);
    expect(spy.mock.calls.length).toBeGreaterThan(2);
  });
});
