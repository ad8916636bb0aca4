// Memory over a long range review, sampled as it streams: `kreview review --repo R RANGE` with all
// checks, in this process, its JSON written to /dev/null, and every --every commits the RSS, the
// V8 heap and the external memory, before and after a full collection (what is still held, not
// what awaits collection). A flat "held" column is a review that keeps nothing per commit; a
// growing one names what still grows with the range. Real data only: a history given with --repo.
//
//   node --expose-gc --import tsx bench/range-memory.ts [--repo DIR] [--range HEAD~1200..HEAD] [--every 100] [--snapshots 300,1100] [--weigh] [--config FILE]
//
// --config FILE: a kreview config (e.g. `limits: { cacheBytes: 16777216 }`: with a smaller budget the held
// column levels off lower, which shows the caches' budget, not the range, decides it).
//
// --weigh: after the run, each cache kept between commits is emptied in turn, and the held heap it
// gave back (after a full collection) is printed beside the bytes it was counted for.
//
// --snapshots N,M writes a heap snapshot (after a full collection) when N and M commits are done,
// into the working directory: what grew between them is what the later one holds more of
// (bench/heap-diff.ts compares them).
import { existsSync, openSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { buildConfig, streamReview } from '../src/cli/review-command.js';
import { JsonWriter } from '../src/review/render-json.js';
import { RemarkGrouper } from '../src/review/group-remarks.js';
import { clearFactsMemory, factsMemoryKept } from '../src/c/summaries.js';
import { headerContractsKept, setHeaderContractsBudget } from '../checks/lock/tree-contracts.js';
import type { ReviewSink } from '../src/review/review-stream.js';
import { nameMemosKept, setNameMemosBudget } from '../src/core/name-memo.js';
import { callerCachesKept, forgetCallerScans } from '../checks/lock/callers.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const repo = arg('--repo', '/work/hist/btrfs-progs.git');
const range = arg('--range', 'HEAD~1200..HEAD');
const every = Number(arg('--every', '100'));
const snapshots = new Set(arg('--snapshots', '').split(',').filter(Boolean).map(Number));
if (!existsSync(repo)) throw new Error(`--repo ${repo}: no such directory (a real history is needed)`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (the held column needs a full collection)');

const mb = (n: number): string => (n / 2 ** 20).toFixed(0).padStart(5);
const out = openSync('/dev/null', 'w');
const writer = new JsonWriter((t) => writeSync(out, t), 'bench');
let n = 0;
let peak = 0;
/** The peak before the first heap snapshot (writing one takes native memory of its own). */
let peakUnsnapped = 0;
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const sample = (): void => {
  const before = process.memoryUsage();
  gc();
  const after = process.memoryUsage();
  peak = Math.max(peak, before.rss);
  const cpu = process.cpuUsage(cpu0);
  // Where V8's committed heap is (a space much larger than its used part holds pages kept empty or half-used).
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size > 4 << 20)
    .map((s) => `${s.space_name.replace(/_space$/, '')} ${(s.space_size / 2 ** 20).toFixed(0)}/${(s.space_used_size / 2 ** 20).toFixed(0)}`)
    .join(', ');
  console.log(
    `${String(n).padStart(6)} ${mb(before.rss)} ${mb(after.rss)} ${mb(before.heapUsed)} ${mb(after.heapUsed)} ${mb(after.heapTotal)} ${mb(after.external)} ${mb(after.arrayBuffers)} ${((cpu.user + cpu.system) / 1e6).toFixed(1).padStart(7)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}  ${spaces}`,
  );
};
const counter: ReviewSink = {
  begin: (s) => writer.begin(s),
  seriesStart: (h) => writer.seriesStart(h),
  patch: (pr) => {
    writer.patch(pr);
    n++;
    peak = Math.max(peak, process.memoryUsage.rss());
    if (n % every === 0) sample();
    if (snapshots.has(n)) {
      if (peakUnsnapped === 0) peakUnsnapped = peak;
      gc();
      console.log(`heap snapshot at ${n} commits: ${writeHeapSnapshot(`range-${n}.heapsnapshot`)}`);
    }
  },
  seriesEnd: () => writer.seriesEnd(),
  end: (e, g) => writer.end(e, g),
};
console.log(`range memory, real data: ${repo} ${range}, all checks (load average ${loadavg()[0].toFixed(1)})`);
console.log(`commits   rss  rss-held  heap  heap-held  heap-total-held  external  arraybuffers  cpu-s  wall-s  V8 spaces committed/used (MB; "held": after a full collection)`);
const config = arg('--config', '');
await streamReview([range], { repo }, buildConfig(config ? { config } : {}), new RemarkGrouper(counter));
sample();
console.log(`peak RSS seen between commits: ${mb(peak)} MB${peakUnsnapped ? ` (${mb(peakUnsnapped)} MB before the first heap snapshot)` : ''}; ${n} commits (load average ${loadavg()[0].toFixed(1)})`);

if (process.argv.includes('--weigh')) {
  const held = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const f = factsMemoryKept();
  const h = headerContractsKept();
  const names = nameMemosKept();
  const callers = callerCachesKept();
  const steps: [string, number, () => void][] = [
    [`callers check: scans ${callers.scans.count}, directory tables ${callers.dirs.count}, call sites ${callers.sites.count}`, callers.scans.bytes + callers.dirs.bytes + callers.sites.bytes, forgetCallerScans],
    [`name memos (${names.count})`, names.bytes, () => setNameMemosBudget(0)],
    [`header contracts (${h.count})`, h.bytes, () => setHeaderContractsBudget(0)],
    [`facts ${f.facts.count}, summary indexes ${f.indexes.count}, texts by path ${f.lastIds.count}, blob keys ${f.blobKeys.count}`, f.facts.bytes + f.indexes.bytes + f.lastIds.bytes + f.blobKeys.bytes, clearFactsMemory],
  ];
  console.log(`caches weighed: held heap ${mb(held())} MB with them`);
  for (const [name, counted, clear] of steps) {
    const before = held();
    clear();
    const after = held();
    console.log(`  ${name}: counted ${mb(counted)} MB, gave back ${mb(before - after)} MB`);
  }
  console.log(`  held heap without them: ${mb(held())} MB`);
}
