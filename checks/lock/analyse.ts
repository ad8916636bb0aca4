// Runs the walk over the functions of one file image that the patch touches and turns the events
// into issues (rule hits, order inversions, unbalanced locks), each with a key to compare images by.
import { mentionsPrimitive, type LockModel } from '../../src/c/lock-model.js';
import { ANY_KIND } from '../../src/c/contracts.js';
import type { Held } from '../../src/c/lock-state.js';
import { lockOwner } from '../../src/c/facts.js';
import { maskMacros, parseC, type CFile, type CFunction } from '../../src/c/parse.js';
import { rowFinder } from '../../src/c/ast.js';
import { hunkFunctions, keepLines, sliceFunctions, WRAPPER_PREFIX } from '../../src/c/slice.js';
import type { SleepIndex } from '../../src/c/sleep-index.js';
import type { SummaryIndex, TreeEdge } from '../../src/c/summaries.js';
import { lockClass, normaliseLockExpr, sameUnderHeldWins, walkFunction, type WalkResult } from '../../src/c/walk.js';
import { assertedEntry } from './asserted-entry.js';
import { callName } from './explain.js';
import type { Hit, RuleMatcher } from './match.js';
import { INNERMOST, type DocumentedOrder, type LockRule, type RuleSet } from './rule-types.js';

export interface Issue {
  /** Same problem, same key, in the pre-image and the post-image. */
  key: string;
  rule: LockRule;
  fn: string;
  /** The line the problem shows at (the call, the second acquire, the leaking return). */
  line: number;
  /** Where the lock involved was taken. */
  lockLine: number;
  lock: Held;
  hit?: Hit;
  /** For an inversion: where the tree (or the documentation) has the opposite order. */
  reverse?: { tree?: TreeEdge; documented?: DocumentedOrder; from: string; to: string };
  /**
   * For an unbalanced lock: leaked on a return, released twice, or (a lock taken above the lines
   * seen) kept on a path that leaves them (`path`).
   */
  leak?: 'return' | 'double' | 'path';
  /** For a `path` leak: where the path leaves (`return err`, `goto out`, `gap`) and what says the lock should be dropped there. */
  leaves?: { sig: string; at: string; line: number; evidence: 'same-image' | 'other-image' | null };
}

/** A lock a function releases with no acquire in sight: taken above the lines seen, or by the caller. */
export interface AboveLock {
  kind: string;
  key: string;
  cls: string;
  /** The release that says so. */
  line: number;
  via: string;
  /** A context with one identity everywhere (rcu, irq): its release names no lock (`rcu_read_unlock()`). */
  context?: boolean;
  /**
   * Unseen lines lie between the function's first seen line and the release, and no jump from
   * above them reaches a label above the release: the lock may have been taken in those lines.
   */
  belowGap?: boolean;
}

export interface FunctionAnalysis {
  name: string;
  /** What to match the other image's analysis by: the name, or the name and hunk in hunk-only mode. */
  key: string;
  startLine: number;
  endLine: number;
  /** Lines tree-sitter could not parse; the function was not analysed. */
  errorLines: number[];
  issues: Issue[];
  /** The walk covered only a hunk and its context. */
  hunkOnly: boolean;
  /** Locks released with no acquire in sight (see AboveLock). */
  unmatched: AboveLock[];
  /** `kind|key|sig` of the places a lock from above leaves the seen code released (or released on some paths). */
  releasedAt: string[];
}

export interface ImageInput {
  path: string;
  text: string;
  complete: boolean;
  /** Lines (of this image) whose functions are wanted. */
  lines: number[];
  /** Hunk ranges in this image, for hunk-only mode: first line, line count, the @@ section. */
  hunks: { start: number; count: number; section: string }[];
  /**
   * Per function key: locks taken above what either image shows, from the releases of both images
   * (checkFile). Only given where the function is in both images: a patch's change is judged against
   * the same assumption on both sides.
   */
  assumed?: Map<string, AboveLock[]>;
  /** Lines both images share (the hunks' context), by an id the same in both: `c<old line>`. */
  lineIds?: ReadonlyMap<number, string>;
  /** The functions a parse of the whole of `text` finds (its facts): then only those holding a wanted line are parsed. */
  outline?: FunctionOutline[];
}

export interface FunctionOutline {
  name: string;
  /** First and last line of the definition. */
  line: number;
  endLine: number;
  /** The whole parse had errors in it. */
  partial: boolean;
}

export interface AnalyseContext {
  rules: RuleSet;
  model: LockModel;
  matcher: RuleMatcher;
  summaries: SummaryIndex | null;
  /** The base tree's sleeping functions (repository mode, checks/lock/tree-sleep.ts). */
  sleeps?: SleepIndex | null;
  /** The patch's review deadline: asked between functions; past it the rest is not walked. */
  expired?: () => boolean;
}

/** `.writepage = foo,` members of operation tables in the file: foo -> writepage. */
function callbackMembers(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/\.\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*[,}\n]/g)) {
    const list = out.get(m[2]) ?? [];
    list.push(m[1]);
    out.set(m[2], list);
  }
  return out;
}

/** Does an entry rule apply to a function of this name (by its name, or as a callback of an operation table)? */
function entryNamed(name: string, members: Map<string, string[]>, ctx: AnalyseContext): boolean {
  return ctx.rules.entry.some((e) => e.names.some((re) => re.test(name)) || (members.get(name) ?? []).some((m) => e.callbacks.includes(m)));
}

function entryState(fn: CFunction, members: Map<string, string[]>, ctx: AnalyseContext): Held[] {
  const out: Held[] = [];
  for (const e of ctx.rules.entry) {
    const named = e.names.some((re) => re.test(fn.name));
    const callback = (members.get(fn.name) ?? []).find((m) => e.callbacks.includes(m));
    if (!named && !callback) continue;
    const key = e.key ?? fn.params.find((p) => e.param?.test(p.text))?.name;
    if (!key) continue;
    const kind = ctx.model.kinds.get(e.holds);
    const origin = e.why ?? (callback ? `a ->${callback} callback, called with it held` : 'name: the function name says it is called with it held');
    out.push({ key, kind: e.holds, cls: lockClass(e.holds, key, kind?.sameClass ?? false, undefined, ctx.model.syntax.genericFields), line: fn.startLine, via: 'entry', status: 'held', definite: true, entry: true, origin });
  }
  return out;
}

/** Locks named by __must_hold()/__releases(): their kind is the kind of the primitive that drops them. */
function annotatedEntry(fn: CFunction, first: WalkResult, ctx: AnalyseContext): Held[] {
  const out: Held[] = [];
  for (const a of fn.annotations) {
    if (a.kind === 'acquires') continue;
    const key = normaliseLockExpr(a.expr, ctx.model.syntax.unwrap);
    // A release by a contract that does not tell the kind (ANY_KIND) says nothing of it: another one may.
    const rels = first.releases.filter((r) => r.key === key && !r.matched);
    const rel = rels.find((r) => r.kind !== ANY_KIND) ?? rels[0];
    if (rel?.kind === ANY_KIND) continue;
    if (!rel) continue;
    const kind = ctx.model.kinds.get(rel.kind);
    out.push({ key, kind: rel.kind, cls: lockClass(rel.kind, key, kind?.sameClass ?? false, undefined, ctx.model.syntax.genericFields), line: fn.startLine, via: 'entry', status: 'held', definite: true, entry: true, origin: `annotated ${a.kind === 'must-hold' ? '__must_hold' : '__releases'}(${a.expr})` });
  }
  return out;
}

/**
 * The functions the hunks show, laid out by hunkFunctions: hunks of one function walked together,
 * unseen lines between them a gap the walk knows nothing about, keeping line numbers.
 */
function hunkOnlyFunctions(input: ImageInput, ctx: AnalyseContext): { fn: CFunction; key: string }[] {
  const laid = hunkFunctions(input.text, input.hunks, input.lines);
  const file = parseC(laid.text, ctx.model.syntax);
  const out: { fn: CFunction; key: string }[] = [];
  for (const fn of file.functions) {
    if (!input.lines.some((l) => l >= fn.startLine && l <= fn.endLine)) continue;
    const n = fn.name.startsWith(WRAPPER_PREFIX) ? Number(fn.name.slice(WRAPPER_PREFIX.length)) : -1;
    const w = laid.wrappers[n];
    if (w) out.push({ fn: { name: w.name, startLine: fn.startLine, endLine: fn.endLine, node: fn.node, body: fn.body, params: fn.params, annotations: fn.annotations, errorLines: fn.errorLines, text: fn.text }, key: `${w.name}#hunk${w.hunks[0]}` });
    else if (n < 0) out.push({ fn, key: `${fn.name}#hunks` });
  }
  return out;
}

function orderIssues(fn: CFunction, walk: WalkResult, path: string, ctx: AnalyseContext): Issue[] {
  const rule = ctx.matcher.rule('lock-order-inversion');
  if (!rule || !ctx.matcher.applies(rule, path)) return [];
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const a of walk.acquires) {
    if (a.lock.try || a.lock.unordered || ctx.model.kinds.get(a.lock.kind)?.pseudo) continue;
    for (const b of a.before) {
      if (b.cls === a.lock.cls || !b.definite || b.unordered || ctx.model.kinds.get(b.kind)?.pseudo) continue;
      const key = `lock-order-inversion|${b.cls}|${a.lock.cls}`;
      if (seen.has(key)) continue;
      const inScope = (o: DocumentedOrder): boolean => o.paths.length === 0 || o.paths.some((p) => path.startsWith(p));
      // The documented order is the authority: a tree function that disagrees is its own bug.
      if (ctx.rules.orders.some((o) => o.first === b.cls && o.then === a.lock.cls && inScope(o))) continue;
      // `first: '*'`: the lock is documented innermost, nothing is taken while it is held.
      const documented = ctx.rules.orders.find((o) => (o.first === a.lock.cls || o.first === INNERMOST) && o.then === b.cls && inScope(o));
      // Two fields of one class on objects named differently (`daemon->mux`, `msg_ctx->mux`) are
      // usually two kinds of object: the other order is evidence only for the same owners.
      const owners = (x: string | undefined, y: string | undefined): boolean => x === undefined || y === undefined || x === y;
      const tree = documented
        ? undefined
        : ctx.summaries?.edges.find((e) => e.from === a.lock.cls && e.to === b.cls && !(e.path === path && e.fn === fn.name) && owners(e.fromOwner, lockOwner(a.lock.key)) && owners(e.toOwner, lockOwner(b.key)));
      if (!documented && !tree) continue;
      seen.add(key);
      out.push({ key, rule, fn: fn.name, line: a.line, lockLine: b.line, lock: b, reverse: { tree, documented, from: b.cls, to: a.lock.cls } });
    }
  }
  return out;
}

const SUCCESS = /^(0|1|true)$/;
const FAILURE = /^(-E[A-Z0-9]+|-\d+|ERR_PTR\(.*\)|NULL|false|ret|err|error|rc)$/;
/** A pointer or object handed back: `sb`, `ctx->page` (not a status variable). */
const OBJECT = /^(?!(?:true|false|NULL)$)[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/**
 * Functions whose job is to take a lock for their caller: the name says so (`foo_lock`,
 * `lock_foo_range`), or they return success with the lock held and failure without it: 0 or 1
 * against an error, true against false, an object against NULL or an error pointer.
 */
function locksForCaller(name: string, heldReturn: string | null, releasedReturns: (string | null)[], context: boolean): boolean {
  if (/(^|_)(try)?lock(_|$)/.test(name)) return true;
  if (heldReturn === null) return false;
  const failed = (r: string | null): boolean => r !== null && r !== heldReturn && (FAILURE.test(r) || r === '0');
  // An rcu read section is never try-taken for a caller: a status returned inside it is a leak,
  // unless the function is named for opening something its pair closes (`__perf_output_begin`).
  if (context) return OPENS.test(name) || (OBJECT.test(heldReturn) && !FAILURE.test(heldReturn) && releasedReturns.every(failed));
  if (SUCCESS.test(heldReturn) && releasedReturns.every((r) => r !== null && (FAILURE.test(r) || (heldReturn !== '0' && r === '0')))) return true;
  if (OBJECT.test(heldReturn) && !FAILURE.test(heldReturn) && releasedReturns.every(failed)) return true;
  // Named for opening something (`simple_start_creating`): the failures may return the lookup's
  // error pointer through the very variable the success path returns (`if (IS_ERR(child)) return child;`).
  if (OPENS.test(name) && OBJECT.test(heldReturn) && !FAILURE.test(heldReturn) && releasedReturns.every((r) => r === heldReturn || failed(r))) return true;
  // A boolean contract either way: `return false` with the lock held, `return true` without it.
  const bool = /^(true|false)$/;
  return bool.test(heldReturn) && releasedReturns.every((r) => r !== null && bool.test(r) && r !== heldReturn);
}

/** An rcu read section held on a return (a context with one identity everywhere). */
const RCU = (h: Held): boolean => h.context === true && h.key === 'rcu';
/** Names of functions that open something for their caller to close. */
const OPENS = /(^|_)(begin|start|get|grab|reserve|prepare|enter|acquire|open)(_|$)/;

/** The object a lock expression belongs to: `sb` for `sb->s_umount`, null for a plain name. */
const ownerOf = (key: string): string | null => /^([A-Za-z_]\w*)(?:->|\.)/.exec(key)?.[1] ?? null;

/**
 * The return hands the lock to the caller: it returns the lock, the object the lock belongs to, or
 * the value the acquiring call returned (`eb = lock_root_node(root); ... return eb;`); or it returns
 * what a callee returns, a callee given the rest of the job (`return finish_locked(...)`), which the
 * kernel uses to pass a lock on.
 */
function handedBack(h: Held, returns: string | null, model: LockModel): boolean {
  if (returns === null) return false;
  if (returns === h.key || returns === h.bound || returns === ownerOf(h.key)) return true;
  const call = /^([A-Za-z_]\w*)\(.*\)$/.exec(returns);
  return call !== null && !/^(ERR_PTR|ERR_CAST|PTR_ERR|IS_ERR|PTR_ERR_OR_ZERO)$/.test(call[1]) && model.lookup(call[1], []).length === 0;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The lock is handed to the caller through a parameter: the locked object (or the object the lock
 * belongs to) is stored through one (`*pagep = page`, `ac->inode = inode`), or a flag through one
 * says so (`*locked = true`).
 */
function handedOut(fn: CFunction, key: string): boolean {
  const text = fn.body.text;
  const owner = ownerOf(key);
  // The object the lock is a field of (`walker->key` for `walker->key->sem`), stored for the caller.
  const object = /^(.+?)\s*(?:->|\.)\s*\w+$/.exec(key)?.[1];
  const value = `(&\\s*)?(${[key, owner, object].filter((v): v is string => !!v).map(escapeRe).join('|')})\\s*;`;
  const pointers = fn.params.map((p) => p.name).filter((n) => new RegExp(`\\*\\s*${escapeRe(n)}\\b`).test(fn.params.find((q) => q.name === n)!.text));
  return pointers.some((n) => {
    // A lock inside the object the out parameter points to (`(*key)->sem`) is the caller's to drop.
    if (new RegExp(`^\\(?\\s*\\*\\s*${escapeRe(n)}\\s*\\)?\\s*(->|\\.)`).test(key)) return true;
    const out = `\\(?\\s*\\*\\s*${escapeRe(n)}\\s*\\)?\\s*=\\s*`;
    const field = `\\b${escapeRe(n)}\\s*->\\s*\\w+\\s*=\\s*`;
    return new RegExp(`(${out}|${field})${value}`).test(text) || (/lock/i.test(n) && new RegExp(`${out}(true|1)\\s*;`).test(text));
  });
}

/** An exit contract of the rules (a ->write_begin callback, a VM_FAULT_LOCKED return) covers this return. */
function contractCovers(fn: CFunction, members: Map<string, string[]>, kind: string, returns: string | null, ctx: AnalyseContext): boolean {
  return ctx.rules.exit.some((e) => {
    if (!e.holds.includes(kind)) return false;
    const byName = e.names.some((re) => re.test(fn.name)) || (members.get(fn.name) ?? []).some((m) => e.callbacks.includes(m));
    // `ret = VM_FAULT_LOCKED; goto out; ... out: return ret;`: the variable returned is given the value.
    const assigned = (re: RegExp): boolean => returns !== null && /^[A-Za-z_]\w*$/.test(returns) && [...fn.body.text.matchAll(new RegExp(`\\b${returns}\\s*\\|?=\\s*([^;]*);`, 'g'))].some((m) => re.test(m[1]));
    const byReturn = e.returns !== undefined && returns !== null && (e.returns.test(returns) || assigned(e.returns));
    return e.callbacks.length || e.names.length ? byName && (!e.returns || byReturn) : byReturn;
  });
}

function balanceIssues(fn: CFunction, walk: WalkResult, members: Map<string, string[]>, ctx: AnalyseContext): Issue[] {
  const rule = ctx.matcher.rule('unbalanced');
  if (!rule) return [];
  const acquiresAnnotated = new Set(fn.annotations.filter((a) => a.kind === 'acquires').map((a) => normaliseLockExpr(a.expr, ctx.model.syntax.unwrap)));
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const exit of walk.exits) {
    for (const h of exit.locks) {
      // Contexts (irq, preemption) and declared nestings are handed between functions by design, and
      // restored by macros the rules do not all know; of them only an rcu read section is checked,
      // and handing it on takes an object returned (page_ext_get) or a function named for it.
      if (h.status !== 'held' || !h.definite || h.scoped || h.entry || (h.unordered && !RCU(h)) || ctx.model.kinds.get(h.kind)?.pseudo) continue;
      if (handedBack(h, exit.returns, ctx.model) || acquiresAnnotated.has(h.key)) continue;
      if (contractCovers(fn, members, h.kind, exit.returns, ctx) || handedOut(fn, h.key)) continue;
      // Given to a helper on the way to this return (`xlog_wait(&wq, &log->l_icloglock)`): it may have dropped it.
      if (walk.passes.some((p) => p.key === h.key && p.kind === h.kind && p.line >= h.line && p.line <= exit.line)) continue;
      const key = `unbalanced|${h.kind}|${h.key}`;
      if (seen.has(key)) continue;
      const releasing = walk.exits.filter((e) => e !== exit && e.locks.some((x) => x.kind === h.kind && x.key === h.key && x.status === 'released'));
      // Through a shared label, the paths that dropped it first leave by this same return.
      if (h.releasedElsewhere) releasing.push(exit);
      if (releasing.length === 0 || locksForCaller(fn.name, exit.returns, releasing.map((e) => e.returns), RCU(h))) continue;
      seen.add(key);
      out.push({ key, rule, fn: fn.name, line: exit.line, lockLine: h.line, lock: h, leak: 'return' });
    }
  }
  for (const r of walk.releases) {
    if (!r.double) continue;
    if (ctx.model.kinds.get(r.kind)?.pseudo) continue;
    const key = `unbalanced-double|${r.kind}|${r.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const lock: Held = { key: r.key, kind: r.kind, cls: r.kind, line: r.line, via: r.callee, status: 'released', definite: true };
    out.push({ key, rule, fn: fn.name, line: r.line, lockLine: r.line, lock, leak: 'double' });
  }
  return out;
}

/** A test of an object's `index` against another's before `line` (`if (a->index > b->index) swap(a, b);`): locks taken after it are in ascending order. */
const INDEX_TEST = /\bif\s*\(.*(?:->|\.)index\s*[<>]=?.*(?:->|\.)index\b/;

function indexOrderedBefore(fn: CFunction, line: number): boolean {
  return fn.text.split('\n').slice(0, Math.max(0, line - fn.startLine)).some((l) => INDEX_TEST.test(l));
}

/**
 * The object was just allocated by this function (`dpage = alloc_page(...)`, any callee named for
 * allocating): nobody else can see it yet, so locking it waits for no one.
 */
function freshBefore(fn: CFunction, key: string, line: number): boolean {
  if (!/^[A-Za-z_]\w*$/.test(key)) return false;
  const assigned = new RegExp(`\\b${key}\\s*=\\s*(?:\\([^()]*\\)\\s*)?\\w*alloc\\w*\\s*\\(`);
  return fn.text.split('\n').slice(0, Math.max(0, line - fn.startLine)).some((l) => assigned.test(l));
}

interface FunctionResult {
  issues: Issue[];
  unmatched: AboveLock[];
  releasedAt: string[];
}

function analyseFunction(fn: CFunction, path: string, entry: Held[], members: Map<string, string[]>, ctx: AnalyseContext, above: AboveLock[] = [], hunkOnly = false, lineIds?: ReadonlyMap<number, string>): FunctionResult {
  let walk = walkFunction(fn, ctx.model, { entry });
  let start = entry;
  if (fn.annotations.some((a) => a.kind !== 'acquires')) {
    const more = annotatedEntry(fn, walk, ctx);
    if (more.length) {
      start = [...entry, ...more];
      walk = walkFunction(fn, ctx.model, { entry: start });
    }
  }
  const unmatched = unmatchedReleases(walk, ctx);
  for (const u of unmatched) u.belowGap = releasedBelowGap(fn, walk.gaps, u.line);
  const first = walk;
  const issues: Issue[] = [];
  let releasedAt: string[] = [];
  if (above.length) {
    // Calls are judged with the lock as if held across unseen lines from the start: only a call
    // its release is still ahead of counts (walk.ts, gapEvidence).
    walk = walkFunction(fn, ctx.model, { entry: [...start, ...above.map((a) => aboveHeld(a, fn, true))] });
  }
  if (hunkOnly || above.length) {
    // Paths leaving the seen code, with a lock from above definitely held: once with paths merged
    // at labels (where it is released) and once with paths told apart at labels (where it is kept).
    // A lock whose only sign is a release below an unseen stretch of the function may have been
    // taken in that stretch (`down_read(); ... out_up_read: up_read()` with the down_read between
    // two hunks): nothing says a path leaving above the stretch held it.
    // Either image's jump from above the stretch to a label above the release says it was held there
    // (checkFile merges the two images' marks).
    const sure = [...start, ...above.filter((a) => !a.belowGap).map((a) => aboveHeld(a, fn, false))];
    releasedAt = placesReleased(fn, walkFunction(fn, ctx.model, { entry: sure, checkpoints: 'merge' }), lineIds);
    issues.push(...pathLeaks(fn, walkFunction(fn, ctx.model, { entry: sure, checkpoints: 'held-wins' }), releasedAt, members, ctx, lineIds, above));
  }
  const calledBefore = (names: string[], line: number): boolean => names.length > 0 && walk.calls.some((c) => c.line < line && names.includes(c.callee));
  for (const ev of walk.calls) {
    for (const hit of ctx.matcher.hitsForCall(ev, path, ctx.summaries, ctx.sleeps, ctx.model)) {
      if (calledBefore(hit.rule.unlessAfter, hit.line)) continue;
      issues.push({ key: `${hit.rule.id}|${hit.callee}|${hit.lock.kind}:${hit.lock.key}`, rule: hit.rule, fn: fn.name, line: hit.line, lockLine: hit.lock.line, lock: hit.lock, hit });
    }
  }
  for (const ev of walk.acquires) {
    if (indexOrderedBefore(fn, ev.line) || freshBefore(fn, ev.lock.key, ev.line)) continue;
    for (const hit of ctx.matcher.hitsForAcquire(ev, path)) {
      issues.push({ key: `${hit.rule.id}|${hit.callee}|${hit.lock.kind}:${hit.lock.key}`, rule: hit.rule, fn: fn.name, line: hit.line, lockLine: hit.lock.line, lock: hit.lock, hit });
    }
  }
  const callLines = new Set(issues.map((i) => i.line));
  issues.push(...orderIssues(fn, walk, path, ctx).filter((i) => !callLines.has(i.line)));
  // Leaks through a shared label: the paths meeting there are told apart (walk.ts, held-wins).
  // The walk itself when every label's paths meet the same way under held-wins (sameUnderHeldWins)
  // and the leaves it would also record are not read (droppedReleases, with line ids only).
  const split =
    fn.body.descendantsOfType('goto_statement').length && (lineIds?.size || !sameUnderHeldWins(walk))
      ? walkFunction(fn, ctx.model, { entry: walk === first ? start : [...start, ...above.map((a) => aboveHeld(a, fn, true))], checkpoints: 'held-wins' })
      : walk;
  issues.push(...balanceIssues(fn, split, members, ctx));
  if (lineIds?.size) {
    // Where each image releases its locks on the lines both share: a return that kept a lock only
    // this patch stopped releasing there is a leak even when no other path releases it.
    if (!hunkOnly && !above.length) releasedAt = placesReleased(fn, walkFunction(fn, ctx.model, { entry: start, checkpoints: 'merge' }), lineIds);
    // One finding per lock: a leak or a call under it already found there says what the deletion did.
    const told = new Set(issues.map((i) => `${i.lock.kind}|${i.lock.key}`));
    issues.push(...droppedReleases(fn, split, members, ctx, lineIds).filter((i) => !told.has(`${i.lock.kind}|${i.lock.key}`)));
  }
  return { issues, unmatched, releasedAt };
}

/** See AboveLock.belowGap. */
function releasedBelowGap(fn: CFunction, gaps: readonly number[], release: number): boolean {
  const gap = gaps.filter((g) => g < release).sort((a, b) => a - b)[0];
  if (gap === undefined) return false;
  const labels = new Map(fn.body.descendantsOfType('labeled_statement').map((l) => [l.childForFieldName('label')?.text ?? '', l.startPosition.row + 1]));
  return !fn.body.descendantsOfType('goto_statement').some((g) => {
    const target = labels.get(g.childForFieldName('label')?.text ?? '');
    return g.startPosition.row + 1 < gap && target !== undefined && target > gap && target <= release;
  });
}

/** Releases of locks no path seen took (the first walk, nothing assumed): see AboveLock. */
function unmatchedReleases(walk: WalkResult, ctx: AnalyseContext): AboveLock[] {
  const out = new Map<string, AboveLock>();
  for (const r of walk.releases) {
    const kind = ctx.model.kinds.get(r.kind);
    // A contract's release of a lock of no told kind (ANY_KIND) is no evidence of which lock was held above.
    if (r.matched || kind?.pseudo || r.kind === ANY_KIND || out.has(`${r.kind}|${r.key}`)) continue;
    const context = ctx.model.lookup(r.callee, []).some((p) => p.op === 'release' && p.kind === r.kind && p.key !== undefined);
    out.set(`${r.kind}|${r.key}`, { kind: r.kind, key: r.key, cls: lockClass(r.kind, r.key, kind?.sameClass ?? false, undefined, ctx.model.syntax.genericFields), line: r.line, via: r.callee.replace(/[*?]/g, ''), context });
  }
  return [...out.values()];
}

/** The lock from above as held at the function's first seen line: across an unseen start (`gap`), or definitely. */
function aboveHeld(a: AboveLock, fn: CFunction, acrossGap: boolean): Held {
  const h: Held = { key: a.key, kind: a.kind, cls: a.cls, line: fn.startLine, via: a.via, status: 'held', definite: !acrossGap, above: true, releaseLine: a.line, origin: `${callName(a.via)} releases it at line ${a.line} with no acquire in the lines seen` };
  if (acrossGap) h.gap = { line: fn.startLine, definite: true, releasedAfter: false };
  if (a.context) {
    h.unordered = true;
    h.context = true;
  }
  return h;
}

interface Leave {
  /** How it leaves: `return err`, `goto out`, `gap` (the unseen rest of the function). */
  sig: string;
  /** `sig@c<old line>` when on a line both images share (a context line), else `sig`. */
  at: string;
  line: number;
  locks: Held[];
  returns: string | null;
}

/** Where a path leaves the seen code: a return, a goto to a label not shown, the unseen rest of the function. */
function leavesOf(fn: CFunction, walk: WalkResult, lineIds: ReadonlyMap<number, string> | undefined): Leave[] {
  const at = (sig: string, line: number): string => {
    const id = lineIds?.get(line);
    return id ? `${sig}@${id}` : sig;
  };
  const out: Leave[] = walk.exits
    .filter((e) => e.returns !== null || e.line !== fn.endLine)
    .map((e) => {
      const sig = `return ${e.returns ?? ''}`.trim();
      return { sig, at: at(sig, e.line), line: e.line, locks: e.locks, returns: e.returns };
    });
  // Of the unseen lines only the rest after the last hunk is a way out: a gap between hunks leads back into seen code.
  for (const l of walk.leaves) if (l.sig !== 'gap' || l.line === fn.endLine) out.push({ sig: l.sig, at: at(l.sig, l.line), line: l.line, locks: l.locks, returns: null });
  return out;
}

/**
 * Does a path leaving this way release the lock? `at` names one place both images share, else
 * any path leaving by `sig` will do. For an rcu read section any way out that releases it will do:
 * nobody hands one to a caller by a status return (see locksForCaller).
 */
export function releasedThere(h: Held, leave: { sig: string; at: string }, releasedAt: readonly string[], exact: boolean): boolean {
  const prefix = `${h.kind}|${h.key}|`;
  if (RCU(h) && leave.sig.startsWith('return')) return releasedAt.some((r) => r.startsWith(prefix));
  return releasedAt.includes(prefix + (exact ? leave.at : leave.sig));
}

function placesReleased(fn: CFunction, walk: WalkResult, lineIds: ReadonlyMap<number, string> | undefined): string[] {
  const out = new Set<string>();
  for (const l of leavesOf(fn, walk, lineIds)) {
    for (const h of l.locks) {
      // Released on this way out (on some paths at least); a lock only possibly held says nothing.
      if (h.status !== 'released') continue;
      out.add(`${h.kind}|${h.key}|${l.sig}`);
      out.add(`${h.kind}|${h.key}|${l.at}`);
    }
  }
  return [...out];
}

/**
 * A lock from above still definitely held where a path leaves the seen code. Kept as an issue with
 * its evidence: another path leaving the same way releases it (same image); checkFile also accepts
 * the other image's paths (the patch dropped the release from this one).
 */
function pathLeaks(fn: CFunction, walk: WalkResult, releasedAt: string[], members: Map<string, string[]>, ctx: AnalyseContext, lineIds: ReadonlyMap<number, string> | undefined, above: readonly AboveLock[]): Issue[] {
  const rule = ctx.matcher.rule('unbalanced');
  if (!rule) return [];
  const out = new Map<string, Issue>();
  for (const l of leavesOf(fn, walk, lineIds)) {
    for (const h of l.locks) {
      if (h.status !== 'held' || !h.definite || h.scoped || h.entry || (h.unordered && !RCU(h)) || ctx.model.kinds.get(h.kind)?.pseudo) continue;
      // A lock taken in the seen lines and kept on a return is balanceIssues' case.
      if (!h.above && l.sig.startsWith('return')) continue;
      // The lock the function was entered with, dropped and taken again: it goes back as it came.
      if (!h.above && above.some((a) => a.kind === h.kind && a.key === h.key)) continue;
      if (handedBack(h, l.returns, ctx.model) || contractCovers(fn, members, h.kind, l.returns, ctx) || handedOut(fn, h.key)) continue;
      if (walk.passes.some((p) => p.key === h.key && p.kind === h.kind && p.line <= l.line)) continue;
      const releasing = walk.exits.filter((e) => e.locks.some((x) => x.kind === h.kind && x.key === h.key && x.status === 'released'));
      if (l.sig.startsWith('return') && releasing.length && locksForCaller(fn.name, l.returns, releasing.map((e) => e.returns), RCU(h))) continue;
      const key = `unbalanced-path|${h.kind}|${h.key}|${l.at}`;
      if (out.has(key)) continue;
      const evidence = releasedThere(h, l, releasedAt, false) ? 'same-image' : null;
      out.set(key, { key, rule, fn: fn.name, line: l.line, lockLine: h.line, lock: h, leak: 'path', leaves: { sig: l.sig, at: l.at, line: l.line, evidence } });
    }
  }
  return [...out.values()];
}

/**
 * A lock this function takes, still held on a return on a line both images share, with no other
 * path releasing it (balanceIssues needs one): kept only if the other image released it on that very
 * return (checkFile, leakEvidenced): the patch deleted the unlock before it (`rcu_read_unlock();
 * return ret;`), the shape no releasing path can show.
 */
function droppedReleases(fn: CFunction, walk: WalkResult, members: Map<string, string[]>, ctx: AnalyseContext, lineIds: ReadonlyMap<number, string>): Issue[] {
  const rule = ctx.matcher.rule('unbalanced');
  if (!rule) return [];
  const out = new Map<string, Issue>();
  for (const l of leavesOf(fn, walk, lineIds)) {
    if (!l.sig.startsWith('return') || l.at === l.sig) continue;
    for (const h of l.locks) {
      if (h.status !== 'held' || !h.definite || h.scoped || h.entry || h.above || (h.unordered && !RCU(h)) || ctx.model.kinds.get(h.kind)?.pseudo) continue;
      if (handedBack(h, l.returns, ctx.model) || contractCovers(fn, members, h.kind, l.returns, ctx) || handedOut(fn, h.key)) continue;
      if (fn.annotations.some((a) => a.kind === 'acquires')) continue;
      if (walk.passes.some((p) => p.key === h.key && p.kind === h.kind && p.line >= h.line && p.line <= l.line)) continue;
      if (walk.exits.some((e) => e.locks.some((x) => x.kind === h.kind && x.key === h.key && x.status === 'released'))) continue;
      const key = `unbalanced-dropped|${h.kind}|${h.key}|${l.at}`;
      if (!out.has(key)) out.set(key, { key, rule, fn: fn.name, line: l.line, lockLine: h.line, lock: h, leak: 'path', leaves: { sig: l.sig, at: l.at, line: l.line, evidence: null } });
    }
  }
  return [...out.values()];
}

/**
 * What a parse of the whole of `text` gives analyseImage, from its outline (the facts of the same
 * text): the functions holding a wanted line, parsed with the rest of the file blanked (line numbers
 * kept). A change at file scope or in a function's head then no longer costs a parse of the whole
 * file. Null (parse it whole) unless the slice gives exactly those functions, at the same lines and
 * without errors; a function the whole parse found errors in is read in its context.
 */
function parseOutlined(text: string, lines: number[], outline: FunctionOutline[], syntax: LockModel['syntax']): CFile | null {
  const wanted = outline.filter((f) => lines.some((l) => l >= f.line && l <= f.endLine));
  if (wanted.some((f) => f.partial)) return null;
  if (wanted.length === 0) return { text, functions: [] };
  const file = parseC(keepLines(text, wanted.map((f) => [f.line, f.endLine])), syntax);
  const same =
    file.functions.length === wanted.length &&
    file.functions.every((f, i) => f.name === wanted[i].name && f.startLine === wanted[i].line && f.endLine === wanted[i].endLine && f.errorLines.length === 0);
  return same ? file : null;
}

/** A function of the outline that nothing in it can lock (see activeOnly): reported with no issue, never parsed. */
interface Idle {
  idle: FunctionOutline;
}

/**
 * Most of a complete image is wanted (a new file) and its outline is known: of the wanted
 * functions, those that can take, drop or hold a lock (their masked lines call a primitive of the
 * model, carry an annotation or a lockdep assertion word, or an entry rule names them) parsed alone with every other line
 * blanked (line numbers kept), the others (most of a file) not parsed at all, in file order. Each
 * idle one is exactly what the walk would skip (analyseImage: no entry state, no annotation, no
 * primitive in its text, which lies inside its lines). Null (parse the whole file) when a wanted
 * function's parse had errors or the parse of the others alone does not find them as the outline
 * does.
 */
function activeOnly(input: ImageInput, outline: FunctionOutline[], members: Map<string, string[]>, ctx: AnalyseContext): (CFunction | Idle)[] | null {
  const wanted = outline.filter((f) => input.lines.some((l) => l >= f.line && l <= f.endLine));
  if (wanted.some((f) => f.partial)) return null;
  const { masked, annotations } = maskMacros(input.text, ctx.model.syntax);
  const starts = [0];
  for (let i = masked.indexOf('\n'); i >= 0; i = masked.indexOf('\n', i + 1)) starts.push(i + 1);
  const rowOf = rowFinder(masked);
  const annotated = new Set(annotations.map((a) => rowOf(a.offset) + 1));
  // A lockdep assertion makes the function start with its caller's lock held (asserted-entry.ts).
  const asserts = ctx.model.syntax.assertHeld ?? [];
  const active = wanted.filter((f) => {
    if (entryNamed(f.name, members, ctx)) return true;
    for (let l = f.line; l <= f.endLine; l++) if (annotated.has(l)) return true;
    const body = masked.slice(starts[f.line - 1], starts[f.endLine] ?? masked.length);
    return asserts.some((w) => body.includes(w)) || mentionsPrimitive(body, ctx.model);
  });
  const file = active.length ? parseC(keepLines(input.text, active.map((f) => [f.line, f.endLine])), ctx.model.syntax) : { functions: [] };
  const same = file.functions.length === active.length && file.functions.every((f, i) => f.name === active[i].name && f.startLine === active[i].line && f.endLine === active[i].endLine && f.errorLines.length === 0);
  if (!same) return null;
  const parsed = new Map(active.map((f, i) => [f, file.functions[i]]));
  return wanted.map((f) => parsed.get(f) ?? { idle: f });
}

/**
 * A complete image changed in a few of its functions, its outline known: when none of the functions
 * holding a wanted line can take, drop or hold a lock, their analyses without any parse (each idle,
 * the empty one the walk would give: see analyseImage's own idle test). Read on the function's raw
 * lines (and the two above it), more than the parse would see: a name of the model (with the tree's
 * derived helpers in repository mode) called anywhere in them, the function's own name one, an
 * annotation or lockdep assertion word, an entry rule naming the function or a callback it fills.
 * Null (parse as usual) when any of them may, or the whole parse had errors in one of them. A
 * range's commits mostly change such functions (btrfs-progs: most of them).
 */
function idleByOutline(input: ImageInput, outline: FunctionOutline[], members: Map<string, string[]>, ctx: AnalyseContext): Idle[] | null {
  const wanted = outline.filter((f) => input.lines.some((l) => l >= f.line && l <= f.endLine));
  if (wanted.some((f) => f.partial)) return null;
  const s = ctx.model.syntax;
  const words = [...s.acquires, ...s.releases, ...s.mustHold, ...(s.assertHeld ?? [])];
  let starts: number[] | null = null;
  for (const f of wanted) {
    if (entryNamed(f.name, members, ctx) || ctx.model.names(f.name)) return null;
    if (starts === null) {
      starts = [0];
      for (let i = input.text.indexOf('\n'); i >= 0; i = input.text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    const raw = input.text.slice(starts[Math.max(0, f.line - 3)] ?? input.text.length, starts[f.endLine] ?? input.text.length);
    if (words.some((w) => raw.includes(w)) || mentionsPrimitive(raw, ctx.model)) return null;
  }
  return wanted.map((f) => ({ idle: f }));
}

/** Analyse the functions of one image that contain the wanted lines. */
/** Every line of the function is in one of the hunks. */
function allSeen(f: { startLine: number; endLine: number }, hunks: readonly { start: number; count: number }[]): boolean {
  let line = f.startLine;
  for (const h of [...hunks].sort((a, b) => a.start - b.start)) {
    if (h.start > line) break;
    line = Math.max(line, h.start + h.count);
    if (line > f.endLine) return true;
  }
  return false;
}

export function analyseImage(input: ImageInput, ctx: AnalyseContext): FunctionAnalysis[] {
  // Parsing only the wanted functions keeps a patch fast; fall back to the whole file.
  // A patch that touches most of a file (a new file) parses only its functions that can lock, when its outline is known.
  let lineCount = 1;
  for (let i = input.text.indexOf('\n'); i >= 0; i = input.text.indexOf('\n', i + 1)) lineCount++;
  const most = input.lines.length * 2 > lineCount;
  const members = callbackMembers(input.text);
  const wanted = (f: { startLine: number; endLine: number }): boolean => input.lines.some((l) => l >= f.startLine && l <= f.endLine);
  let functions: (CFunction | Idle)[] | null = input.complete && input.outline ? (most ? activeOnly(input, input.outline, members, ctx) : idleByOutline(input, input.outline, members, ctx)) : null;
  if (functions === null) {
    const sliced = input.complete && !most ? sliceFunctions(input.text, input.lines) : null;
    let file = sliced === null ? null : parseC(sliced, ctx.model.syntax);
    if (file === null || !input.lines.every((l) => file!.functions.some((f) => l >= f.startLine && l <= f.endLine))) {
      // What a parse of the whole file finds; its facts may already say where.
      const outlined = input.complete && !most && input.outline ? parseOutlined(input.text, input.lines, input.outline, ctx.model.syntax) : null;
      file = outlined ?? parseC(input.text, ctx.model.syntax);
    }
    // Of an image seen only in hunks, a function is whole only when no unseen line lies inside it:
    // braces a hunk left open otherwise fold the hunks below into it, unseen lines and all. The
    // others are laid out with their gaps below (hunkOnlyFunctions).
    functions = file.functions.filter((f) => wanted(f) && (input.complete || allSeen(f, input.hunks)));
  }
  const out: FunctionAnalysis[] = [];
  const covered = new Set<number>();
  for (const fn of functions) {
    if (ctx.expired?.()) return out;
    if ('idle' in fn) {
      const { name, line, endLine } = fn.idle;
      out.push({ name, key: name, startLine: line, endLine, errorLines: [], hunkOnly: false, issues: [], unmatched: [], releasedAt: [] });
      continue;
    }
    if (!input.complete && fn.errorLines.length) continue;
    for (const l of input.lines) if (l >= fn.startLine && l <= fn.endLine) covered.add(l);
    const entry = fn.errorLines.length ? [] : [...entryState(fn, members, ctx), ...assertedEntry(fn, input.text, ctx.model)];
    // Nothing held on entry and no call that takes or drops a lock: nothing to walk for.
    const idle = entry.length === 0 && fn.annotations.length === 0 && !mentionsPrimitive(fn.text, ctx.model);
    const r = fn.errorLines.length || idle ? { issues: [], unmatched: [], releasedAt: [] } : analyseFunction(fn, input.path, entry, members, ctx, input.assumed?.get(fn.name), false, input.lineIds);
    out.push({ name: fn.name, key: fn.name, startLine: fn.startLine, endLine: fn.endLine, errorLines: fn.errorLines, hunkOnly: false, ...r });
  }
  if (!input.complete && input.lines.some((l) => !covered.has(l))) {
    const rest = { ...input, lines: input.lines.filter((l) => !covered.has(l)) };
    for (const { fn, key } of hunkOnlyFunctions(rest, ctx)) {
      if (ctx.expired?.()) return out;
      // Hunk-only: errors from the cut are expected; the note says how little was seen.
      // Callbacks are not told by the hunks (their tables are elsewhere), names and assertions are.
      const entry = [...entryState(fn, new Map(), ctx), ...assertedEntry(fn, input.text, ctx.model)];
      out.push({ name: fn.name, key, startLine: fn.startLine, endLine: fn.endLine, errorLines: [], hunkOnly: true, ...analyseFunction(fn, input.path, entry, new Map(), ctx, input.assumed?.get(key), true, input.lineIds) });
    }
  }
  return out;
}
