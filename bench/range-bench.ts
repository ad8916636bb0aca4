// Range reviews on real histories: `kreview review --repo R HEAD~N..HEAD --format json` with all
// checks, at two range lengths, against the same ranges with `--checks fixes` (the baseline, measured
// in this run). Prints commits per second (wall and CPU), peak RSS, when the first commit's review
// was written (the output streams), and the ratios. Real data: a git history given with --repo
// (e.g. /work/hist/btrfs-progs.git, a bare clone of btrfs-progs); nothing generated.
//
//   npx tsx bench/range-bench.ts [--repo DIR] [--ranges 300,1200] [--warm] [--baseline REF] [--built] [--runs N] [--threads N]
//
// --built runs this tree's compiled dist/ (`npm run build` first), as the baseline runs its own:
// without it this tree runs from its sources through tsx, which costs it a second or two of CPU.
//
// --warm reviews the longest range once, untimed, first: the History index and the lock check's
// facts cache (KREVIEW_CACHE, default ~/.cache/kreview) are then on disk, as for a daemon.
// --baseline REF also reviews each range, all checks, with kreview at REF (exported with git archive
// and compiled once under $TMPDIR/kreview-range-bench/, this checkout's node_modules), in the same
// run, and prints this tree's commits per CPU second and peak RSS as ratios against it.
// --runs N (with --baseline) reviews each range N times with this tree and N times with the
// baseline, alternating, and compares the medians: on a machine other sessions load, one run of
// each, seconds apart, differed by more than the change measured. The JSON of each pair must be
// identical (it is compared; a difference stops the bench).
// --threads N runs this tree's all-checks reviews with `--review-threads N` (the baseline and the
// --checks fixes runs as they are): the commits per wall second of two threads against one, and
// what the second thread costs in CPU and peak RSS.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/kreview.js', import.meta.url));
const TIME = '/usr/bin/time';

/** The compiled CLI of `ref`: exported and built once, kept for the next run. */
function baselineCli(ref: string): string {
  const full = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const tree = join(tmpdir(), 'kreview-range-bench', `baseline-${full.slice(0, 12)}`);
  const main = join(tree, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) {
    mkdirSync(tree, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${full} | tar -x -C "${tree}"`], { cwd: ROOT });
    if (!existsSync(join(tree, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    console.log(`compiling ${ref} into ${tree} ...`);
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(tree, 'tsconfig.build.json')], { cwd: tree, stdio: 'inherit' });
    writeFileSync(join(tree, 'dist', '.built'), '');
  }
  return main;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const repo = arg('--repo', '/work/hist/btrfs-progs.git');
const built = process.argv.includes('--built');
if (built && !existsSync(join(ROOT, 'dist', '.built'))) throw new Error('--built: no dist/ in this tree (npm run build)');
const baselineRef = process.argv.includes('--baseline') ? arg('--baseline', 'main') : null;
const baseBin = baselineRef ? baselineCli(baselineRef) : null;
const ranges = arg('--ranges', '300,1200').split(',').map(Number);
const threads = Number(arg('--threads', '1'));
if (!existsSync(repo)) throw new Error(`--repo ${repo}: no such directory (a real history is needed)`);
if (!existsSync(TIME)) throw new Error(`${TIME} is needed for the CPU and peak RSS of the child (Debian package time)`);

interface Run {
  wallS: number;
  cpuS: number;
  peakMb: number;
  /** Seconds from start to the first commit's review on stdout. */
  firstS: number | null;
  patches: number;
  findings: number;
  /** The report as written. */
  json: string;
}

/** One review as a child process; its stdout read as it comes. */
function review(range: string, checks: string | null, bin = BIN): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-range-bench-'));
  const timeFile = join(dir, 'time');
  const mine = bin === BIN && checks === null && threads > 1 ? ['--review-threads', String(threads)] : [];
  const args = [TIME, '-o', timeFile, '-f', '%U %S %M', process.execPath, bin, 'review', '--repo', repo, range, '--format', 'json', '--fail-on', 'never', ...(checks ? ['--checks', checks] : []), ...mine];
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let firstAt: number | null = null;
    let out = '';
    const env = built && bin === BIN ? process.env : { ...process.env, KREVIEW_FROM_SOURCES: '1' };
    const child = spawn(args[0], args.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      if (firstAt === null && out.includes('"patches": [\n        {')) firstAt = Date.now();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (Date.now() - t0) / 1000;
      try {
        if (code !== 0) throw new Error(`review ${range} exited ${code}`);
        const [user, sys, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        const report = JSON.parse(out) as { summary: { patches: number; error: number; warning: number; note: number } };
        const s = report.summary;
        resolve({ wallS: wall, cpuS: user + sys, peakMb: kb / 1024, firstS: firstAt === null ? null : (firstAt - t0) / 1000, patches: s.patches, findings: s.error + s.warning + s.note, json: out });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const longest = `HEAD~${Math.max(...ranges)}..HEAD`;
if (process.argv.includes('--warm')) {
  console.log(`warming: ${longest} once, untimed`);
  await review(longest, null);
}

const load0 = loadavg()[0];
const runs = Math.max(1, Number(arg('--runs', '1')));
/** The run of median CPU (of an even number, the lower of the middle two). */
const median = (rs: Run[]): Run => [...rs].sort((a, b) => a.cpuS - b.cpuS)[Math.floor((rs.length - 1) / 2)];
const rows: { range: string; all: Run; fixes: Run; baseline: Run | null; pairs: [Run, Run][] }[] = [];
for (const n of ranges) {
  const range = `HEAD~${n}..HEAD`;
  const pairs: [Run, Run][] = [];
  for (let i = 0; i < (baseBin ? runs : 1); i++) {
    const mine = await review(range, null);
    const theirs = baseBin ? await review(range, null, baseBin) : null;
    if (theirs && mine.json !== theirs.json) throw new Error(`${range}: this tree's JSON differs from ${baselineRef}'s`);
    if (theirs) pairs.push([mine, theirs]);
    else pairs.push([mine, mine]);
  }
  const all = median(pairs.map((p) => p[0]));
  rows.push({ range, all, fixes: await review(range, 'fixes'), baseline: baseBin ? median(pairs.map((p) => p[1])) : null, pairs: baseBin ? pairs : [] });
}

const fmt = (x: number, d = 1): string => x.toFixed(d);
console.log(`range reviews, real data: ${repo} (load average ${fmt(load0)} -> ${fmt(loadavg()[0])} on this machine; CPU is user+sys of the child${threads > 1 ? `; this tree with --review-threads ${threads}` : ''})`);
for (const { range, all, fixes } of rows) {
  console.log(`  ${range}: ${all.patches} commits, ${all.findings} findings with all checks`);
  for (const [label, r] of [['all checks', all], ['--checks fixes (baseline)', fixes]] as const) {
    console.log(`    ${label.padEnd(26)} ${fmt(r.patches / r.wallS).padStart(6)} commits/s wall (${fmt(r.wallS)} s), ${fmt(r.patches / r.cpuS).padStart(6)} commits/CPU-s (${fmt(r.cpuS)} s), peak RSS ${fmt(r.peakMb, 0)} MB, first commit written after ${r.firstS === null ? '-' : fmt(r.firstS)} s`);
  }
  console.log(`    all checks cost ${fmt(all.cpuS / fixes.cpuS)}x the CPU of the baseline`);
}
for (const { range, all, baseline, pairs } of rows) {
  if (!baseline) continue;
  const rate = (r: Run): number => r.patches / r.cpuS;
  if (pairs.length > 1) {
    const each = pairs.map(([m, b]) => `${fmt(rate(m))}/${fmt(rate(b))} (${fmt(m.patches / m.wallS)}/${fmt(b.patches / b.wallS)} wall)`).join(', ');
    console.log(`  ${range}, all checks, ${pairs.length} alternating runs, commits/CPU-s this tree/${baselineRef}: ${each}; JSON identical in each pair`);
  }
  console.log(`  ${range}, all checks, kreview at ${baselineRef}: ${fmt(rate(baseline))} commits/CPU-s (${fmt(baseline.cpuS)} s), peak RSS ${fmt(baseline.peakMb, 0)} MB; this tree ${fmt(rate(all) / rate(baseline), 2)}x the commits per CPU second, ${fmt(baseline.wallS / all.wallS, 2)}x per wall second, ${fmt(all.peakMb / baseline.peakMb, 2)}x the peak (median runs by CPU)`);
}
if (rows.length > 1) {
  const [a, b] = [rows[0], rows[rows.length - 1]];
  console.log(`  peak RSS, all checks: ${fmt(a.all.peakMb, 0)} MB for ${a.all.patches} commits, ${fmt(b.all.peakMb, 0)} MB for ${b.all.patches}: ${fmt(b.all.peakMb / a.all.peakMb, 2)}x for ${fmt(b.all.patches / a.all.patches)}x the commits`);
  // The peak follows the largest commits met (their files parsed), not the count: the oldest commits
  // of the long range, as many as the short one has, reviewed alone.
  const [short, long] = [Math.min(...ranges), Math.max(...ranges)];
  const oldest = await review(`HEAD~${long}..HEAD~${long - short}`, null);
  console.log(`  the oldest ${short} commits of the long range alone (HEAD~${long}..HEAD~${long - short}): peak RSS ${fmt(oldest.peakMb, 0)} MB, ${fmt(oldest.patches / oldest.cpuS)} commits/CPU-s`);
}
