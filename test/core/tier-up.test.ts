// kreview optimizes only what stays hot: with raiseTierUpBudget() a workload of many warm
// functions (each run a few hundred times, as a review's rule matchers and parsers are) is left to
// the baseline tiers, where V8's default budget sends most of them to the optimizing compiler.
// Each case runs in a child process of its own, since the flag is the whole process's.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const WARM = `
if (process.argv[1] === 'raised') (await import(${JSON.stringify(new URL('../../src/core/tier-up.ts', import.meta.url).pathname)})).raiseTierUpBudget();
const fns = [];
for (let k = 0; k < 200; k++) fns.push(new Function('s', 'let h = ' + k + '; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; return h;'));
let sum = 0;
const text = 'static int foo(struct inode *inode) { spin_lock(&inode->i_lock); return 0; }';
for (let round = 0; round < 300; round++) for (const f of fns) sum += f(text);
console.log(sum);
`;

function optimizations(mode: 'raised' | 'default'): number {
  const r = spawnSync(process.execPath, ['--trace-opt', '--import', 'tsx', '--input-type=module', '-e', WARM, mode], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l.includes('completed optimizing')).length;
}

describe('the tier-up budget', { timeout: 180_000 }, () => {
  it('leaves warm functions unoptimized that the default budget optimizes', () => {
    const raised = optimizations('raised');
    const free = optimizations('default');
    expect(free).toBeGreaterThanOrEqual(100);
    expect(raised).toBeLessThan(free / 4);
  });
});
