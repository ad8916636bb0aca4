// "Might sleep", inferred from a whole tree: a function whose body, every time it runs, calls a
// sleeping call of the rules (the seeds: mutex_lock(), an allocation given GFP_KERNEL,
// might_sleep(), a wait, a copy to or from user memory...) or another function of the tree that
// sleeps, sleeps; the chain down to the seed is kept for the note. Built from a lexical pass over
// every C file (sleep-scan.ts), so the whole kernel tree fits in bounded time and memory, and kept
// on disk per tree (a key over the C files' blob ids and the rules), so a review pays it once.
//
// What it will not claim, for precision: a call under a condition, in a loop, after a label or in
// an `#if` of the body (a function that sleeps only for some flags, as with might_sleep_if() or a
// gfp mask passed through, is not sleeping); a call through a function pointer; a helper that
// drops a spinlock it did not take (it may sleep with its caller's lock dropped); a name the tree
// defines more than once unless every definition with a body sleeps (config stubs, arch variants);
// a chain through a function the rules' never-list exempts; chains longer than MAX_CHAIN.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCacheFile } from '../core/cache-file.js';
import { ByteLru } from '../core/byte-lru.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { scanFunctions, type ScanSyntax } from './sleep-scan.js';

/** Bump when the scan or the index change shape, so old cache entries are ignored. */
const INDEX_VERSION = 2;
/** Longest chain from a function down to its sleeping call, the call included. */
export const MAX_CHAIN = 6;
/** Generated files (register tables, firmware) are larger and hold no helpers worth a scan. */
export const MAX_FILE_BYTES = 1 << 20;
/** Parts of a kernel tree that are not kernel code: user-space tools and scripts. */
const NOT_KERNEL = /^(tools|scripts|samples|Documentation|usr)\//;
const C_FILE = /\.(c|h)$/;

/** What the rules say about calls, for the scan: sleeping calls, spinlock drops, exemptions. */
export interface SleepRules {
  /** Rules hash (with anything else that changes the answers), part of every cache key. */
  salt: string;
  syntax: ScanSyntax;
  /** Is this call, with these arguments, a sleeping call by the rules? */
  seed(callee: string, args: string[], path: string): boolean;
  /** +1: the call takes an atomic lock; -1: it drops one (or may); 0: neither. */
  atomicOp(callee: string, args: string[]): number;
  /** Never a sleeping call, whatever its body seems to do (the rules' never-list for atomic locks). */
  exempt(name: string): boolean;
}

/** What one file's functions amount to, for the index. */
interface FileRecord {
  path: string;
  defs: DefRecord[];
}

interface DefRecord {
  name: string;
  line: number;
  /** Visible to other files: not static, or defined in a header. */
  global: boolean;
  /** No calls at all: a stub (`static inline void foo(void) { }` for a config). */
  trivial: boolean;
  /** Drops a spinlock it did not take: may sleep with the caller's lock dropped. */
  drops: boolean;
  /** The first sleeping call (by the rules) made every time it runs. */
  seed?: string;
  /** Other calls made every time it runs, in order, each once. */
  calls: string[];
}

export interface SleepFact {
  /** From the function's callee down to the sleeping call (the last element is a seed). */
  chain: string[];
  path: string;
  line: number;
}

export interface SleepIndexStats {
  files: number;
  functions: number;
  sleeping: number;
  /** Files read and scanned (their directory not found in a cache). */
  scanned: number;
  /** Files skipped: too large, or unreadable. */
  skipped: number;
}

/** A stored index: sleeping functions by name (visible everywhere) and by file (static ones). */
interface Stored {
  version: number;
  key: string;
  stats: SleepIndexStats;
  /** name -> [path, line, ...chain] */
  global: Record<string, [string, number, ...string[]]>;
  /**
   * path -> name -> [line, ...chain]: the static functions of a file that sleep, and those that
   * do not but share a name with a function visible everywhere (empty chain: they hide it there).
   */
  local: Record<string, Record<string, [number, ...string[]]>>;
  /** Functions of the tree defined with a body and not sleeping whose names match one of `patterns` (see nonSleeping()). */
  quiet: [string, string, number][];
}

export class SleepIndex {
  constructor(private stored: Stored) {}

  get key(): string {
    return this.stored.key;
  }

  get stats(): SleepIndexStats {
    return this.stored.stats;
  }

  /** Does a call of `name` made in `path` sleep, and through which chain? Null when not known to. */
  sleeps(name: string, path: string): SleepFact | null {
    const local = this.stored.local[path]?.[name];
    if (local) return local.length > 1 ? { chain: local.slice(1) as string[], path, line: local[0] } : null;
    const g = this.stored.global[name];
    return g ? { chain: g.slice(2) as string[], path: g[0], line: g[1] } : null;
  }

  /** Functions the tree defines with a body that do not sleep, among those whose names the index was asked to keep. */
  nonSleeping(): { fn: string; path: string; line: number }[] {
    return this.stored.quiet.map(([fn, path, line]) => ({ fn, path, line }));
  }
}

/**
 * Scan results per directory (its C files' paths and blob ids, and the rules), in memory and on
 * disk: a new base tree rescans only the directories whose files changed, and a build stopped by a
 * review's deadline resumes where it stopped.
 */
const packs = new ByteLru<string, FileRecord[]>(DEFAULT_LIMITS.cacheBytes);

export function setSleepRecordBudget(bytes: number): void {
  packs.resize(bytes);
}

/** One string per name across records: the tree's calls repeat a few hundred thousand names millions of times. */
let names = new Map<string, string>();
const intern = (s: string): string => {
  const hit = names.get(s);
  if (hit !== undefined) return hit;
  names.set(s, s);
  return s;
};

function recordOf(path: string, text: string, rules: SleepRules): FileRecord {
  const defs: DefRecord[] = [];
  for (const fn of scanFunctions(text, rules.syntax, path.endsWith('.h'))) {
    let held = 0;
    let drops = false;
    let seed: string | undefined;
    const calls: string[] = [];
    const seen = new Set<string>();
    for (const c of fn.calls) {
      const op = rules.atomicOp(c.callee, c.args);
      if (op > 0) held++;
      else if (op < 0) {
        if (held === 0) drops = true;
        else held--;
      }
      if (c.conditional || c.callee === fn.name) continue;
      if (seed === undefined && rules.seed(c.callee, c.args, path)) seed = intern(c.callee);
      else if (!seen.has(c.callee)) {
        seen.add(c.callee);
        calls.push(intern(c.callee));
      }
    }
    // A function that returns a gfp mask computes one (`current_gfp_context(GFP_KERNEL)`): it allocates nothing.
    if (fn.returns && /\bgfp_t\s*$/.test(fn.returns)) seed = undefined;
    const def: DefRecord = { name: intern(fn.name), line: fn.line, global: !fn.isStatic || path.endsWith('.h'), trivial: fn.calls.length === 0, drops: drops || Boolean(fn.returns && /\bgfp_t\s*$/.test(fn.returns)), calls };
    if (seed !== undefined) def.seed = seed;
    defs.push(def);
  }
  return { path, defs };
}

const recordBytes = (r: FileRecord): number => r.defs.reduce((n, d) => n + 96 + d.name.length * 2 + d.calls.reduce((m, c) => m + 16 + c.length * 2, 0), 64);

export interface TreeFiles {
  /** Path -> blob id of every file of the tree. */
  ids: Map<string, string>;
  read(path: string): Promise<string | null>;
}

export interface BuildOptions {
  cacheDir: string | null;
  /** Function names worth listing when they do not sleep (rule patterns): kept in the index as `quiet`. */
  patterns?: RegExp[];
  /** Asked between files: true stops the build (nothing is stored, null is returned). */
  stop?: () => boolean;
}

/** The files of the tree the index reads: kernel C, not user-space tools. */
export function indexedFiles(ids: Map<string, string>): [string, string][] {
  return [...ids].filter(([p]) => C_FILE.test(p) && !NOT_KERNEL.test(p)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The cache key of a tree's index: the C files' paths and blob ids, and the rules. */
export function treeKey(files: [string, string][], salt: string, patterns: RegExp[] = []): string {
  const h = createHash('sha256').update(`${INDEX_VERSION}\0${salt}\0${patterns.map((p) => p.source).join('\0')}\0`);
  for (const [p, id] of files) h.update(`${p}\0${id}\n`);
  return h.digest('hex').slice(0, 40);
}

const loaded = new Map<string, SleepIndex>();
const MAX_LOADED = 2;

function remember(index: SleepIndex): SleepIndex {
  loaded.delete(index.key);
  loaded.set(index.key, index);
  while (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  return index;
}

/** The index of a tree from memory or the disk cache, without building it; null when absent. */
export function cachedSleepIndex(key: string, cacheDir: string | null): SleepIndex | null {
  const hit = loaded.get(key);
  if (hit) return hit;
  if (!cacheDir) return null;
  try {
    const stored = JSON.parse(readFileSync(join(cacheDir, 'sleep-index', `${key}.json`), 'utf8')) as Stored;
    if (stored.version !== INDEX_VERSION || stored.key !== key) return null;
    return remember(new SleepIndex(stored));
  } catch {
    return null;
  }
}

/**
 * The index key last found for a commit (its tree is fixed): a review of a cached tree then need
 * not list the whole tree to compute the key (52,000 C files in a kernel tree).
 */
const byCommit = new Map<string, string>();
const keyOfListing = new WeakMap<Map<string, string>, { salt: string; key: string }>();

/** The index of a commit's tree when it was built or found before (memory or disk), without listing the tree. */
export function sleepIndexOfCommit(commit: string, salt: string, cacheDir: string | null): SleepIndex | null {
  const name = createHash('sha256').update(`${INDEX_VERSION}\0${salt}\0${commit}`).digest('hex').slice(0, 40);
  let key = byCommit.get(name);
  if (key === undefined && cacheDir) {
    try {
      key = readFileSync(join(cacheDir, 'sleep-index', 'commits', name), 'utf8').trim();
    } catch {
      return null;
    }
  }
  return key ? cachedSleepIndex(key, cacheDir) : null;
}

/** Remember which index a commit's tree has. */
export function rememberCommit(commit: string, salt: string, index: SleepIndex, cacheDir: string | null): void {
  const name = createHash('sha256').update(`${INDEX_VERSION}\0${salt}\0${commit}`).digest('hex').slice(0, 40);
  if (byCommit.get(name) === index.key) return;
  byCommit.set(name, index.key);
  if (cacheDir) writeCacheFile(join(cacheDir, 'sleep-index', 'commits', name), index.key);
}

/** The sleeping-call index of a tree: from memory, the disk cache, or built (then stored). */
export async function sleepIndexFor(tree: TreeFiles, rules: SleepRules, opts: BuildOptions): Promise<SleepIndex | null> {
  // The same listing object again (a workspace's cached listing): its key is known.
  const seen = keyOfListing.get(tree.ids);
  const known = seen?.salt === rules.salt ? cachedSleepIndex(seen.key, opts.cacheDir) : null;
  if (known) return known;
  const files = indexedFiles(tree.ids);
  const key = treeKey(files, rules.salt, opts.patterns);
  keyOfListing.set(tree.ids, { salt: rules.salt, key });
  const hit = cachedSleepIndex(key, opts.cacheDir);
  if (hit) return hit;
  const recs: FileRecord[] = [];
  let scanned = 0;
  let skipped = 0;
  const dirs = new Map<string, [string, string][]>();
  for (const f of files) {
    const dir = f[0].slice(0, f[0].lastIndexOf('/') + 1);
    const list = dirs.get(dir);
    if (list) list.push(f);
    else dirs.set(dir, [f]);
  }
  for (const list of dirs.values()) {
    if (opts.stop?.()) return null;
    const dkey = treeKey(list, rules.salt);
    const file = opts.cacheDir ? join(opts.cacheDir, 'sleep-index', 'dirs', dkey.slice(0, 2), `${dkey}.json`) : null;
    let pack = packs.get(dkey) ?? (file ? readPack(file) : null);
    if (!pack) {
      pack = [];
      for (const [path] of list) {
        const text = await tree.read(path);
        if (text === null || text.length > MAX_FILE_BYTES) {
          skipped++;
          continue;
        }
        pack.push(recordOf(path, text, rules));
        scanned++;
      }
      if (file) writeCacheFile(file, JSON.stringify(pack));
    }
    packs.set(dkey, pack, pack.reduce((n, r) => n + recordBytes(r), 0));
    recs.push(...pack);
  }
  // The names met while building are not worth keeping once the index is made.
  names = new Map();
  const stored = propagate(key, recs, rules, opts.patterns ?? []);
  stored.stats.scanned = scanned;
  stored.stats.skipped = skipped;
  if (opts.cacheDir) writeCacheFile(join(opts.cacheDir, 'sleep-index', `${key}.json`), JSON.stringify(stored));
  return remember(new SleepIndex(stored));
}

function readPack(file: string): FileRecord[] | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FileRecord[];
  } catch {
    // Not stored yet, or a torn write of a killed run: scanned again.
    return null;
  }
}


interface Def extends DefRecord {
  path: string;
  chain: string[] | null;
}

/** Which functions sleep: seeds first, then one call further up per round, to MAX_CHAIN. */
function propagate(key: string, recs: FileRecord[], rules: SleepRules, patterns: RegExp[]): Stored {
  const defs: Def[] = [];
  const globals = new Map<string, Def[]>();
  const byFile = new Map<string, Map<string, Def>>();
  const callers = new Map<string, Def[]>();
  for (const r of recs) {
    const mine = new Map<string, Def>();
    byFile.set(r.path, mine);
    for (const d of r.defs) {
      const def: Def = { ...d, path: r.path, chain: null };
      defs.push(def);
      if (!mine.has(d.name)) mine.set(d.name, def);
      if (d.global) {
        const list = globals.get(d.name);
        if (list) list.push(def);
        else globals.set(d.name, [def]);
      }
      for (const c of d.calls) {
        const list = callers.get(c);
        if (list) list.push(def);
        else callers.set(c, [def]);
      }
    }
  }
  const eligible = (d: Def): boolean => !d.drops && !rules.exempt(d.name);
  /** The chain of a name visible everywhere: only when every definition with a body sleeps. */
  const globalChain = (name: string): string[] | null => {
    const list = globals.get(name);
    if (!list) return null;
    let best: string[] | null = null;
    for (const d of list) {
      if (d.trivial) continue;
      if (!d.chain) return null;
      if (!best || d.chain.length < best.length) best = d.chain;
    }
    return best;
  };
  const resolve = (from: Def, name: string): string[] | null => {
    const local = byFile.get(from.path)?.get(name);
    if (local) return local.chain;
    return globalChain(name);
  };
  let fresh: Def[] = [];
  for (const d of defs) {
    if (d.seed !== undefined && eligible(d)) {
      d.chain = [d.seed];
      fresh.push(d);
    }
  }
  for (let len = 2; len <= MAX_CHAIN && fresh.length; len++) {
    const names = new Set(fresh.map((d) => d.name));
    const next: Def[] = [];
    for (const name of names) {
      for (const d of callers.get(name) ?? []) {
        if (d.chain || !eligible(d)) continue;
        for (const c of d.calls) {
          if (rules.exempt(c)) continue;
          const chain = resolve(d, c);
          if (chain && chain.length < len && !chain.some((x) => rules.exempt(x))) {
            d.chain = [c, ...chain];
            next.push(d);
            break;
          }
        }
      }
    }
    fresh = next;
  }
  const stored: Stored = { version: INDEX_VERSION, key, stats: { files: recs.length, functions: defs.length, sleeping: 0, scanned: 0, skipped: 0 }, global: {}, local: {}, quiet: [] };
  for (const [name] of globals) {
    const def = globals.get(name)!.find((d) => d.chain && !d.trivial);
    const chain = globalChain(name);
    if (chain && def) stored.global[name] = [def.path, def.line, ...chain];
  }
  for (const d of defs) {
    if (d.chain) stored.stats.sleeping++;
    if (d.global) continue;
    const shadows = globals.has(d.name);
    if (!d.chain && !shadows) continue;
    (stored.local[d.path] ??= {})[d.name] = [d.line, ...(d.chain ?? [])];
  }
  if (patterns.length) {
    for (const d of defs) if (!d.trivial && !d.chain && patterns.some((p) => p.test(d.name))) stored.quiet.push([d.name, d.path, d.line]);
  }
  return stored;
}
