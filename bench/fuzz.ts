// The fuzzing properties of test/fuzz/properties.ts run longer than in CI, with a random seed that
// is printed (replay a failure with --seed N). Data: generated. Figures: inputs per second for each
// stage, and its slowest input as a ratio to its median input (the baseline, same run): a stage
// whose cost grows faster than its input shows as a large ratio long before it hangs.
//   npx tsx bench/fuzz.ts [--seconds 60] [--seed N]
import fc from 'fast-check';
import { targets } from '../test/fuzz/properties.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seconds = Number(arg('--seconds') ?? 60);
const seed = Number(arg('--seed') ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0);
process.stdout.write(`fuzz: generated inputs, seed ${seed}, ${seconds} s per stage\n`);

let failed = 0;
for (const t of targets()) {
  const times: number[] = [];
  // Time each input the property sees: before/after hooks around the same property the CI suite runs.
  let started = 0;
  const timed = t.property.beforeEach((prev) => {
    started = performance.now();
    prev();
  }).afterEach((prev) => {
    times.push(performance.now() - started);
    prev();
  });
  const r = await fc.check(timed, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false });
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const worst = times[times.length - 1] ?? 0;
  const ratio = median > 0 ? (worst / median).toFixed(0) : '-';
  process.stdout.write(`${t.name.padEnd(28)} ${String(r.numRuns).padStart(7)} inputs  ${(r.numRuns / seconds).toFixed(0).padStart(5)}/s  median ${median.toFixed(2)} ms  slowest ${worst.toFixed(1)} ms (x${ratio} the median)\n`);
  if (r.failed) {
    failed++;
    process.stdout.write(`  FAILED: ${fc.defaultReportMessage(r)?.split('\n').slice(0, 6).join('\n  ')}\n  replay: npx tsx bench/fuzz.ts --seed ${seed}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
