// Start-up and the fixed cost of a one-patch review, for the `kreview` command as users run it:
// the JavaScript compiled into dist/, this tree's against a baseline revision's, measured in the
// same run, the two alternating (median of --runs, wall and CPU: the CPU of each child and of every
// git it waited for).
//   npx tsx bench/startup-bench.ts [--runs N] [--baseline DIR | --baseline-ref REF] [--mail FILE] [--repo DIR]
//     [--fixes-repo DIR]
// --baseline DIR: a compiled checkout of the previous revision (`npm run build` done); --baseline-ref
// REF (default: main) exports REF with git archive and builds it in a temporary directory (a minute).
// This tree must be built (`npm run build`). Rows: `node -e 0`; `kreview --version` from this git
// checkout (which looks at its sources' times) and as an installed package (no .git: it does not);
// `kreview review --help`; `kreview review --repo R --checks fixes --format json HEAD^!` on a REAL
// history (--fixes-repo, default /work/hist/iproute2.git: the fixed cost of a Fixes review of
// revisions, warm); and, when the mail is there, `kreview review MAIL` without a repository and with
// --repo (warm: one run first fills the caches). The mail is REAL (default: a reversed
// linux-nfs fix that applies to 6.1, rebuilt by bench/lock-cases/rebuild.ts into bench/.work); the
// repository is Debian's linux-source-6.1 committed as one commit.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtRevision } from './baseline-run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 7);
const mail = opt('--mail') ?? join(ROOT, 'bench/.work/lock-cases/nfs-scan-commit-wait-under-mutex.bug.eml');
const repo = opt('--repo') ?? '/work/linux/linux-source-6.1';
/** A real history for the one-commit Fixes row (the fixed cost of a Fixes review of revisions). */
const fixesRepo = opt('--fixes-repo') ?? '/work/hist/iproute2.git';

/** CPU seconds of the children this process has waited for, from /proc/self/stat (cutime + cstime). */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
}

interface Timing {
  wall: number;
  cpu: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One run of `args`: wall and CPU seconds (the child's and every git it waited for). */
function once(args: string[]): Timing {
  const c0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 300)}`);
  return { wall, cpu: childrenCpu() - c0 };
}

/** Median of --runs runs of each, the two alternating (a neighbour's burst of load falls on both alike). */
function timePair(baseArgs: string[], hereArgs: string[], warm = 0): [Timing, Timing] {
  const got: [Timing[], Timing[]] = [[], []];
  for (let i = 0; i < warm + runs; i++)
    for (const [k, args] of [baseArgs, hereArgs].entries()) {
      const t = once(args);
      if (i >= warm) got[k].push(t);
    }
  const med = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
  return [med(got[0]), med(got[1])];
}

function time(args: string[]): Timing {
  const ts = Array.from({ length: runs }, () => once(args));
  return { wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) };
}

/** The gits one run spawns, counted through a `git` first on PATH that logs and runs the real one. */
function gitsSpawned(args: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-gitcount-'));
  try {
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const log = join(dir, 'log');
    writeFileSync(join(dir, 'git'), `#!/bin/sh\necho x >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(dir, 'git'), 0o755);
    spawnSync(process.execPath, args, { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8', maxBuffer: 64 << 20 });
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A package laid out as an install is (no .git), whose bin and dist are `root`'s. */
function installedLayout(root: string, into: string): string {
  mkdirSync(join(into, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin', 'kreview.js'), join(into, 'bin', 'kreview.js'));
  // What npm would install: the whole package but .git (the old launcher walks src/ and checks/).
  for (const name of ['dist', 'node_modules', 'package.json', 'src', 'checks', 'templates']) symlinkSync(join(root, name), join(into, name));
  return join(into, 'bin', 'kreview.js');
}

async function baselineRoot(tmp: string): Promise<{ root: string; label: string }> {
  const given = opt('--baseline');
  if (given) return { root: given, label: given };
  const ref = opt('--baseline-ref') ?? 'main';
  return { root: await builtRevision(ROOT, ref, tmp), label: ref };
}

if (!existsSync(join(ROOT, 'dist', '.built'))) {
  console.log('startup-bench: this tree has no build: run `npm run build` first');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'kreview-startup-'));
try {
  const base = await baselineRoot(tmp);
  const bins = {
    base: join(base.root, 'bin', 'kreview.js'),
    here: join(ROOT, 'bin', 'kreview.js'),
    baseInstalled: installedLayout(base.root, join(tmp, 'base-installed')),
    hereInstalled: installedLayout(ROOT, join(tmp, 'here-installed')),
  };
  const loads = [loadavg()[0]];
  const row = (what: string, [b, h]: [Timing, Timing]): void => {
    loads.push(loadavg()[0]);
    console.log(`  ${what.padEnd(40)} ${base.label}: ${b.wall.toFixed(3)} s wall, ${b.cpu.toFixed(2)} s cpu; this tree: ${h.wall.toFixed(3)} s wall, ${h.cpu.toFixed(2)} s cpu; cpu ${(b.cpu / Math.max(0.005, h.cpu)).toFixed(1)}x, wall ${(b.wall / h.wall).toFixed(1)}x`);
  };
  console.log(`start-up and one-patch reviews, compiled (dist/), median of ${runs} runs; baseline ${base.label} built in this run`);
  const bare = time(['-e', '0']);
  console.log(`  ${'node -e 0'.padEnd(40)} ${bare.wall.toFixed(3)} s wall, ${bare.cpu.toFixed(2)} s cpu`);
  row('kreview --version (git checkout)', timePair([bins.base, '--version'], [bins.here, '--version']));
  row('kreview --version (installed, no .git)', timePair([bins.baseInstalled, '--version'], [bins.hereInstalled, '--version']));
  row('kreview review --help (installed)', timePair([bins.baseInstalled, 'review', '--help'], [bins.hereInstalled, 'review', '--help']));
  if (existsSync(fixesRepo)) {
    // The fixed cost of a Fixes review of revisions (start-up, modules, the history index opened
    // warm, the gits, exit): one commit, so that the per-commit work is next to nothing.
    const fixes = (bin: string): string[] => [bin, 'review', '--repo', fixesRepo, '--checks', 'fixes', '--format', 'json', 'HEAD^!'];
    row('review --checks fixes HEAD^! (installed)', timePair(fixes(bins.baseInstalled), fixes(bins.hereInstalled), 1));
    console.log(`  fixes repository: ${fixesRepo} (REAL history)`);
  } else console.log(`  (no ${fixesRepo}: the one-commit Fixes row is skipped; give --fixes-repo)`);
  if (existsSync(mail)) {
    // Warm: the first run of each fills the caches (rules, facts, the history index); not counted.
    const review = (bin: string, extra: string[]): string[] => [bin, 'review', ...extra, mail];
    row('review MAIL, no repository (installed)', timePair(review(bins.baseInstalled, []), review(bins.hereInstalled, []), 1));
    if (existsSync(repo)) {
      row('review --repo 6.1 MAIL (installed)', timePair(review(bins.baseInstalled, ['--repo', repo]), review(bins.hereInstalled, ['--repo', repo]), 1));
      console.log(`  gits spawned by review --repo: ${base.label} ${gitsSpawned(review(bins.baseInstalled, ['--repo', repo]))}, this tree ${gitsSpawned(review(bins.hereInstalled, ['--repo', repo]))}`);
    } else console.log(`  (no ${repo}: the --repo row is skipped)`);
    console.log(`  mail: ${mail} (REAL)`);
  } else console.log(`  (no mail at ${mail}: run bench/lock-cases/rebuild.ts, or give --mail; the review rows are skipped)`);
  console.log(`  load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during the run; targets: --version under 0.2 s, a one-patch review under 0.5 s, wall`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
