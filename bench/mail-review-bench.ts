// `kreview review --repo TREE MAIL` of one-patch mails, end to end and warm, this tree's compiled
// CLI against a baseline's compiled in the same run: the target of #10 item 6 (under 0.5 s wall).
//   npx tsx bench/mail-review-bench.ts [--runs N] [--baseline DIR | --baseline-ref REF] [--repo DIR] [--mail FILE ...]
// --baseline DIR: a checkout of the previous revision with `npm run build` done; --baseline-ref REF
// (default main) exports REF with git archive and builds it in a temporary directory (a minute or
// two). This tree must be built (`npm run build`). Each tree gets a cache directory of its own
// (KREVIEW_CACHE), filled by one run of every mail that is not counted; then runs alternate between
// the trees, mail by mail, the first tree changing from one round to the next. CPU is each child's
// with every git it waited for (/proc cutime + cstime); wall is the child's whole life. The JSON of
// every run is compared with the baseline's: the figures count only if the reviews are the same.
// Mails are REAL: two reversed list fixes rebuilt by bench/lock-cases/rebuild.ts (fs/nfs, fs/ext4),
// and two list mails read from fetched archives (mm/memcontrol.c from cgroups, drivers/md/raid5.c
// from linux-raid), all applying to Debian's linux-source-6.1, committed as one commit.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const runs = Number(opt('--runs') ?? 5);
const repo = opt('--repo') ?? '/work/linux/linux-source-6.1';
const ARCHIVES = '/work/.mirror';

/** Default mails: a lock case rebuilt into bench/.work, or one message (a commit's `m` blob) of a fetched public-inbox archive. */
const DEFAULT_MAILS: ({ name: string; file: string } | { name: string; list: string; commit: string })[] = [
  { name: 'fs/nfs (lock case)', file: join(ROOT, 'bench/.work/lock-cases/nfs-scan-commit-wait-under-mutex.bug.eml') },
  { name: 'fs/ext4 (lock case)', file: join(ROOT, 'bench/.work/lock-cases/ext4-busy-pa-abba.bug.eml') },
  // "mm: allow exiting processes to exceed the memory.max limit"
  { name: 'mm/memcontrol.c (cgroups)', list: 'cgroups.vger.kernel.org.0', commit: '830f18f3bc69cf172a0e03fd315d222a390fa0b9' },
  // "md/raid5: Fix a deadlock of reshape and suspend"
  { name: 'drivers/md/raid5.c (linux-raid)', list: 'linux-raid.vger.kernel.org.0', commit: '4826d102aab9790a66a4fb4f3020e193b234d585' },
];

/** CPU seconds of the children this process has waited for, from /proc/self/stat (cutime + cstime). */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Run {
  wall: number;
  cpu: number;
  out: string;
}

function review(bin: string, mail: string, cache: string, scratch: string): Run {
  const c0 = childrenCpu();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, 'review', '--format', 'json', '--repo', repo, mail], {
    env: { ...process.env, KREVIEW_CACHE: cache, TMPDIR: scratch },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${bin} review ${mail} exited ${r.status}: ${r.stderr.slice(0, 300)}`);
  return { wall, cpu: childrenCpu() - c0, out: r.stdout };
}

async function baselineRoot(tmp: string): Promise<{ root: string; label: string }> {
  const given = opt('--baseline');
  if (given) return { root: given, label: given };
  const ref = opt('--baseline-ref') ?? 'main';
  return { root: await builtRevision(ROOT, ref, tmp), label: ref };
}

/** The mails to review: given with --mail, else the defaults that can be found here. */
function mails(tmp: string): { name: string; file: string }[] {
  const given = argv.flatMap((a, i) => (a === '--mail' ? [argv[i + 1]] : []));
  if (given.length) return given.map((file) => ({ name: file, file }));
  const out: { name: string; file: string }[] = [];
  for (const m of DEFAULT_MAILS) {
    if ('file' in m) {
      if (existsSync(m.file)) out.push(m);
      else console.log(`  (no ${m.file}: run bench/lock-cases/rebuild.ts; ${m.name} skipped)`);
      continue;
    }
    const archive = join(ARCHIVES, `linux-mailinglist-archives+${m.list}`);
    const gitDir = existsSync(join(archive, 'repo')) ? join(archive, 'repo') : archive;
    try {
      const text = execFileSync('git', ['--git-dir', gitDir, 'show', `${m.commit}:m`], { maxBuffer: 64 << 20 });
      const file = join(tmp, `${m.commit}.eml`);
      writeFileSync(file, text);
      out.push({ name: m.name, file });
    } catch {
      console.log(`  (no message ${m.commit} in ${gitDir}: fetch github:linux-mailinglist-archives/${m.list}; ${m.name} skipped)`);
    }
  }
  return out;
}

if (!existsSync(join(ROOT, 'dist', '.built'))) {
  console.log('mail-review-bench: this tree has no build: run `npm run build` first');
  process.exit(1);
}
if (!existsSync(repo)) {
  console.log(`mail-review-bench: no repository at ${repo} (give --repo)`);
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'kreview-mailbench-'));
try {
  const base = await baselineRoot(tmp);
  const trees = [
    { label: base.label, bin: join(base.root, 'bin', 'kreview.js'), cache: join(tmp, 'cache-base') },
    { label: 'this tree', bin: join(ROOT, 'bin', 'kreview.js'), cache: join(tmp, 'cache-here') },
  ];
  const scratch = join(tmp, 'scratch');
  mkdirSync(scratch);
  const list = mails(tmp);
  console.log(`kreview review --repo ${repo} MAIL, compiled (dist/), warm, median of ${runs} alternating runs; baseline ${base.label} built in this run; mails REAL`);
  const loads = [loadavg()[0]];
  // Fill each tree's caches (rules, facts, tags, helpers, the history index): not counted.
  const cold = list.map((m) => trees.map((t) => review(t.bin, m.file, t.cache, scratch)));
  loads.push(loadavg()[0]);
  const figures = list.map(() => trees.map(() => ({ walls: [] as number[], cpus: [] as number[] })));
  let differing = 0;
  for (let round = 0; round < runs; round++) {
    list.forEach((m, i) => {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const outs: string[] = [];
      for (const t of order) {
        const r = review(trees[t].bin, m.file, trees[t].cache, scratch);
        figures[i][t].walls.push(r.wall);
        figures[i][t].cpus.push(r.cpu);
        outs[t] = r.out;
      }
      if (outs[0] !== outs[1]) differing++;
    });
    loads.push(loadavg()[0]);
  }
  list.forEach((m, i) => {
    const [b, h] = figures[i].map((f) => ({ wall: median(f.walls), cpu: median(f.cpus), minWall: Math.min(...f.walls) }));
    console.log(`  ${m.name.padEnd(34)} ${base.label}: ${b.wall.toFixed(3)} s wall (min ${b.minWall.toFixed(3)}), ${b.cpu.toFixed(2)} s cpu; this tree: ${h.wall.toFixed(3)} s wall (min ${h.minWall.toFixed(3)}), ${h.cpu.toFixed(2)} s cpu; cpu ${(b.cpu / Math.max(0.005, h.cpu)).toFixed(2)}x, wall ${(b.wall / h.wall).toFixed(2)}x`);
    console.log(`  ${''.padEnd(34)} first (cold for this tree's cache) run: ${base.label} ${cold[i][0].cpu.toFixed(2)} s cpu, this tree ${cold[i][1].cpu.toFixed(2)} s cpu`);
  });
  console.log(`  reviews identical to ${base.label}'s: ${differing === 0 ? 'all' : `NO, ${differing} of ${runs * list.length} differ`}`);
  console.log(`  load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during the run; target: under 0.5 s wall each, warm`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
