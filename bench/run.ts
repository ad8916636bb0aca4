// `npm run bench`: every benchmark in turn, each printing its figures as ratios against a baseline
// measured in the same run. Never part of `npm test`. `--quick` runs them at a tenth of the size.
import { spawnSync } from 'node:child_process';

const quick = process.argv.includes('--quick');
const benches: [string, string[]][] = [
  ['startup-bench.ts', quick ? ['3'] : []],
  ['history-bench.ts', quick ? ['--commits', '20000', '--ids', '1000'] : []],
  ['fixes-bench.ts', quick ? ['--commits', '20000', '--tags', '1000', '--whole-commits', '5000', '--whole-tags', '1700'] : []],
  ['lock-bench.ts', quick ? ['20000'] : []],
  ['watch-bench.ts', quick ? ['--messages', '10000'] : []],
  ['app-bench.ts', quick ? ['--commits', '20000'] : []],
  ['fuzz.ts', quick ? ['--seconds', '6'] : []],
];

let failed = 0;
for (const [file, args] of benches) {
  process.stdout.write(`\n=== bench/${file} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(file, import.meta.url).pathname, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
