// Where a whole-history Fixes review spends its CPU, stage by stage, on REAL histories (nothing is
// generated here): opening the index, listing the range, reading every commit (cat-file, parse),
// the review pipeline with no check, the same with the Fixes check (twice: the first pass pays
// for what a History loads once, the second is the steady per-commit cost), and writing the JSON.
// CPU is this process's (process.cpuUsage, per stage); git's is summed once at the end (the
// children's CPU from /proc/self/stat, after the History has stopped them).
//
// Run by hand:
//   npx tsx bench/fixes-cost-profile.ts [--cache DIR] /work/hist/dpdk.git /work/hist/iproute2.git ...
// The cache should be warm (run the CLI or bench/fixes-speed-bench.ts once first): the index is
// not built here, and blame answers come from it when an earlier review kept them.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { defaultConfig } from '../src/core/config.js';
import type { Patch, PatchReview } from '../src/core/types.js';
import { openHistory } from '../src/git/history.js';
import { listRange, readCommits } from '../src/sources/git-range.js';
import { allChecks, reviewCommits } from '../src/review/pipeline.js';
import { JsonWriter } from '../src/review/render-json.js';
import { commitSeries } from '../src/series/group.js';

const args = process.argv.slice(2);
const cacheAt = args.indexOf('--cache');
if (cacheAt >= 0) process.env.KREVIEW_CACHE = args[cacheAt + 1];
const histories = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--cache');
const say = (s: string) => console.log(s);

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU seconds of the children this process has waited for (git), from /proc/self/stat. */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from the state field (3).
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
}

async function* fromArray(patches: Patch[]): AsyncGenerator<Patch> {
  yield* patches;
}

if (histories.length === 0) {
  say('fixes-cost-profile: give the paths of real git histories (e.g. /work/hist/dpdk.git); nothing is generated here.');
  process.exit(0);
}
say(`fixes-cost-profile: REAL histories, whole history (HEAD), CPU seconds per stage (this process) and per commit; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const repo of histories) {
  const gitBefore = childrenCpu();
  const rows: [string, number, number][] = [];
  let t = cpu();
  const stage = (name: string, perCommitOf: number): void => {
    const now = cpu();
    rows.push([name, now - t, perCommitOf]);
    t = now;
  };
  const history = await openHistory(repo);
  stage('open the history (warm index)', 0);
  const oids = await listRange(repo, ['HEAD']);
  stage('list the range (git rev-list)', 0);
  const patches: Patch[] = [];
  for await (const p of readCommits(repo, oids, 'HEAD')) patches.push(p);
  const n = patches.length;
  const tagged = patches.filter((p) => /fixes/i.test(p.message)).length;
  stage('read every commit (kept with the index, else cat-file)', n);
  const config = defaultConfig();
  const none = { ...config, enable: ['none'] };
  for await (const pr of reviewCommits(fromArray(patches), { repo, config: none, history })) void pr;
  stage('pipeline, no check', n);
  const fixes = { ...config, enable: ['fixes'] };
  const checks = await allChecks();
  const kept: PatchReview[] = [];
  // As the CLI reviews a listed range: the History is told the commits first (expectFixesOf).
  for await (const pr of reviewCommits(fromArray(patches), { repo, config: fixes, history, checks, oids })) kept.push(pr);
  stage('pipeline + fixes check, first pass', n);
  for await (const pr of reviewCommits(fromArray(patches), { repo, config: fixes, history, checks })) void pr;
  stage('pipeline + fixes check, again (History warm)', n);
  let bytes = 0;
  const writer = new JsonWriter((s) => (bytes += s.length), 'bench');
  writer.begin(1);
  const { patches: _all, ...head } = commitSeries([patches[0]]);
  writer.seriesStart({ series: { ...head, total: n }, patches: n, commits: n });
  for (const pr of kept) writer.patch(pr);
  writer.seriesEnd();
  writer.end([]);
  stage('JSON text of every review', n);
  await history.close();
  const git = childrenCpu() - gitBefore;
  say(`\n=== ${basename(repo).replace(/\.git$/, '')} (${repo}): ${n} commits, ${tagged} mention "fixes", ${kept.reduce((k, pr) => k + pr.findings.length, 0)} findings, JSON ${(bytes / 1e6).toFixed(1)} MB`);
  for (const [name, s, per] of rows) say(`  ${name.padEnd(46)} ${s.toFixed(2).padStart(6)} s${per ? `  ${((s / per) * 1e6).toFixed(0).padStart(5)} us/commit` : ''}`);
  say(`  ${'git (every child, all stages)'.padEnd(46)} ${git.toFixed(2).padStart(6)} s`);
}
