// Where the memory of one long series' review sits: the series of an mbox reviewed as the mail
// daemon reviews it (routed by MAINTAINERS, bases tried, files that do not apply read from their
// hunks, the daemon's default checks), with the heap held after a full collection printed after each
// patch, and the peak RSS and CPU at the end. Data: whatever mbox is given (REAL list mail when it
// is a thread taken from a fetched archive; the mbox and repository are printed).
// Run by hand: node --expose-gc --import tsx bench/series-memory.ts --mbox S.mbox --repo /path/to/linux [--maintainers F]
//   [--no-gc] (sample without a collection first: the daemon's own RSS) [--heap-growing-percent N] [--cache-bytes B] (limits.cacheBytes; default that of `kreview review`, 64 MiB) [--snapshot-at N] (writes a heap snapshot after patch N to the working directory)
import { existsSync } from 'node:fs';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Check } from '../src/core/check.js';
import { defaultConfig } from '../src/core/config.js';
import type { Patch, Series } from '../src/core/types.js';
import { openHistory } from '../src/git/history.js';
import { loadMaintainers } from '../src/git/maintainers.js';
import { allChecks, reviewSeries } from '../src/review/pipeline.js';
import { groupSeries } from '../src/series/group.js';
import { readInputs } from '../src/sources/files.js';
import { KreviewError } from '../src/core/types.js';

const argv = process.argv.slice(2);
const opt = (flag: string, dflt: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : dflt);
const mbox = resolve(opt('--mbox', ''));
const repo = resolve(opt('--repo', '/work/linux/linux-source-6.1'));
const maintainersFile = opt('--maintainers', existsSync(`${repo}/MAINTAINERS`) ? `${repo}/MAINTAINERS` : '');
const snapshotAt = Number(opt('--snapshot-at', '-1'));
// The daemon's setting, as it makes it at run time (src/watch/heap-growth.ts), for a figure with and without.
if (argv.includes('--heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${opt('--heap-growing-percent', '0')}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mb = (n: number) => Math.round(n / 1048576);

const patches: Patch[] = [];
for await (const p of readInputs([mbox])) if (!(p instanceof KreviewError)) patches.push(p);
const all = groupSeries(patches);
const title = (s: Series) => `${s.patches.length} patches, "${s.cover?.subject ?? s.patches[0].subject}"`;
console.log(`data: ${mbox} (${patches.length} messages; ${all.length} series: ${all.map(title).join('; ')}), repository ${repo}, load average ${loadavg()[0].toFixed(1)}`);

const history = await openHistory(repo);
const maintainers = await loadMaintainers(maintainersFile || null, repo);
const config = defaultConfig();
if (argv.includes('--cache-bytes')) config.limits = { ...config.limits, cacheBytes: Number(opt('--cache-bytes', '0')) };
let n = 0;
// The heap after each patch's last check: what the review holds between patches.
const sample = (): Check => ({
  id: 'sample',
  description: 'heap after a full collection',
  async run() {
    n++;
    if (!argv.includes('--no-gc')) gc();
    const m = process.memoryUsage();
    console.log(`patch ${n}: heap used ${mb(m.heapUsed)} MB of ${mb(m.heapTotal)} MB, external ${mb(m.external)} MB, rss ${mb(m.rss)} MB`);
    if (n === snapshotAt) console.log(`snapshot: ${writeHeapSnapshot()}`);
    return [];
  },
});
const checks = [...(await allChecks()), sample()];
const cpu0 = process.cpuUsage();
const t0 = Date.now();
let reviewed = 0;
let findings = 0;
// One after the other in one process, as the daemon reviews them: what one series leaves behind meets the next.
for (const series of all) {
  console.log(`series: ${title(series)}`);
  const review = await reviewSeries(series, { repo, config, history, route: { maintainers, bases: {} }, placeUnapplied: false, checks });
  reviewed += review.patches.length;
  findings += review.patches.reduce((s, p) => s + p.findings.length, 0);
  console.log(`  base ${review.route?.baseWhy ?? 'no route'}, peak RSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
const cpu = process.cpuUsage(cpu0);
await history.close();
console.log(
  `reviewed ${reviewed} patches of ${all.length} series, ${findings} findings, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s, ${((Date.now() - t0) / 1000).toFixed(1)} s wall, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
);
