// The CPU time of the facts (collectFacts: parse + walk, cold: nothing cached) of a directory of the
// real tree, this tree's against another revision's, each run in a fresh process from its compiled
// dist/ and alternated (ABAB...), so that both meet the same load: the figure is the ratio of the
// two sides' median CPU seconds. Unlike bench/facts-equality.ts (both sides in one process), each
// side here has a heap of its own, as a review has: what one side keeps alive does not slow the other's
// collections.
//
//   npx tsx bench/facts-speed.ts [--tree DIR] [--dirs a,b] [--runs N] [--baseline REF | --baseline-root DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtRevision } from './baseline-run.js';
import { parseDirs } from './kernel-lock-dirs.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const tree = opt('--tree') ?? '/work/linux/linux-source-6.1';
const dirs = parseDirs(opt('--dirs') ?? 'fs/btrfs,mm');
const runs = Number(opt('--runs') ?? 3);
const here = new URL('..', import.meta.url).pathname;

// The child: every .c and .h file of the directories, read first, then their facts timed.
const CHILD = `
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [root, tree, dirList] = process.argv.slice(1);
const { loadRules } = await import(pathToFileURL(join(root, 'dist/checks/lock/rules-load.js')).href);
const { collectFacts } = await import(pathToFileURL(join(root, 'dist/src/c/facts.js')).href);
const model = loadRules().model;
const files = [];
for (const d of dirList.split(',')) {
  if (statSync(join(tree, d)).isFile()) files.push(d);
  else for (const p of readdirSync(join(tree, d), { recursive: true }).filter((p) => /\\.[ch]$/.test(p)).sort()) files.push(join(d, p));
}
const texts = files.map((p) => readFileSync(join(tree, p), 'latin1'));
const u0 = process.cpuUsage();
let functions = 0;
for (let i = 0; i < files.length; i++) functions += collectFacts(files[i], texts[i], model).functions.length;
const u = process.cpuUsage(u0);
console.log(JSON.stringify({ files: files.length, functions, cpu: (u.user + u.system) / 1e6 }));
`;

interface Run {
  files: number;
  functions: number;
  cpu: number;
}

const runSide = (root: string): Run => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', CHILD, root, tree, dirs.join(',')], { encoding: 'utf8', maxBuffer: 16 << 20 }).trim().split('\n').at(-1)!) as Run;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let scratch: string | null = null;
let baseRoot = opt('--baseline-root');
const ref = opt('--baseline') ?? 'bd61dc8';
if (!baseRoot) {
  scratch = mkdtempSync(join(tmpdir(), 'kreview-facts-speed-'));
  baseRoot = await builtRevision(here, ref, scratch);
}
try {
  const mine: Run[] = [];
  const theirs: Run[] = [];
  const load0 = loadavg()[0];
  for (let i = 0; i < runs; i++) {
    // Alternating which side goes first.
    if (i % 2 === 0) {
      mine.push(runSide(here));
      theirs.push(runSide(baseRoot));
    } else {
      theirs.push(runSide(baseRoot));
      mine.push(runSide(here));
    }
  }
  const a = median(mine.map((r) => r.cpu));
  const b = median(theirs.map((r) => r.cpu));
  const fns = mine[0].functions;
  console.log(`facts, cold, of ${mine[0].files} files of ${tree} (real data: ${dirs.join(' ')}), ${fns} functions; ${runs} runs each, alternating, fresh processes; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
  console.log(`  this tree: ${mine.map((r) => r.cpu.toFixed(2)).join(' ')} s cpu, median ${a.toFixed(2)} = ${(fns / a).toFixed(0)} functions per cpu second`);
  console.log(`  ${opt('--baseline-root') ?? ref}: ${theirs.map((r) => r.cpu.toFixed(2)).join(' ')} s cpu, median ${b.toFixed(2)} = ${(theirs[0].functions / b).toFixed(0)} functions per cpu second`);
  console.log(`  ratio: ${(b / a).toFixed(2)}x the speed per cpu second`);
  if (theirs[0].functions !== fns) console.log(`  (the two found ${fns} and ${theirs[0].functions} functions)`);
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
