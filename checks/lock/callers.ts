// Sleeping in the caller's atomic context: a changed function that now makes a call that sleeps
// (directly, by the tree's sleeping-call index, or through helpers of its directory on some path)
// is checked against how the base tree calls it. `git grep -w` finds its callers in its directory;
// each caller is walked, and a spinlock or rcu read section held at the call (or, one level up, at
// the caller's own call site) makes the new call a sleep in atomic context. The note names the
// chain: caller (and the lock it holds) -> changed function -> sleeping call.
//
// What is claimed, for precision: only a call the function's pre-image did not make (a function
// the patch adds has no callers in the tree); only a lock definitely held at the caller's call; not
// when the changed function drops a lock it did not take (it may drop the caller's before it sleeps).
// The callers are the base tree's: the patch may change them too, which the note says. Every such
// finding rests on facts from other functions: a note, medium confidence when the callee sleeps
// every time it runs, low when it sleeps only on some path.
// Bounded: MAX_SITES call sites per name, MAX_WALKS caller functions per file, callers of callers
// one level up; what a caller file's function holds at a call is kept per blob.
import { dirname } from 'node:path';
import type { Workspace } from '../../src/core/check.js';
import type { PatchBudget } from '../../src/core/limits.js';
import type { Finding } from '../../src/core/types.js';
import { parseC } from '../../src/c/parse.js';
import { sliceFunctions } from '../../src/c/slice.js';
import type { SleepIndex } from '../../src/c/sleep-index.js';
import { scanFunctions, splitArgs } from '../../src/c/sleep-scan.js';
import { walkFunction } from '../../src/c/walk.js';
import { runGit } from '../../src/git/run-git.js';
import { ByteLru } from '../../src/core/byte-lru.js';
import { cacheShare } from '../../src/core/cache-shares.js';
import { codeVersion } from '../../src/core/code-version.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { ownCopy } from '../../src/core/name-memo.js';
import type { FunctionAnalysis } from './analyse.js';
import type { LineIndex } from './line-index.js';
import type { RuleMatcher } from './match.js';
import type { LockRule, RuleSet } from './rule-types.js';
import { sleepingRules, sleepRulesOf } from './tree-sleep.js';
import { helperTableBytes, readHelperTable, writeHelperTable, type Helper, type HelperTable } from './helper-table.js';

/** Call sites read per function name (`git grep -w` lines in the directory). */
const MAX_SITES = 40;
/** Caller functions walked per touched file. */
const MAX_WALKS = 40;
/** Depth of the may-sleep search through the directory's own helpers. */
const MAY_DEPTH = 2;
/** Files of a directory scanned for its helpers' bodies. */
const MAX_DIR_FILES = 400;

const CALL = /\b([A-Za-z_]\w*)\s*\(/g;
const NOT_CALLS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', 'defined']);

/** A line without its comment. */
const code = (text: string): string => (/^\s*(\*|\/\*|\/\/)/.test(text) ? '' : text.replace(/\/\*.*?(\*\/|$)|\/\/.*$/g, ''));

interface SeenCall {
  callee: string;
  args: string[];
  line: number;
}

/** Direct calls written in lines [from, to] of `text` (1-based), with their arguments; not through pointers. */
function callsIn(text: string, from: number, to: number): SeenCall[] {
  const lines = text.split('\n').slice(from - 1, to).map(code);
  const joined = lines.join('\n');
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; i++) {
    starts.push(at);
    at += lines[i].length + 1;
  }
  const lineAt = (pos: number): number => {
    let lo = 0;
    while (lo + 1 < starts.length && starts[lo + 1] <= pos) lo++;
    return from + lo;
  };
  const out: SeenCall[] = [];
  for (const m of joined.matchAll(CALL)) {
    const name = m[1];
    const before = joined.slice(Math.max(0, m.index - 2), m.index);
    if (NOT_CALLS.has(name) || /(->|\.)\s*$/.test(before) || /^[A-Z0-9_]+$/.test(name)) continue;
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let close = -1;
    for (let i = open; i < Math.min(joined.length, open + 2000); i++) {
      if (joined[i] === '(') depth++;
      else if (joined[i] === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    out.push({ callee: name, args: close > 0 ? splitArgs(joined.slice(open + 1, close)) : [], line: lineAt(m.index) });
  }
  return out;
}

/** Why a call sleeps: the chain from the callee down to the sleeping call, and whether it sleeps every time. */
interface Sleeper {
  chain: string[];
  always: boolean;
}

interface HeldThere {
  key: string;
  kind: string;
  line: number;
  via: string;
  context: boolean;
}

interface Site {
  path: string;
  line: number;
}

/** A caller's call site, and what it holds there that a sleep must not happen under. */
interface Held {
  caller: string;
  site: Site;
  key: string;
  kind: string;
  lockLine: number;
  via: string;
  /** A context (an rcu read section), not a lock on an object. */
  context: boolean;
  /** The caller's own caller, when the lock is held one level up. */
  outer?: { caller: string; site: Site };
}

/**
 * Per blob (or path and text length) and line: the enclosing function's name and what it holds at a
 * call of `callee`. Bounded in bytes (its share of limits.cacheBytes), and its strings are copies of
 * their own: a function name or lock key cut from a caller's text is a V8 slice that keeps the
 * whole function's text alive, one per caller file version over a range.
 */
const heldMemo = new ByteLru<string, { fn: string; held: HeldThere[] } | null>(cacheShare('callerSites', DEFAULT_LIMITS.cacheBytes), 20_000);
/**
 * Per blob id, path and rules: the helpers a base file defines. Bounded in bytes (its share of
 * limits.cacheBytes): a range review meets the same directory at every commit with one file
 * changed, and only that file is read and scanned again.
 */
const fileScans = new ByteLru<string, Helper[]>(cacheShare('callerScans', DEFAULT_LIMITS.cacheBytes));
/**
 * Per directory listing key: the scanned helpers of the directory (the objects fileScans holds, or
 * read back from disk). A few only, each rebuilt from fileScans, and within their own share of
 * limits.cacheBytes: a kernel directory's table is megabytes (fs/btrfs: 6.9 MB counted).
 */
const dirMemo = new ByteLru<string, HelperTable>(cacheShare('callerDirs', DEFAULT_LIMITS.cacheBytes), 4);
/** What the helpers kept on disk depend on besides the listing and the rules: this module's code and the scanner's. */
const SCAN_CODE = ['./callers', './helper-table', '../../src/c/sleep-scan'];

/** Forget what this process scanned and walked (a new process's state: for tests and benches). */
export function forgetCallerScans(): void {
  heldMemo.clear();
  fileScans.clear();
  dirMemo.clear();
}

/** Entries and counted bytes of the callers check's caches (for tests and bench/range-memory.ts). */
export function callerCachesKept(): { scans: { count: number; bytes: number }; dirs: { count: number; bytes: number }; sites: { count: number; bytes: number } } {
  const of = (c: ByteLru<string, unknown>) => ({ count: c.size, bytes: c.bytes });
  return { scans: of(fileScans), dirs: of(dirMemo), sites: of(heldMemo) };
}

/** About what a file's scanned helpers hold on the heap. */
function scanBytes(fns: Helper[]): number {
  let n = 64;
  for (const f of fns) {
    n += 120 + 2 * (f.name.length + (f.returns?.length ?? 0));
    for (const c of f.calls) {
      n += 96 + 2 * c.callee.length;
      for (const a of c.args) n += 32 + 2 * a.length;
    }
  }
  return n;
}

/** The last field of a lock expression: `cl_lock` for `clp->cl_lock`. */
const fieldOf = (key: string): string => key.split(/->|\./).pop() ?? key;

/** About what a directory's table holds: a scanned one counted whole (its helpers outlive their scans when fileScans drops them). */
function tableBytes(key: string, table: HelperTable): number {
  return 64 + 2 * key.length + (table instanceof Map ? scanBytes([...table.values()]) + 48 * table.size : helperTableBytes(table));
}

/** A call site's answer to keep: strings apart from the caller's text, and about what it holds. */
function ownSite(key: string, at: { fn: string; held: HeldThere[] } | null): { value: { fn: string; held: HeldThere[] } | null; bytes: number } {
  let bytes = 96 + 2 * key.length;
  if (!at) return { value: null, bytes };
  const held = at.held.map((h) => ({ key: ownCopy(h.key), kind: ownCopy(h.kind), line: h.line, via: ownCopy(h.via), context: h.context }));
  bytes += 64 + 2 * at.fn.length;
  for (const h of held) bytes += 120 + 2 * (h.key.length + h.kind.length + h.via.length);
  return { value: { fn: ownCopy(at.fn), held }, bytes };
}

export interface CallerContext {
  ws: Workspace;
  rules: RuleSet;
  matcher: RuleMatcher;
  sleeps: SleepIndex | null;
  budget: PatchBudget;
  /** Paths the patch touches: a caller there may be changed by the patch itself. */
  touched: Set<string>;
  /** Where a directory's scanned helpers are kept for the next process (helper-table.ts); null: not kept. */
  cacheDir?: string | null;
}

export interface CallerFile {
  path: string;
  added: LineIndex;
  postText: string;
  preText: string | null;
  after: FunctionAnalysis[];
  before: FunctionAnalysis[];
}

export class CallerCheck {
  private walks = 0;
  private readonly rules: LockRule[];
  private readonly seed: (callee: string, args: string[], path: string) => boolean;

  constructor(private ctx: CallerContext) {
    fileScans.resize(cacheShare('callerScans', ctx.budget.limits.cacheBytes));
    dirMemo.resize(cacheShare('callerDirs', ctx.budget.limits.cacheBytes));
    heldMemo.resize(cacheShare('callerSites', ctx.budget.limits.cacheBytes));
    this.rules = sleepingRules(ctx.rules);
    this.seed = sleepRulesOf(ctx.rules, ctx.matcher).seed;
  }

  /** Findings for one touched file. */
  async findings(f: CallerFile): Promise<Finding[]> {
    const commit = this.ctx.ws.base.commit;
    if (!this.ctx.ws.repo || !commit || f.preText === null || this.rules.length === 0) return [];
    this.walks = 0;
    const out: Finding[] = [];
    for (const fn of f.after) {
      if (this.ctx.budget.expired()) break;
      if (fn.errorLines.length) continue;
      const old = f.before.find((b) => b.name === fn.name);
      if (!old) continue;
      const oldCalls = callsIn(f.preText, old.startLine + 1, old.endLine).filter((c) => c.callee !== fn.name);
      const had = new Set(oldCalls.map((c) => c.callee));
      const fresh = callsIn(f.postText, fn.startLine + 1, fn.endLine).filter((c) => !had.has(c.callee) && c.callee !== fn.name);
      if (fresh.length === 0) continue;
      // A function that could sleep before the patch (a helper inlined, a call moved) is not newly sleeping.
      let slept = false;
      for (const c of oldCalls) if (!slept && (await this.sleeper(c, f.path))) slept = true;
      if (slept) continue;
      let found: { call: SeenCall; sleeper: Sleeper } | null = null;
      for (const call of fresh) {
        const sleeper = await this.sleeper(call, f.path);
        if (sleeper && (!found || (sleeper.always && !found.sleeper.always))) found = { call, sleeper };
        if (found?.sleeper.always) break;
      }
      if (!found) continue;
      const isStatic = /^\s*static\b/.test(f.postText.split('\n').slice(Math.max(0, fn.startLine - 3), fn.startLine).join(' '));
      const held = await this.heldByCallers(fn.name, f.path, isStatic, found.call.callee, commit, 1);
      // A function that drops a lock like the caller's, with no acquire seen, may drop the caller's own before it sleeps.
      if (!held || fn.unmatched.some((u) => u.kind === held.kind && (u.context ? held.context : fieldOf(u.key) === fieldOf(held.key)))) continue;
      out.push(this.finding(f, fn, found.call, found.sleeper, held));
    }
    return out;
  }

  /** Does this call sleep: a sleeping call of the rules, a function the tree's index says sleeps, or a helper of the directory that reaches one. */
  private async sleeper(call: SeenCall, path: string): Promise<Sleeper | null> {
    if (this.seed(call.callee, call.args, path)) return { chain: [call.callee], always: true };
    const fact = this.ctx.sleeps?.sleeps(call.callee, path);
    if (fact) return { chain: [call.callee, ...fact.chain], always: true };
    return this.maySleep(call.callee, path, MAY_DEPTH, new Set());
  }

  /** Per directory, for this check's base: maySleep asks at every helper it follows (12,810 times over 300 btrfs-progs commits). */
  private readonly dirs = new Map<string, Promise<HelperTable>>();

  private helpers(dir: string): Promise<HelperTable> {
    let h = this.dirs.get(dir);
    if (!h) this.dirs.set(dir, (h = this.dirHelpers(dir)));
    return h;
  }

  /** The directory's helpers by name (the base tree's, scanned lexically), kept per listing, in memory and on disk. */
  private async dirHelpers(dir: string): Promise<HelperTable> {
    const ids = this.ctx.ws.baseFileIds ? await this.ctx.ws.baseFileIds(dir) : null;
    const key = ids ? [...ids].filter(([p]) => /\.c$/.test(p) && dirname(p) === dir).map(([p, id]) => `${p}@${id}`).join(',') : `${this.ctx.ws.base.commit}:${dir}`;
    const hit = dirMemo.get(key);
    if (hit) return hit;
    // Only a listing by blob ids names its content; the code that scans is part of the key.
    const code = ids && this.ctx.cacheDir ? codeVersion(import.meta.url, SCAN_CODE) : null;
    const diskKey = code ? `${code}|${this.ctx.rules.hash}|${MAX_DIR_FILES}|${dir}|${key}` : null;
    const stored = diskKey ? readHelperTable(this.ctx.cacheDir!, diskKey) : null;
    if (stored) return this.keep(key, stored);
    const out = new Map<string, Helper>();
    const paths = ids ? [...ids.keys()] : await this.ctx.ws.listBaseFiles(dir);
    const syntax = sleepRulesOf(this.ctx.rules, this.ctx.matcher).syntax;
    for (const p of paths.filter((x) => /\.c$/.test(x) && dirname(x) === dir).slice(0, MAX_DIR_FILES)) {
      // A blob scanned before (at an earlier commit of a range) is neither read nor scanned again.
      const fileKey = ids ? `${ids.get(p)}|${p}|${this.ctx.rules.hash}` : null;
      let fns = fileKey === null ? undefined : fileScans.get(fileKey);
      if (!fns) {
        const text = await this.ctx.ws.readBaseFile(p);
        if (text === null) continue;
        fns = scanFunctions(text, syntax).flatMap((s) => (s.macro ? [] : [{ ...s, path: p }]));
        // Counted with the text: names cut from it may keep it alive.
        if (fileKey !== null) fileScans.set(ownCopy(fileKey), fns, scanBytes(fns) + text.length);
      }
      for (const s of fns) if (!out.has(s.name)) out.set(s.name, s);
    }
    if (diskKey && !this.ctx.budget.expired()) writeHelperTable(this.ctx.cacheDir!, diskKey, out);
    return this.keep(key, out);
  }

  private keep(key: string, table: HelperTable): HelperTable {
    dirMemo.set(ownCopy(key), table, tableBytes(key, table));
    return table;
  }

  /**
   * A helper of the directory that makes, on some path, a sleeping call (or calls a function the
   * index says sleeps), `depth` helpers deep: the chain from the helper down, and whether every
   * call of it is made every time (then the helper sleeps every time it runs).
   */
  private async maySleep(name: string, path: string, depth: number, seen: Set<string>): Promise<Sleeper | null> {
    if (depth <= 0 || seen.has(name)) return null;
    seen.add(name);
    const def = (await this.helpers(dirname(path))).get(name);
    if (!def || (def.isStatic && def.path !== path)) return null;
    let best: Sleeper | null = null;
    const better = (s: Sleeper): boolean => !best || (s.always && !best.always);
    for (const c of def.calls) {
      const fact = this.seed(c.callee, c.args, def.path) ? [] : this.ctx.sleeps?.sleeps(c.callee, def.path)?.chain;
      if (!fact) continue;
      const s = { chain: [name, c.callee, ...fact], always: !c.conditional };
      if (better(s)) best = s;
    }
    if (best?.always) return best;
    for (const c of def.calls) {
      const deeper = await this.maySleep(c.callee, def.path, depth - 1, seen);
      const s = deeper && { chain: [name, ...deeper.chain], always: deeper.always && !c.conditional };
      if (s && better(s)) best = s;
      if (best?.always) break;
    }
    return best;
  }

  /** Call sites of `name` in the directory of `path` (a static function: in its file only), by git grep. */
  private async sites(name: string, path: string, isStatic: boolean, commit: string): Promise<Site[]> {
    const dir = dirname(path);
    // A directory as pathspec is read recursively (fs/ would be all of fs/): the glob keeps git to its own .c files.
    const only = isStatic ? `:(literal)${path}` : `:(glob)${dir.replace(/[*?[\]\\]/g, '\\$&')}/*.c`;
    const r = await runGit(this.ctx.ws.repo!, ['grep', '-n', '-w', '-F', '-e', name, commit, '--', only], { timeoutMs: 30_000, maxBuffer: 4 << 20 });
    if (r.code !== 0) return [];
    const out: Site[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^[^:]+:([^:]+):(\d+):(.*)$/.exec(line);
      if (!m || !/\.c$/.test(m[1]) || dirname(m[1]) !== dir) continue;
      // A call, not the definition, a prototype or a mention in a comment.
      if (!new RegExp(`\\b${name}\\s*\\(`).test(code(m[3])) || /^[A-Za-z_]/.test(m[3])) continue;
      out.push({ path: m[1], line: Number(m[2]) });
      if (out.length >= MAX_SITES) break;
    }
    return out;
  }

  /** What the function around a call site holds at its call of `name`, from the base tree. */
  private async heldAt(site: Site, name: string): Promise<{ fn: string; held: HeldThere[] } | null> {
    const id = this.ctx.ws.baseFileId ? await this.ctx.ws.baseFileId(site.path) : null;
    // Known by its blob id, a caller file is read only when its answer is not kept.
    let text = id ? null : await this.ctx.ws.readBaseFile(site.path);
    if (!id && text === null) return null;
    const key = `${id?.oid ?? `${site.path}#${text!.length}`}|${site.line}|${name}|${this.ctx.rules.hash}`;
    const hit = heldMemo.get(key);
    if (hit !== undefined) return hit;
    text ??= await this.ctx.ws.readBaseFile(site.path);
    if (text === null) return null;
    this.walks++;
    const sliced = sliceFunctions(text, [site.line]);
    const file = parseC(sliced ?? text, this.ctx.rules.model.syntax);
    const fn = file.functions.find((x) => site.line >= x.startLine && site.line <= x.endLine && x.errorLines.length === 0);
    // Only a lock held on every path to the call is evidence.
    const ev = fn && walkFunction(fn, this.ctx.rules.model).calls.find((c) => c.callee === name && c.line === site.line && !c.indirect);
    const held = (ev?.held ?? []).filter((h) => h.status === 'held' && h.definite).map((h) => ({ key: h.key, kind: h.kind, line: h.line, via: h.via, context: h.context === true }));
    const kept = ownSite(key, fn ? { fn: fn.name, held } : null);
    // The key too: `name` may be cut from the changed file's text, and a key built from it holds it.
    heldMemo.set(ownCopy(key), kept.value, kept.bytes);
    return kept.value;
  }

  /** An atomic lock a caller holds at its call of `name`, up to `levels` callers up. */
  private async heldByCallers(name: string, path: string, isStatic: boolean, sleeping: string, commit: string, levels: number): Promise<Held | null> {
    const ups: { caller: string; site: Site }[] = [];
    for (const site of await this.sites(name, path, isStatic, commit)) {
      if (this.walks >= MAX_WALKS || this.ctx.budget.expired()) return null;
      const at = await this.heldAt(site, name);
      if (!at || at.fn === name) continue;
      const lock = at.held.find((h) => this.rules.some((r) => r.held.includes(h.kind) && this.ctx.matcher.applies(r, path)) && !this.ctx.matcher.never(h.kind, sleeping, []) && !this.ctx.matcher.never(h.kind, name, []));
      if (lock) return { caller: at.fn, site, key: lock.key, kind: lock.kind, lockLine: lock.line, via: lock.via, context: lock.context };
      if (at.held.length === 0) ups.push({ caller: at.fn, site });
    }
    if (levels <= 0) return null;
    for (const up of ups) {
      const text = await this.ctx.ws.readBaseFile(up.site.path);
      const head = text?.split('\n').slice(0, up.site.line).reverse().find((l) => new RegExp(`\\b${up.caller}\\s*\\(`).test(l) && /^[A-Za-z_]/.test(l));
      const upStatic = head !== undefined && /^static\b/.test(head);
      const outer = await this.heldByCallers(up.caller, up.site.path, upStatic, sleeping, commit, levels - 1);
      if (outer) return { ...outer, outer: { caller: up.caller, site: up.site } };
    }
    return null;
  }

  private finding(f: CallerFile, fn: FunctionAnalysis, call: SeenCall, sleeper: Sleeper, held: Held): Finding {
    const label = this.ctx.rules.model.kinds.get(held.kind)?.label ?? `${held.kind} lock`;
    const under = held.context ? `inside ${held.via}()` : `with the ${label} on ${held.key} held`;
    const inner = held.outer ? `${held.outer.caller}()` : null;
    const chain = [held.caller, ...(held.outer ? [held.outer.caller] : []), fn.name, ...sleeper.chain].join(' -> ');
    const changedCaller = this.ctx.touched.has(held.site.path) || (held.outer !== undefined && this.ctx.touched.has(held.outer.site.path));
    const line = f.added.has(call.line) ? call.line : (f.added.firstIn(fn.startLine, fn.endLine) ?? call.line);
    const how = sleeper.always ? 'which sleeps' : 'which may sleep';
    const through = sleeper.chain.length > 1 ? ` (${sleeper.chain.join(' -> ')})` : '';
    return {
      id: `lock/${this.rules[0].id}`,
      severity: 'note',
      confidence: sleeper.always && !changedCaller ? 'medium' : 'low',
      message: `${fn.name}() now calls ${call.callee}(), ${how}${through}, and ${held.caller}() calls ${inner ? `${inner}, which calls ${fn.name}() (${held.outer!.site.path}:${held.outer!.site.line}),` : `${fn.name}()`} ${under}.`,
      explanation: `The tree calls ${fn.name}() in atomic context (${chain}): ${held.via}() ${held.context ? 'opens the section' : `takes the ${label}`} at ${held.site.path}:${held.lockLine}. Sleeping there is a bug (might_sleep() warns, and a spinlock holder that schedules can deadlock). Can the sleeping call move out of ${fn.name}() to where its callers have dropped the lock?${changedCaller ? ' The caller is in a file this patch changes, and was read as the tree has it.' : ''}`,
      location: { kind: 'file', path: f.path, line },
      related: [{ location: { kind: 'file', path: held.site.path, line: held.site.line }, label: `${held.caller}() calls ${inner ? held.outer!.caller : fn.name}() here ${under}` }],
      basis: {
        path: [`${fn.name}() calls ${call.callee}() at line ${call.line}; before the patch it did not`],
        inferred: [
          `${call.callee}() ${sleeper.always ? 'sleeps every time it runs' : 'sleeps on some path'}: ${sleeper.chain.join(' -> ')}`,
          `${held.caller}() calls it ${under} (${held.site.path}:${held.site.line}), in the base tree`,
        ],
        unknown: [changedCaller ? 'whether this patch changes how that caller calls it' : 'whether the patch series changes the callers elsewhere'],
      },
    };
  }
}
