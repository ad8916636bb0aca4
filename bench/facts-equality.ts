// The facts of every C file (collectFacts: parse + walk) made by this tree and by another revision,
// compared file by file: a change to the parse, the copy of the trees or the walk that is meant to
// be faster only must give the same facts. Also times the two, alternating file by file in this
// one process (CPU seconds of each side, summed), so that their ratio is measured under the same load.
//
//   npx tsx bench/facts-equality.ts [--tree DIR] [--dirs a,b] [--baseline REF | --baseline-root DIR] [--limit N]
//
// --baseline REF (default bd61dc8) exports and builds REF (bench/baseline-run.ts, builtRevision);
// --baseline-root DIR uses a revision built before. This tree's side runs from its dist/ as well
// (run `npm run build` first): both sides compiled, neither through tsx.
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { builtRevision } from './baseline-run.js';
import { parseDirs } from './kernel-lock-dirs.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const tree = opt('--tree') ?? '/work/linux/linux-source-6.1';
const dirs = parseDirs(opt('--dirs') ?? 'fs,mm,kernel,net/core,drivers/block');
const limit = Number(opt('--limit') ?? Infinity);
const here = new URL('..', import.meta.url).pathname;

interface Side {
  label: string;
  collect: (path: string, text: string) => unknown;
  cpu: number;
}

async function side(label: string, root: string): Promise<Side> {
  const imp = (p: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(root, 'dist', p)).href) as Promise<Record<string, unknown>>;
  const { loadRules } = (await imp('checks/lock/rules-load.js')) as { loadRules: () => { model: unknown } };
  const { collectFacts } = (await imp('src/c/facts.js')) as { collectFacts: (p: string, t: string, m: unknown) => unknown };
  const model = loadRules().model;
  return { label, collect: (p, t) => collectFacts(p, t, model), cpu: 0 };
}

function files(): string[] {
  const out = new Set<string>();
  for (const rel of dirs) {
    const abs = join(tree, rel);
    if (statSync(abs).isFile()) out.add(rel);
    else for (const p of (readdirSync(abs, { recursive: true }) as string[]).filter((p) => /\.[ch]$/.test(p)).sort()) out.add(join(rel, p));
  }
  return [...out].slice(0, limit);
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function timed(s: Side, path: string, text: string): string {
  const t0 = cpuNow();
  // Compared as JSON, as the facts are kept (summaries.ts): what a reader of the cache would see.
  const json = JSON.stringify(s.collect(path, text));
  s.cpu += cpuNow() - t0;
  return json;
}

let scratch: string | null = null;
let baseRoot = opt('--baseline-root');
const ref = opt('--baseline') ?? 'bd61dc8';
if (!baseRoot) {
  scratch = mkdtempSync(join(tmpdir(), 'kreview-facts-eq-'));
  baseRoot = await builtRevision(here, ref, scratch);
}
try {
  const current = await side('this tree', here);
  const baseline = await side(opt('--baseline-root') ?? ref, baseRoot);
  const list = files();
  let same = 0;
  let functions = 0;
  const differ: string[] = [];
  for (const [i, path] of list.entries()) {
    const text = readFileSync(join(tree, path), 'latin1');
    // Alternating which side goes first: neither always finds the other's garbage to collect.
    const [a, b] = i % 2 === 0 ? [current, baseline] : [baseline, current];
    const ja = timed(a, path, text);
    const jb = timed(b, path, text);
    if (ja === jb || isDeepStrictEqual(JSON.parse(ja), JSON.parse(jb))) same++;
    else differ.push(path);
    functions += (JSON.parse(ja) as { functions: unknown[] }).functions.length;
  }
  console.log(`facts of ${list.length} files of ${tree} (real data: ${dirs.join(' ')}), ${functions} functions; load average ${loadavg()[0].toFixed(1)}`);
  console.log(`  identical: ${same}, different: ${differ.length}${differ.length ? ` (${differ.slice(0, 10).join(' ')})` : ''}`);
  console.log(`  cpu: this tree ${current.cpu.toFixed(2)} s, ${baseline.label} ${baseline.cpu.toFixed(2)} s = ${(baseline.cpu / current.cpu).toFixed(2)}x the speed (${(functions / current.cpu).toFixed(0)} vs ${(functions / baseline.cpu).toFixed(0)} functions per cpu second)`);
  process.exitCode = differ.length ? 1 : 0;
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
