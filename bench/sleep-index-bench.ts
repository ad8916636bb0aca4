// Cost of the tree's sleeping-call index (src/c/sleep-index.ts) on a real kernel tree, run by hand:
//   npx tsx bench/sleep-index-bench.ts [--tree /work/linux/linux-source-6.1] [--show name,...] [--keep DIR]
// Builds the index of the tree's HEAD cold (no disk cache, nothing in memory), then loads it from
// the disk cache as a second review would (--keep DIR: in DIR/sleep-index, kept for later runs), and prints CPU seconds (this process; git's own CPU is
// in `/usr/bin/time -v` around the run), peak RSS, the counts, and the chains of the --show names.
// The data is real (Debian's linux-source-6.1 committed as one commit).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { matcherFor } from '../checks/lock/match.js';
import { loadRules } from '../checks/lock/rules-load.js';
import { sleepRulesOf, sleepingGlobs } from '../checks/lock/tree-sleep.js';
import { cachedSleepIndex, indexedFiles, sleepIndexFor, treeKey } from '../src/c/sleep-index.js';
import { openHistory } from '../src/git/history.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const tree = opt('--tree') ?? '/work/linux/linux-source-6.1';
const show = opt('--show')?.split(',') ?? ['kern_path', 'dput', 'nfsd_file_put', 'filp_close', 'kmalloc', 'kfree', 'mutex_lock', 'schedule_work'];

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const keep = opt('--keep');
  const cacheDir = keep ?? mkdtempSync(join(tmpdir(), 'sleep-index-bench-'));
  const history = await openHistory(tree, { cacheDir });
  try {
    const rules = loadRules([]);
    const sleepRules = sleepRulesOf(rules, matcherFor(rules));
    const patterns = sleepingGlobs(rules).map((g) => g.re);
    const c0 = cpu();
    const t0 = Date.now();
    const ids = await history.listFileIds('HEAD', '');
    const index = await sleepIndexFor({ ids, read: (p) => history.readFile('HEAD', p) }, sleepRules, { cacheDir, patterns });
    const buildCpu = cpu() - c0;
    const buildWall = (Date.now() - t0) / 1000;
    if (!index) throw new Error('no index built');
    const rss = process.resourceUsage().maxRSS / 1024;
    const c1 = cpu();
    const t1 = Date.now();
    const key = treeKey(indexedFiles(ids), sleepRules.salt, patterns);
    // A second process would find it on disk: read it back as that process would (not from memory).
    const again = cachedSleepIndex(key, cacheDir) && (await import('node:fs')).readFileSync(join(cacheDir, 'sleep-index', `${key}.json`)).length;
    const loadCpu = cpu() - c1;
    console.log(`tree ${tree} (real data): ${index.stats.files} C files indexed, ${index.stats.skipped} skipped, ${index.stats.functions} functions, ${index.stats.sleeping} sleeping`);
    console.log(`cold build: ${buildCpu.toFixed(1)} s CPU (this process), ${buildWall.toFixed(1)} s wall; peak RSS ${rss.toFixed(0)} MB; load average ${loadavg()[0].toFixed(1)}`);
    console.log(`stored index: ${((again || 0) / 1e6).toFixed(1)} MB; listing + key + read back: ${loadCpu.toFixed(2)} s CPU`);
    for (const name of show) {
      const f = index.sleeps(name, 'fs/none.c');
      console.log(`  ${name}: ${f ? `sleeps (${[name, ...f.chain].join(' -> ')}) ${f.path}:${f.line}` : 'not known to sleep'}`);
    }
    const quiet = index.nonSleeping();
    console.log(`rule globs matching functions the tree defines as not sleeping: ${quiet.length}`);
    for (const q of quiet.slice(0, 40)) console.log(`  ${q.fn} ${q.path}:${q.line}`);
  } finally {
    await history.close();
    if (!keep) rmSync(cacheDir, { recursive: true, force: true });
  }
}

await main();
