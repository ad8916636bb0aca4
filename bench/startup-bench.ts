// Start-up of the `kreview` command: the JavaScript compiled at install (dist/) against the same
// command run from the TypeScript sources through tsx (the previous release's only way), and against a
// bare `node` start, all measured in this run. No data: this is the cost of starting the program.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/kreview.js', import.meta.url));
const runs = Number(process.argv[2] ?? 10);

function median(cmd: string[], env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, cmd, { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 200)}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const bare = median(['-e', '0']);
const built = median([BIN, '--version']);
const sources = median([BIN, '--version'], { KREVIEW_FROM_SOURCES: '1' });
const helpBuilt = median([BIN, 'review', '--help']);
const helpSources = median([BIN, 'review', '--help'], { KREVIEW_FROM_SOURCES: '1' });
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(`start-up, median of ${runs} runs (load average ${load}; no data involved)`);
console.log(`  node -e 0                 ${bare.toFixed(0)} ms`);
console.log(`  kreview --version         ${built.toFixed(0)} ms compiled, ${sources.toFixed(0)} ms through tsx: ${(sources / built).toFixed(1)}x faster (target under 200 ms)`);
console.log(`  kreview review --help     ${helpBuilt.toFixed(0)} ms compiled, ${helpSources.toFixed(0)} ms through tsx: ${(helpSources / helpBuilt).toFixed(1)}x faster`);
