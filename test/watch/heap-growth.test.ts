// The daemon's heap is bounded by what it holds, not by V8's appetite: with boundHeapGrowth() a
// process that keeps a live set and churns through short-lived objects (as a review does between
// its caches) collects before its heap reaches a few times the live set. Each case runs in a child
// process of its own, since the flag is the whole process's.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CHURN = `
import { getHeapStatistics } from 'node:v8';
const bound = process.argv[1] === 'bound';
if (bound) (await import(${JSON.stringify(new URL('../../src/watch/heap-growth.ts', import.meta.url).pathname)})).boundHeapGrowth();
const live = [];
for (let i = 0; i < 400_000; i++) live.push({ a: i, b: 'x' + i, c: [i, i + 1] });
let max = 0;
const ring = new Array(64).fill(null);
for (let round = 0; round < 1200; round++) {
  const chunk = [];
  for (let i = 0; i < 2000; i++) chunk.push({ a: i, b: [round, i], s: 'y' + i });
  ring[round % 64] = chunk;
  if (round % 20 === 0) max = Math.max(max, getHeapStatistics().used_heap_size);
}
ring.fill(null);
globalThis.gc();
console.log(JSON.stringify({ live: getHeapStatistics().used_heap_size, max, kept: live.length }));
`;

function churn(mode: 'bound' | 'default'): { live: number; max: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHURN, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

// Objects that survive their first scavenge (as a review's do: they feed the caches) make V8 grow the
// young generation to 16 MiB per semi-space; bounded, it stays at the size it started with.
const SURVIVORS = `
import { getHeapSpaceStatistics } from 'node:v8';
if (process.argv[1] === 'bound') (await import(${JSON.stringify(new URL('../../src/watch/heap-growth.ts', import.meta.url).pathname)})).boundHeapGrowth();
const kept = [];
let young = 0;
for (let i = 0; i < 3_000_000; i++) {
  const o = { a: i, b: 'x' + i, c: [i, i] };
  if (i % 3 === 0) kept.push(o);
  if (kept.length > 200_000) kept.length = 0;
  if (i % 10_000 === 0) young = Math.max(young, getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
console.log(JSON.stringify({ young }));
`;

function youngSpace(mode: 'bound' | 'default'): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SURVIVORS, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { young: number }).young;
}

describe('the daemon heap growth', { timeout: 180_000 }, () => {
  it('keeps the young generation at its start size, where V8 alone grows it eightfold and more', () => {
    const bounded = youngSpace('bound');
    const free = youngSpace('default');
    expect(bounded).toBeLessThanOrEqual(4 << 20);
    expect(free).toBeGreaterThanOrEqual(8 * bounded);
  });

  it('stays within about twice the live heap once bounded, where V8 alone lets it grow further', () => {
    const bounded = churn('bound');
    const free = churn('default');
    expect(bounded.max).toBeLessThan(2.5 * bounded.live);
    expect(bounded.max).toBeLessThan(0.75 * free.max);
  });
});
