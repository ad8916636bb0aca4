// Lock check bench, run by hand: `npx tsx bench/lock-bench.ts [lines] [real.c ...]`.
// Prints functions analysed per second, tree summary time cold and warm, the per-patch time of a
// 100-function series (cold and warm), and every finding on C where nothing should fire.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { analyseImage } from '../checks/lock/analyse.js';
import { lockCheck } from '../checks/lock/index.js';
import { matcherFor } from '../checks/lock/match.js';
import { loadRules } from '../checks/lock/rules-load.js';
import { collectFacts } from '../src/c/facts.js';
import { clearFactsMemory, factsFor, SummaryIndex } from '../src/c/summaries.js';
import { defaultConfig } from '../src/core/config.js';
import type { Patch, Series } from '../src/core/types.js';
import { openHistory } from '../src/git/history.js';
import { createWorkspace } from '../src/git/workspace.js';
import { readRange } from '../src/sources/git-range.js';
import { TestRepo } from '../test/helpers/git-repo.js';
import { generateTree, type GeneratedFile } from './lock-gen.js';

const lines = Number(process.argv[2] ?? 200_000);
const realFiles = process.argv.slice(3);
const rules = loadRules();
const matcher = matcherFor(rules);
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (n: number): string => n.toFixed(0);

function speed(tree: GeneratedFile[]): void {
  let functions = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (const f of tree) functions += collectFacts(f.path, f.text, rules.model).functions.length;
  const t = ms(t0);
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  console.log(`parse + walk: ${functions} functions in ${fmt(t)} ms wall = ${fmt((functions / t) * 1000)} functions/s (${fmt((functions / cpu) * 1000)} per cpu second)`);
}

function summaries(tree: GeneratedFile[], cacheDir: string): SummaryIndex {
  const total = tree.reduce((n, f) => n + f.text.split('\n').length, 0);
  let idx: SummaryIndex | null = null;
  for (const label of ['cold', 'warm']) {
    clearFactsMemory();
    const t0 = process.hrtime.bigint();
    const facts = tree.map((f) => factsFor(f.path, f.text, rules.model, rules.hash, cacheDir));
    idx = new SummaryIndex(facts, matcher.tagger(), defaultConfig().lock.summaryDepth);
    console.log(`summarise ${tree.length} files, ${total} lines (${label}, disk cache): ${fmt(ms(t0))} ms`);
  }
  return idx!;
}

function falsePositives(files: GeneratedFile[], idx: SummaryIndex | null, label: string): void {
  const counts = new Map<string, number>();
  const examples: string[] = [];
  let functions = 0;
  let unparsed = 0;
  for (const f of files) {
    const all = Array.from({ length: f.text.split('\n').length }, (_, i) => i + 1);
    const fns = analyseImage({ path: f.path, text: f.text, complete: true, lines: all, hunks: [] }, { rules, model: rules.model, matcher, summaries: idx });
    for (const fn of fns) {
      functions++;
      if (fn.errorLines.length) unparsed++;
      for (const i of fn.issues) {
        counts.set(i.rule.id, (counts.get(i.rule.id) ?? 0) + 1);
        if (examples.length < 10) examples.push(`  ${f.path}:${i.line} ${fn.name}(): ${i.rule.id} (${i.hit?.callee ?? i.lock.key})`);
      }
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`false positives on ${label}: ${total} in ${functions} functions (${((total / Math.max(1, functions)) * 100).toFixed(2)}%), ${unparsed} functions not fully parsed`);
  for (const [id, n] of counts) console.log(`  ${id}: ${n}`);
  for (const e of examples) console.log(e);
}

async function perPatch(tree: GeneratedFile[]): Promise<void> {
  const repo = new TestRepo();
  const cache = mkdtempSync(join(tmpdir(), 'kreview-lock-bench-cache-'));
  process.env.KREVIEW_CACHE = cache;
  try {
    for (const f of tree) {
      mkdirSync(join(repo.dir, dirname(f.path)), { recursive: true });
      writeFileSync(join(repo.dir, f.path), f.text);
    }
    repo.git('add', '.');
    repo.commit('base\n');
    // 100 functions over 10 files of one directory: one new call each, outside any lock.
    const touched = tree.filter((f) => f.path.startsWith('fs/btrfs/')).slice(0, 10);
    for (const f of touched) {
      let text = f.text;
      for (const name of f.functions.slice(0, 10)) text = text.replace(new RegExp(`(${name}\\([^)]*\\)\\n\\{\\n)`), `$1\ttrace_event_${name}();\n`);
      writeFileSync(join(repo.dir, f.path), text);
    }
    repo.git('add', '.');
    repo.commit('touch 100 functions\n');
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    const patch = patches[0];
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    for (const label of ['cold', 'warm (disk cache)', 'warm (memory)']) {
      // Facts of the same texts may be in memory from the summary measurement: start truly cold.
      if (label !== 'warm (memory)') clearFactsMemory();
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const workspace = await createWorkspace(patch, { repo: repo.dir, history });
      const findings = await lockCheck.run({ patch, series, workspace, config: defaultConfig() });
      const cpu = process.cpuUsage(c0);
      // CPU time too: on a shared machine the wall clock mostly measures the neighbours.
      console.log(`patch touching 100 functions in 10 files (${label}): ${fmt(ms(t0))} ms wall, ${fmt((cpu.user + cpu.system) / 1000)} ms cpu (this process), ${findings.length} findings`);
    }
    await history.close();
  } finally {
    repo.remove();
    rmSync(cache, { recursive: true, force: true });
  }
}

const t0 = process.hrtime.bigint();
const tree = generateTree(lines);
console.log(`generated ${tree.length} files, ${lines} lines in ${fmt(ms(t0))} ms`);
speed(tree);
const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-lock-bench-'));
const idx = summaries(tree, cacheDir);
rmSync(cacheDir, { recursive: true, force: true });
falsePositives(tree, idx, 'generated correct C');
for (const path of realFiles) falsePositives([{ path, text: readFileSync(path, 'utf8'), functions: [] }], null, path);
await perPatch(tree);
