// Lock check on real kernel code, run by hand:
//   npx tsx bench/kernel-lock-bench.ts [--quick] [--tree DIR] [--labels FILE] [--dirs a,b] [--list] [--show]
//     [--baseline REF [--baseline-dirs a,b]] [--summarise DIR] [--sleep-index DIR] [--review-ms N] [--threads N] [--cache DIR]
//     [--cache-bytes MiB]
// Every C file of fs/, mm/, kernel/, net/core and drivers/block of a real kernel tree (Debian's
// linux-source-6.1) is reviewed as a patch that adds the file, through the lock check's own entry
// point (lockCheck.run, the code `kreview review --repo` runs) with the tree as the base: helper
// summaries come from the file's directory as they would in repository mode. The data is real.
// Prints findings per 1,000 functions by rule, functions/s, unparsed functions by cause (all with --list), and
// every finding not classified in the labels file (bench/kernel-lock-labels.yml); --show prints every
// finding with its label. --baseline REF (the previous release: c965477) then runs REF's bench and
// this tree's, as child processes in this same run, over --baseline-dirs (the --quick subset unless
// given), and prints the ratio of their speeds and finding counts. --summarise DIR times the facts of
// DIR's C files alone, cold (empty cache) and warm (from the disk cache).
// Each review gets --review-ms of CPU (default 10 minutes, not the 30 s of limits.reviewMsPerPatch):
// the first file of a directory summarises it cold (fs/: 2,000 files, about 30 s of CPU), and a
// review stopped at the deadline reports nothing, so with the default limit a file's findings
// depended on which files ran before it in the same process (fs/dcache.c alone: none; after
// fs/d_path.c: d_prune_aliases). Reviews that still stop are counted, and those over the default
// limit are named, so what a review with the default limit would miss is said.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import { lockCheck, summarisedFiles } from '../checks/lock/index.js';
import { loadRules } from '../checks/lock/rules-load.js';
import type { FileImage, Workspace } from '../src/core/check.js';
import { defaultConfig } from '../src/core/config.js';
import { cpuMs, DEFAULT_LIMITS, PatchBudget } from '../src/core/limits.js';
import type { FileDiff, Finding, Patch, Series } from '../src/core/types.js';
import { clearFactsMemory, factsCachedForBlob, factsFor, factsForBlob } from '../src/c/summaries.js';
import { runGit } from '../src/git/run-git.js';
import { compareWithBaseline } from './baseline-run.js';
import { benchFiles, parseDirs } from './kernel-lock-dirs.js';
import { unparsedCause } from './unparsed-causes.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const tree = opt('--tree') ?? '/work/linux/linux-source-6.1';
const labelsFile = opt('--labels') ?? new URL('kernel-lock-labels.yml', import.meta.url).pathname;
const FULL = ['fs', 'mm', 'kernel', 'net/core', 'drivers/block'];
// The quick subset: the lock-heaviest directories, about a tenth of the functions.
const QUICK = ['fs/btrfs', 'fs/iomap', 'mm/filemap.c', 'net/core/dev.c', 'drivers/block/loop.c'];
// An empty entry (a stray comma) is refused: it named the tree's top, every C file of the kernel.
const dirs = parseDirs(opt('--dirs') ?? (quick ? QUICK : FULL).join(','));

/** The base tree is the kernel tree on disk; the patch adds one of its files. */
class TreeWorkspace implements Workspace {
  readonly repo = tree;
  readonly base = { commit: null, source: 'none' as const, label: `tree ${tree}` };
  readonly history = null;
  private listings = new Map<string, string[]>();

  constructor(
    private diff: FileDiff,
    private text: string,
  ) {}

  async files(): Promise<FileDiff[]> {
    return [this.diff];
  }

  async postImage(path: string): Promise<FileImage | null> {
    return path === this.diff.newPath ? { path, text: this.text, complete: true } : null;
  }

  async preImage(): Promise<FileImage | null> {
    return null;
  }

  async readBaseFile(path: string): Promise<string | null> {
    return readTreeFile(path);
  }

  async listBaseFiles(dir: string): Promise<string[]> {
    return listing(dir);
  }

  // A git workspace names the base tree's files by blob id (kreview review --repo keys their facts
  // by it, never hashing an unchanged file again): so does this one when the tree is committed.
  // The whole tree's ids (dir '') key the tree's sleeping-call index.
  readonly baseFileIds = blobIds ? async (dir: string): Promise<Map<string, string>> => (dir ? idsOf(dir) : new Map(blobIds)) : undefined;
}

/** Blob ids of the tree's files when it is a git repository whose files are as committed, else null. */
async function treeBlobIds(): Promise<Map<string, string> | null> {
  const dirty = await runGit(tree, ['status', '--porcelain', '--untracked-files=no']);
  if (dirty.code !== 0 || dirty.stdout.trim() !== '') return null;
  const r = await runGit(tree, ['ls-tree', '-r', '-z', 'HEAD']);
  if (r.code !== 0) return null;
  const ids = new Map<string, string>();
  for (const entry of r.stdout.split('\0')) {
    const m = /^100[0-7]{3} blob ([0-9a-f]{40,64})\t(.*)$/s.exec(entry);
    if (m) ids.set(m[2], m[1]);
  }
  return ids;
}

/** The ids of a directory's files, in the order listBaseFiles gives them (the summaries follow that order). */
function idsOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of listing(dir)) {
    const id = blobIds!.get(p);
    if (id === undefined) throw new Error(`${p}: no blob id in ${tree}'s HEAD (not committed, or not a regular file)`);
    out.set(p, id);
  }
  return out;
}

// The tree does not change during a run: each file is read once (a git workspace reads blobs).
const texts = new Map<string, string | null>();
function readTreeFile(path: string): string | null {
  let text = texts.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(join(tree, path), 'latin1');
    } catch {
      text = null;
    }
    texts.set(path, text);
  }
  return text;
}

const listingCache = new Map<string, string[]>();
function listing(dir: string): string[] {
  let out = listingCache.get(dir);
  if (!out) {
    const abs = join(tree, dir);
    out = (readdirSync(abs, { recursive: true }) as string[]).map((p) => relative(tree, join(abs, p))).filter((p) => /\.(c|h)$/.test(p));
    listingCache.set(dir, out);
  }
  return out;
}

function addFilePatch(path: string, text: string): Patch {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const diff: FileDiff = {
    oldPath: null,
    newPath: path,
    status: 'added',
    binary: false,
    oldBlob: null,
    newBlob: null,
    hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lines.length, section: '', lines: lines.map((t, i) => ({ kind: 'add' as const, text: t, oldLine: null, newLine: i + 1 })) }],
  };
  const prefix = { tags: ['PATCH'], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: `add ${path}` };
  return {
    id: `bench-${path}`, kind: 'mail', source: path, subject: `[PATCH] add ${path}`, prefix, author: { name: 'bench', email: 'bench@localhost' }, date: null,
    message: `add ${path}\n`, trailers: [], notes: '', files: [diff], baseCommit: null, changeId: null, commit: null, parent: null, mail: null, warnings: [],
  };
}

interface Label {
  key: string;
  label: 'true' | 'false' | 'debatable';
  reason: string;
}

function readLabels(): Map<string, Label> {
  let text: string;
  try {
    text = readFileSync(labelsFile, 'utf8');
  } catch {
    return new Map();
  }
  const doc = (parseYaml(text) ?? {}) as { findings?: Label[] };
  return new Map((doc.findings ?? []).map((l) => [l.key, l]));
}

/** Function containing a line: the last one starting at or before it. */
function functionAt(starts: { name: string; line: number }[], line: number): string {
  let name = '(file)';
  for (const f of starts) if (f.line <= line) name = f.name;
  return name;
}

/** What a finding is about, for a key that survives line moves: the call or lock named first. */
function subjectOf(f: Finding): string {
  const m = /^(?:looks like a fix: )?([A-Za-z_]\w*)\(\)/.exec(f.message) ?? /\b(?:on|takes) ([^\s,]+)/.exec(f.message) ?? /^(\S+)/.exec(f.message);
  return m ? m[1] : '';
}

// A worker thread is given the main thread's blob ids and facts cache (see --threads).
const fromMain = isMainThread ? null : (workerData as { part: number; parts: number; cacheDir: string; blobIds: Map<string, string> | null });
const blobIds = fromMain ? fromMain.blobIds : await treeBlobIds();
const rules = loadRules();

/**
 * --summarise DIR: the facts of every C file of DIR (what a patch there summarises), first with an
 * empty cache (cold: every file parsed and walked), then from the disk cache alone (warm: a new
 * process's first patch), each timed in CPU and wall time.
 */
const summariseDir = opt('--summarise');
if (summariseDir) {
  const paths = listing(summariseDir);
  const dir = mkdtempSync(join(tmpdir(), 'kreview-summarise-'));
  const lines = paths.reduce((n, p) => n + (readTreeFile(p) ?? '').split('\n').length, 0);
  const time = (label: string): void => {
    clearFactsMemory();
    const w0 = process.hrtime.bigint();
    const u0 = process.cpuUsage();
    let fns = 0;
    for (const p of paths) fns += factsFor(p, readTreeFile(p) ?? '', rules.model, rules.hash, dir).functions.length;
    const u = process.cpuUsage(u0);
    console.log(`  ${label}: ${((u.user + u.system) / 1e6).toFixed(2)} s cpu, ${(Number(process.hrtime.bigint() - w0) / 1e9).toFixed(2)} s wall (${fns} functions)`);
  };
  console.log(`summarise ${summariseDir} of ${tree} (real data): ${paths.length} C files, ${lines} lines (load average ${loadavg()[0].toFixed(1)})`);
  time('cold, empty cache');
  time('warm, from the disk cache');
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const files = benchFiles(tree, dirs);
const labels = readLabels();
const config = defaultConfig();
config.limits = { ...config.limits, reviewMsPerPatch: Number(opt('--review-ms') ?? 600_000) };
// --cache-bytes MiB: limits.cacheBytes of the run (what a review keeps in memory from one patch to
// the next; DEFAULT_LIMITS otherwise), to measure speed and peak memory against it.
const cacheMiB = opt('--cache-bytes');
if (cacheMiB !== undefined) {
  if (!/^\d+$/.test(cacheMiB) || Number(cacheMiB) < 1) throw new Error(`--cache-bytes ${cacheMiB}: a whole number of MiB`);
  config.limits = { ...config.limits, cacheBytes: Number(cacheMiB) << 20 };
}
clearFactsMemory();
// A fresh facts cache: the run is cold, as a first review of the tree would be. The threads share it.
// --cache DIR keeps the facts cache in DIR and leaves it there: a second run with the same DIR is warm
// (the base tree's facts on disk from an earlier run, as a bot that has reviewed this tree before has them).
const keptCache = opt('--cache');
if (keptCache && !fromMain) mkdirSync(keptCache, { recursive: true });
const cacheDir = fromMain ? fromMain.cacheDir : (keptCache ?? mkdtempSync(join(tmpdir(), 'kreview-kernel-bench-')));
process.env.KREVIEW_CACHE = cacheDir;
// --sleep-index DIR: the tree's sleeping-call index built before (bench/sleep-index-bench.ts --keep DIR),
// so that the reviews measure the check with the index, not the one-time build inside them.
const sleepIndexFrom = opt('--sleep-index');
if (sleepIndexFrom) {
  if (!fromMain) cpSync(join(sleepIndexFrom, 'sleep-index'), join(cacheDir, 'sleep-index'), { recursive: true });
  config.lock.treeSleepIndex = true;
}

let functions = 0;
const byRule = new Map<string, number>();
const bySeverity = new Map<string, number>();
const unparsed: { cause: string; line: string }[] = [];
const unlabelled: string[] = [];
/** Reviews stopped at the deadline (their files' findings are missing), and those past the default limit. */
const stopped: string[] = [];
const overDefault: string[] = [];
const shown: string[] = [];
const seenKeys = new Set<string>();
const verdicts = { true: 0, false: 0, debatable: 0, unlabelled: 0 };
let falseErrorsBtrfs = 0;
/** What the review of one file gave: its functions (where each starts), findings, budget notes and CPU. */
interface FileReview {
  path: string;
  starts: { name: string; line: number }[];
  findings: Finding[];
  /** Per finding, the cause of an unparsed function (unparsed-causes.ts), else ''. */
  causes: string[];
  notes: string[];
  reviewMs: number;
}

async function reviewFile(path: string): Promise<FileReview> {
  const text = readTreeFile(path) ?? '';
  const patch = addFilePatch(path, text);
  const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
  const budget = new PatchBudget(config.limits);
  // The clock the budget reads (cpuMs: read again at most every 5 ms): against a 30-second limit it
  // loses nothing, and two system calls per file were 1.6% of a warm whole-tree run.
  const r0 = cpuMs();
  const findings = await lockCheck.run({ patch, series, workspace: new TreeWorkspace(patch.files[0], text), config, budget });
  const rc = cpuMs() - r0;
  // The facts of this text are in memory already (the check summarised the file): no second parse.
  const starts = factsFor(path, text, rules.model, rules.hash, null).functions.map((f) => ({ name: f.name, line: f.line }));
  const causes = findings.map((f) => (f.id === 'lock/unparsed' && f.location.kind === 'file' ? unparsedCause(text, Number(/\(line (\d+)\)/.exec(f.message)?.[1] ?? f.location.line)) : ''));
  return { path, starts, findings, causes, notes: budget.notes, reviewMs: rc };
}

/**
 * --threads N: the files reviewed on N worker threads of this process, side by side (as `kreview
 * watch --review-threads` reviews series), sharing one facts cache on disk as those threads share
 * KREVIEW_CACHE. The threads take whole directories from one queue, the heaviest first (a
 * directory's weight: its files' bytes and those of every file its patches summarise, its own and
 * the headers they include), each taking the next when done: a directory's work kept between its
 * patches (its facts in memory, the summary layer of its own files, its derived helpers) is then
 * made by one thread. Before taking any, thread i of N makes the facts of the i-th N-th of every
 * file any patch summarises (cold, the threads build them side by side; a file's facts another
 * thread made are read from the cache instead). Dealing file by file had both threads meet every directory, each building
 * that work for itself in shorter runs (12-17 s more CPU than one thread on the whole REAL tree,
 * h/index11); dealing whole directories up front by bytes left one thread working 24 s after the
 * other had finished. A file's facts already in the cache (the other thread made them, as for
 * headers many directories include) are read, not made again. The results are read back in the
 * files' order: the output is the same as with one thread.
 */
const threads = Number(opt('--threads') ?? 1);

/** The files by directory, heaviest directory first, each directory's files in the tree's order. */
function directoryQueue(): string[][] {
  const byDir = new Map<string, { list: string[]; bytes: number }>();
  for (const p of files) {
    const d = dirname(p);
    let g = byDir.get(d);
    if (!g) byDir.set(d, (g = { list: [], bytes: 0 }));
    g.list.push(p);
    g.bytes += readTreeFile(p)?.length ?? 0;
  }
  for (const [d, g] of byDir) for (const p of summarisedFiles(listing(d === '.' ? '' : d), d === '.')) g.bytes += readTreeFile(p)?.length ?? 0;
  return [...byDir.values()].sort((a, b) => b.bytes - a.bytes).map((g) => g.list);
}

/** Share `part` of `parts` of the facts of every file the reviews of `list` summarise (checks/lock/index.ts, summarisedFiles). */
async function warmFacts(list: string[], part: number, parts: number): Promise<void> {
  const paths = [...new Set([...new Set(list.map(dirname))].flatMap((d) => summarisedFiles(listing(d === '.' ? '' : d), d === '.')))];
  for (const p of paths.slice(Math.floor((part * paths.length) / parts), Math.floor(((part + 1) * paths.length) / parts))) {
    const id = blobIds?.get(p);
    // Warm, the cache holds them already: nothing to make (reading them all back was 2% of a warm run).
    if (id && factsCachedForBlob(id, rules.hash, cacheDir)) continue;
    if (id) await factsForBlob(p, id, async () => readTreeFile(p), rules.model, rules.hash, cacheDir);
    else factsFor(p, readTreeFile(p) ?? '', rules.model, rules.hash, cacheDir);
  }
}

type FromWorker = { next: true } | { done: FileReview[] };

async function reviewAll(): Promise<FileReview[]> {
  if (threads <= 1) {
    const out: FileReview[] = [];
    for (const path of files) out.push(await reviewFile(path));
    return out;
  }
  // A thread starts this same script through tsx's loader, which a thread does not inherit.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const script = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const queue = directoryQueue();
  const parts = await Promise.all(
    Array.from(
      { length: Math.min(threads, queue.length) },
      (_, part) =>
        new Promise<FileReview[]>((resolve, reject) => {
          const w = new Worker(script, { eval: true, argv: process.argv.slice(2), workerData: { part, parts: Math.min(threads, queue.length), cacheDir, blobIds } });
          w.on('message', (m: FromWorker) => {
            if ('next' in m) {
              w.postMessage(queue.shift() ?? null);
              return;
            }
            resolve(m.done);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  const byPath = new Map(parts.flat().map((r) => [r.path, r]));
  return files.map((p) => byPath.get(p)!);
}

if (fromMain) {
  await warmFacts(files, fromMain.part, fromMain.parts);
  const out: FileReview[] = [];
  for (;;) {
    const next = new Promise<string[] | null>((resolve) => parentPort!.once('message', resolve));
    parentPort!.postMessage({ next: true } satisfies FromWorker);
    const list = await next;
    if (!list) break;
    for (const path of list) out.push(await reviewFile(path));
  }
  parentPort!.postMessage({ done: out } satisfies FromWorker);
  await new Promise(() => {});
}

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const reviews = await reviewAll();
for (const { path, starts, findings, causes, notes, reviewMs } of reviews) {
  if (reviewMs > DEFAULT_LIMITS.reviewMsPerPatch) overDefault.push(`${path} (${(reviewMs / 1000).toFixed(1)} s)`);
  for (const n of notes) if (n.startsWith('review time limit reached')) stopped.push(`${path}: ${n}`);
  functions += starts.length;
  for (const [i, f] of findings.entries()) {
    if (f.location.kind !== 'file') continue;
    const fn = functionAt(starts, f.location.line);
    if (f.id === 'lock/unparsed') {
      const at = Number(/\(line (\d+)\)/.exec(f.message)?.[1] ?? f.location.line);
      unparsed.push({ cause: causes[i], line: `${path}:${at} ${f.message}` });
      continue;
    }
    byRule.set(f.id, (byRule.get(f.id) ?? 0) + 1);
    bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
    let key = `${path} ${fn} ${f.id} ${subjectOf(f)}`;
    for (let n = 2; seenKeys.has(key); n++) key = `${path} ${fn} ${f.id} ${subjectOf(f)} #${n}`;
    seenKeys.add(key);
    const l = labels.get(key);
    if (argv.includes('--show')) shown.push(`${key} [${l?.label ?? 'unlabelled'}]\n  ${f.severity}/${f.confidence ?? '-'} line ${f.location.line}: ${f.message}\n  path: ${f.basis?.path.join('; ') ?? ''}\n  inferred: ${f.basis?.inferred.join('; ') ?? ''}`);
    if (!l) {
      verdicts.unlabelled++;
      unlabelled.push(`- key: ${key}\n  # ${f.severity}/${f.confidence ?? '-'} line ${f.location.line}: ${f.message}`);
    } else {
      verdicts[l.label]++;
      if (l.label === 'false' && f.severity === 'error' && path.startsWith('fs/btrfs/')) falseErrorsBtrfs++;
    }
  }
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cu = process.cpuUsage(c0);
// Removing the run's facts cache (tens of thousands of files) is the bench's own cleanup, not analysis: outside the timing.
if (!keptCache) rmSync(cacheDir, { recursive: true, force: true });
const cpu = (cu.user + cu.system) / 1e6;
const per1k = (n: number): string => ((n / Math.max(1, functions)) * 1000).toFixed(2);
const total = [...byRule.values()].reduce((a, b) => a + b, 0);

console.log(`real data: ${tree}, ${dirs.join(' ')}${quick ? ' (--quick)' : ''}${keptCache ? `; facts cache kept in ${keptCache}` : '; cold facts cache'}`);
console.log(`${files.length} files, ${functions} functions, reviewed each as a patch adding the file (lockCheck.run, tree as base${blobIds ? ', its files named by blob id as in a git workspace' : ''})`);
if (cacheMiB !== undefined) console.log(`limits.cacheBytes: ${cacheMiB} MiB (--cache-bytes); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
console.log(`speed: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s cpu = ${(functions / wall).toFixed(0)} functions/s wall, ${(functions / cpu).toFixed(0)} per cpu second (load average ${loadavg()[0].toFixed(1)}${threads > 1 ? `; ${threads} threads, the process's cpu` : ''})`);
console.log(`findings: ${total} = ${per1k(total)} per 1,000 functions (${[...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ')})`);
for (const [id, n] of [...byRule].sort((a, b) => b[1] - a[1])) console.log(`  ${id}: ${n} (${per1k(n)} per 1,000)`);
console.log(`labelled: ${verdicts.true} true, ${verdicts.false} false (${per1k(verdicts.false)} false alarms per 1,000 functions), ${verdicts.debatable} debatable, ${verdicts.unlabelled} unlabelled; false errors in fs/btrfs: ${falseErrorsBtrfs}`);
console.log(`reviews stopped at the deadline (--review-ms ${config.limits.reviewMsPerPatch}): ${stopped.length}${stopped.length ? ` (${stopped.join('; ')})` : ''}`);
console.log(`reviews over the default limit (${DEFAULT_LIMITS.reviewMsPerPatch} ms of CPU; kreview review would stop them): ${overDefault.length}${overDefault.length ? ` (${overDefault.join(', ')})` : ''}`);
console.log(`unparsed: ${unparsed.length} functions (${((unparsed.length / Math.max(1, functions)) * 100).toFixed(3)}%)`);
// By cause, biggest first; every function with --list, else a few of each cause.
const causes = new Map<string, string[]>();
for (const u of unparsed) causes.set(u.cause, [...(causes.get(u.cause) ?? []), u.line]);
for (const [cause, list] of [...causes].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${cause}: ${list.length}`);
  for (const l of argv.includes('--list') ? list : list.slice(0, 3)) console.log(`    ${l}`);
}
const stale = [...labels.keys()].filter((k) => !seenKeys.has(k) && dirs.some((d) => k.startsWith(d)));
if (stale.length) console.log(`labels no longer matched by a finding: ${stale.length} (${(argv.includes('--list') ? stale : stale.slice(0, 3)).join('; ')})`);
if (shown.length) console.log(`every finding (--show):\n${shown.join('\n')}`);
if (unlabelled.length) {
  console.log(`unlabelled findings (add to ${relative(process.cwd(), labelsFile)}):`);
  for (const u of argv.includes('--list') ? unlabelled : unlabelled.slice(0, 20)) console.log(u);
}

const baselineRef = opt('--baseline');
if (baselineRef) {
  const bdirs = parseDirs(opt('--baseline-dirs') ?? QUICK.join(','));
  const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  const { current, baseline } = await compareWithBaseline(repo, baselineRef, tree, bdirs);
  const rate = (f: { functions: number; cpu: number }): number => f.functions / Math.max(0.001, f.cpu);
  console.log(`baseline, same run, real data (${bdirs.join(' ')}; each a fresh process, cold facts cache; load average ${loadavg()[0].toFixed(1)}):`);
  for (const f of [baseline, current]) console.log(`  ${f.label}: ${f.functions} functions, ${f.cpu.toFixed(1)} s cpu (${f.wall.toFixed(1)} s wall) = ${rate(f).toFixed(0)} per cpu second; ${f.findings} findings`);
  console.log(`  ratio this tree / ${baselineRef}: speed ${(rate(current) / rate(baseline)).toFixed(2)}x per cpu second, findings ${(current.findings / Math.max(1, baseline.findings)).toFixed(2)}x`);
}
