// Whole-history Fixes: review speed on REAL histories (nothing is generated here): for each
// history, `kreview review --repo R --checks fixes --format json -o F HEAD` end to end (JSON
// written), warm, by a baseline kreview (a commit of this repository, exported and compiled once)
// and by this tree, in the same run. Prints wall and CPU seconds (the CLI's and every git it waited
// for), the ratio baseline / this tree, whether the findings are the same, in the same order, and
// the load average (wall time on a shared machine says more about the neighbours than the code).
//
// Run by hand:
//   npx tsx bench/fixes-speed-bench.ts [--baseline c965477] [--cache DIR] [--no-warm] [--runs 1]
//     [--upstream R=PATH ...] /work/hist/iproute2.git /work/hist/dpdk.git ...
// `--upstream R=PATH` reviews history R with `fixes.upstream: PATH` (a mirror checked against the
// tree it mirrors). Both kreviews share the cache (the same index schema); without --no-warm each
// runs once untimed first. The baseline is built under $TMPDIR/kreview-speed-bench/ and kept.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (flag: string, dflt: string): string => (args.includes(flag) ? args[args.indexOf(flag) + 1] : dflt);
const multi = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const flagValues = new Set(['--baseline', '--cache', '--runs', '--upstream'].flatMap((f) => multi(f)));
const histories = args.filter((a) => !a.startsWith('--') && !flagValues.has(a));
const baseline = opt('--baseline', 'c965477');
const runs = Number(opt('--runs', '1'));
const warm = !args.includes('--no-warm');
const upstreams = new Map(multi('--upstream').map((s) => s.split('=') as [string, string]));
const say = (s: string) => console.log(s);
// Outside the repository: the baseline's sources must not be type-checked or tested as this tree's.
const work = join(tmpdir(), 'kreview-speed-bench');

/** The compiled CLI of a tree: tsc into its dist/ when the build is missing. */
function compiled(tree: string, fresh: boolean): string {
  const main = join(tree, 'dist', 'src', 'cli', 'main.js');
  if (fresh || !existsSync(main)) {
    say(`compiling ${tree} ...`);
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(tree, 'tsconfig.build.json')], { cwd: tree, stdio: 'inherit' });
    writeFileSync(join(tree, 'dist', '.built'), '');
  }
  return main;
}

/** The baseline commit exported (git archive) and compiled once, with this tree's node_modules. */
function baselineCli(commit: string): string {
  const full = execFileSync('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const tree = join(work, `baseline-${full.slice(0, 12)}`);
  if (!existsSync(join(tree, 'package.json'))) {
    mkdirSync(tree, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${full} | tar -x -C "${tree}"`], { cwd: ROOT });
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  }
  return compiled(tree, false);
}

interface Run {
  wall: number;
  cpu: number;
  json: string;
}

function review(cli: string, repo: string, out: string, cache: string, extra: string[]): Run {
  const argv = [cli, 'review', '--repo', repo, '--checks', 'fixes', '--format', 'json', '-o', out, ...extra, 'HEAD'];
  const env = { ...process.env, KREVIEW_CACHE: cache };
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...argv], { env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const [user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  if (!existsSync(out)) throw new Error(`${cli} wrote no report for ${repo}: ${r.stderr.trim().split('\n')[0]}`);
  return { wall, cpu: user + sys, json: readFileSync(out, 'utf8') };
}

interface Report {
  series: { patches: { id: string; findings: { id: string; severity: string; message: string; location: unknown; suggestion?: string }[] }[] }[];
  grouped?: { id: string; count: number }[];
}

/** Every finding of every commit, in order, as one line each (what a verdict is: id, place, severity, message, correction). */
function verdicts(json: string): string[] {
  const r = JSON.parse(json) as Report;
  const out: string[] = [];
  for (const s of r.series) for (const p of s.patches) for (const f of p.findings) out.push(`${p.id} ${f.id} ${JSON.stringify(f.location)} ${f.severity} ${f.message} ${f.suggestion ?? ''}`);
  for (const g of r.grouped ?? []) out.push(`grouped ${g.id} ${g.count}`);
  return out;
}

if (histories.length === 0) {
  say('fixes-speed-bench: give the paths of real git histories (e.g. /work/hist/dpdk.git); nothing is generated here.');
  process.exit(0);
}
const cache = opt('--cache', join(work, 'cache'));
mkdirSync(cache, { recursive: true });
const baseCli = baselineCli(baseline);
const newCli = compiled(ROOT, true);
const tmp = mkdtempSync(join(tmpdir(), 'kreview-speed-bench-'));
say(`fixes-speed-bench: REAL histories, whole history (HEAD), --checks fixes, JSON written, warm; baseline ${baseline} against this tree`);
say(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores here: wall time is shared with every other process)`);
try {
  for (const repo of histories) {
    const name = basename(repo).replace(/\.git$/, '');
    const extra: string[] = [];
    const up = upstreams.get(repo);
    if (up) {
      const config = join(tmp, `${name}.yml`);
      writeFileSync(config, `fixes:\n  upstream: ${up}\n`);
      extra.push('--config', config);
    }
    if (warm) for (const cli of [baseCli, newCli]) review(cli, repo, join(tmp, 'warm.json'), cache, extra);
    let best: { base: Run; now: Run } | null = null;
    const all: { base: number[]; now: number[] } = { base: [], now: [] };
    for (let i = 0; i < runs; i++) {
      const base = review(baseCli, repo, join(tmp, `${name}-base.json`), cache, extra);
      const now = review(newCli, repo, join(tmp, `${name}-new.json`), cache, extra);
      all.base.push(base.cpu);
      all.now.push(now.cpu);
      if (!best || now.cpu < best.now.cpu) best = { base, now };
    }
    const { base, now } = best!;
    const a = verdicts(base.json);
    const b = verdicts(now.json);
    const differ = a.length !== b.length ? Math.abs(a.length - b.length) + a.filter((v, i) => b[i] !== v).length : a.filter((v, i) => b[i] !== v).length;
    const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(2)}x` : '-');
    say(`\n=== ${name} (${repo})${up ? ` with fixes.upstream ${up}` : ''}`);
    say(`  baseline: ${base.cpu.toFixed(2)} s CPU, ${base.wall.toFixed(2)} s wall`);
    say(`  this tree: ${now.cpu.toFixed(2)} s CPU, ${now.wall.toFixed(2)} s wall`);
    say(`  baseline / this tree: ${ratio(base.cpu, now.cpu)} CPU, ${ratio(base.wall, now.wall)} wall`);
    if (runs > 1) {
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
      const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
      say(`  every run, alternating (s CPU): baseline ${list(all.base)}; this tree ${list(all.now)}; medians ${median(all.base).toFixed(2)} / ${median(all.now).toFixed(2)} = ${ratio(median(all.base), median(all.now))}`);
    }
    say(`  findings: ${a.length} baseline, ${b.length} this tree; ${differ === 0 ? 'the same, in the same order' : `${differ} differ`}; JSON byte for byte ${base.json === now.json ? 'identical' : 'different'}`);
    if (differ) for (const [i, v] of a.entries()) if (b[i] !== v) { say(`    first difference: baseline ${v}\n                      this tree ${b[i]}`); break; }
    say(`  load average now: ${loadavg()[0].toFixed(1)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
