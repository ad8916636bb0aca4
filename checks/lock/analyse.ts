// Runs the walk over the functions of one file image that the patch touches and turns the events
// into issues (rule hits, order inversions, unbalanced locks), each with a key to compare images by.
import type { LockModel } from '../../src/c/lock-model.js';
import type { Held } from '../../src/c/lock-state.js';
import { parseC, type CFunction } from '../../src/c/parse.js';
import { sliceFunctions } from '../../src/c/slice.js';
import type { SummaryIndex, TreeEdge } from '../../src/c/summaries.js';
import { lockClass, normaliseLockExpr, walkFunction, type WalkResult } from '../../src/c/walk.js';
import type { Hit, RuleMatcher } from './match.js';
import type { DocumentedOrder, LockRule, RuleSet } from './rule-types.js';

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
  /** For an unbalanced lock: leaked on a return, or released twice. */
  leak?: 'return' | 'double';
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
}

export interface ImageInput {
  path: string;
  text: string;
  complete: boolean;
  /** Lines (of this image) whose functions are wanted. */
  lines: number[];
  /** Hunk ranges in this image, for hunk-only mode: first line, line count, the @@ section. */
  hunks: { start: number; count: number; section: string }[];
}

export interface AnalyseContext {
  rules: RuleSet;
  model: LockModel;
  matcher: RuleMatcher;
  summaries: SummaryIndex | null;
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

function entryState(fn: CFunction, members: Map<string, string[]>, ctx: AnalyseContext): Held[] {
  const out: Held[] = [];
  for (const e of ctx.rules.entry) {
    const named = e.names.some((re) => re.test(fn.name));
    const callback = (members.get(fn.name) ?? []).find((m) => e.callbacks.includes(m));
    if (!named && !callback) continue;
    const param = fn.params.find((p) => e.param.test(p.text));
    if (!param) continue;
    const kind = ctx.model.kinds.get(e.holds);
    const origin = callback ? `a ->${callback} callback, called with it held` : 'name: the function name says it is called with it held';
    out.push({ key: param.name, kind: e.holds, cls: lockClass(e.holds, param.name, kind?.sameClass ?? false, undefined, ctx.model.syntax.genericFields), line: fn.startLine, via: 'entry', status: 'held', definite: true, entry: true, origin });
  }
  return out;
}

/** Locks named by __must_hold()/__releases(): their kind is the kind of the primitive that drops them. */
function annotatedEntry(fn: CFunction, first: WalkResult, ctx: AnalyseContext): Held[] {
  const out: Held[] = [];
  for (const a of fn.annotations) {
    if (a.kind === 'acquires') continue;
    const key = normaliseLockExpr(a.expr, ctx.model.syntax.unwrap);
    const rel = first.releases.find((r) => r.key === key && !r.matched);
    if (!rel) continue;
    const kind = ctx.model.kinds.get(rel.kind);
    out.push({ key, kind: rel.kind, cls: lockClass(rel.kind, key, kind?.sameClass ?? false, undefined, ctx.model.syntax.genericFields), line: fn.startLine, via: 'entry', status: 'held', definite: true, entry: true, origin: `annotated ${a.kind === 'must-hold' ? '__must_hold' : '__releases'}(${a.expr})` });
  }
  return out;
}

const STRIP = /"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

/** Wrap each hunk's lines in a function of its own, balancing braces, keeping line numbers. */
function hunkOnlyFunctions(input: ImageInput, ctx: AnalyseContext): { fn: CFunction; hunk: number }[] {
  const lines = input.text.split('\n');
  const regions = input.hunks
    .map((h, index) => ({ ...h, index }))
    .filter((h) => h.count > 0 && input.lines.some((l) => l >= h.start && l < h.start + h.count));
  regions.forEach((h, i) => {
    const first = h.start - 1;
    const last = Math.min(lines.length, h.start + h.count) - 1;
    let depth = 0;
    let lowest = 0;
    for (const ch of lines.slice(first, last + 1).join('\n').replace(STRIP, '').replace(/[^{}]/g, '')) {
      depth += ch === '{' ? 1 : -1;
      lowest = Math.min(lowest, depth);
    }
    lines[first] = `void __kreview_hunk_${i}(void) {${'{'.repeat(-lowest)} ${lines[first]}`;
    lines[last] = `${lines[last]} ${'}'.repeat(depth - lowest + 1)}`;
  });
  const file = parseC(lines.join('\n'), ctx.model.syntax);
  const out: { fn: CFunction; hunk: number }[] = [];
  for (const fn of file.functions) {
    const m = /^__kreview_hunk_(\d+)$/.exec(fn.name);
    if (!m) continue;
    const { section, index } = regions[Number(m[1])];
    const name = /([A-Za-z_]\w*)\s*\(/.exec(section)?.[1] ?? 'the hunk';
    const named: CFunction = { name, startLine: fn.startLine, endLine: fn.endLine, node: fn.node, body: fn.body, params: fn.params, annotations: fn.annotations, errorLines: fn.errorLines };
    out.push({ fn: named, hunk: index });
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
      const documented = ctx.rules.orders.find((o) => o.first === a.lock.cls && o.then === b.cls && inScope(o));
      const tree = documented ? undefined : ctx.summaries?.edges.find((e) => e.from === a.lock.cls && e.to === b.cls && !(e.path === path && e.fn === fn.name));
      if (!documented && !tree) continue;
      seen.add(key);
      out.push({ key, rule, fn: fn.name, line: a.line, lockLine: b.line, lock: b, reverse: { tree, documented, from: b.cls, to: a.lock.cls } });
    }
  }
  return out;
}

const SUCCESS = /^(0|1|true)$/;
const FAILURE = /^(-E[A-Z0-9]+|-\d+|ERR_PTR\(.*\)|NULL|false|ret|err|error|rc)$/;

/**
 * Functions whose job is to take a lock for their caller: the name says so (`foo_lock`,
 * `lock_foo_range`), or they return success with the lock held and failure without it.
 */
function locksForCaller(name: string, heldReturn: string | null, releasedReturns: (string | null)[]): boolean {
  if (/(^|_)(try)?lock(_|$)/.test(name)) return true;
  if (heldReturn === null) return false;
  if (SUCCESS.test(heldReturn) && releasedReturns.every((r) => r !== null && FAILURE.test(r))) return true;
  // A boolean contract either way: `return false` with the lock held, `return true` without it.
  const bool = /^(true|false)$/;
  return bool.test(heldReturn) && releasedReturns.every((r) => r !== null && bool.test(r) && r !== heldReturn);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The lock is handed to the caller through an out-parameter: the locked object is stored through
 * one (`*pagep = page`), or a flag through one says so (`*locked = true`).
 */
function handedOut(fn: CFunction, key: string): boolean {
  const text = fn.body.text;
  const params = fn.params.map((p) => p.name).filter((n) => new RegExp(`\\*\\s*${escapeRe(n)}\\b`).test(fn.params.find((q) => q.name === n)!.text));
  return params.some((n) => {
    const out = `\\*\\s*${escapeRe(n)}\\s*=\\s*`;
    return new RegExp(`${out}(&\\s*)?${escapeRe(key)}\\s*;`).test(text) || (/lock/i.test(n) && new RegExp(`${out}(true|1)\\s*;`).test(text));
  });
}

/** An exit contract of the rules (a ->write_begin callback, a VM_FAULT_LOCKED return) covers this return. */
function contractCovers(fn: CFunction, members: Map<string, string[]>, kind: string, returns: string | null, ctx: AnalyseContext): boolean {
  return ctx.rules.exit.some((e) => {
    if (!e.holds.includes(kind)) return false;
    const byName = e.names.some((re) => re.test(fn.name)) || (members.get(fn.name) ?? []).some((m) => e.callbacks.includes(m));
    const byReturn = e.returns !== undefined && returns !== null && e.returns.test(returns);
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
      if (h.status !== 'held' || !h.definite || h.scoped || h.entry || ctx.model.kinds.get(h.kind)?.pseudo) continue;
      if (exit.returns === h.key || acquiresAnnotated.has(h.key)) continue;
      if (contractCovers(fn, members, h.kind, exit.returns, ctx) || handedOut(fn, h.key)) continue;
      const key = `unbalanced|${h.kind}|${h.key}`;
      if (seen.has(key)) continue;
      const releasing = walk.exits.filter((e) => e !== exit && e.locks.some((x) => x.kind === h.kind && x.key === h.key && x.status === 'released'));
      if (releasing.length === 0 || locksForCaller(fn.name, exit.returns, releasing.map((e) => e.returns))) continue;
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

function analyseFunction(fn: CFunction, path: string, entry: Held[], members: Map<string, string[]>, ctx: AnalyseContext): Issue[] {
  let walk = walkFunction(fn, ctx.model, { entry });
  if (fn.annotations.some((a) => a.kind !== 'acquires')) {
    const more = annotatedEntry(fn, walk, ctx);
    if (more.length) walk = walkFunction(fn, ctx.model, { entry: [...entry, ...more] });
  }
  const issues: Issue[] = [];
  for (const ev of walk.calls) {
    for (const hit of ctx.matcher.hitsForCall(ev, path, ctx.summaries)) {
      issues.push({ key: `${hit.rule.id}|${hit.callee}|${hit.lock.kind}:${hit.lock.key}`, rule: hit.rule, fn: fn.name, line: hit.line, lockLine: hit.lock.line, lock: hit.lock, hit });
    }
  }
  for (const ev of walk.acquires) {
    for (const hit of ctx.matcher.hitsForAcquire(ev, path)) {
      issues.push({ key: `${hit.rule.id}|${hit.callee}|${hit.lock.kind}:${hit.lock.key}`, rule: hit.rule, fn: fn.name, line: hit.line, lockLine: hit.lock.line, lock: hit.lock, hit });
    }
  }
  const callLines = new Set(issues.map((i) => i.line));
  issues.push(...orderIssues(fn, walk, path, ctx).filter((i) => !callLines.has(i.line)));
  issues.push(...balanceIssues(fn, walk, members, ctx));
  return issues;
}

/** Analyse the functions of one image that contain the wanted lines. */
export function analyseImage(input: ImageInput, ctx: AnalyseContext): FunctionAnalysis[] {
  // Parsing only the wanted functions keeps a patch fast; fall back to the whole file.
  // A patch that touches most of a file (a new file) parses it whole, sharing the parse its facts made.
  let lineCount = 1;
  for (let i = input.text.indexOf('\n'); i >= 0; i = input.text.indexOf('\n', i + 1)) lineCount++;
  const most = input.lines.length * 2 > lineCount;
  const sliced = input.complete && !most ? sliceFunctions(input.text, input.lines) : null;
  let file = parseC(sliced ?? input.text, ctx.model.syntax);
  if (sliced !== null && !input.lines.every((l) => file.functions.some((f) => l >= f.startLine && l <= f.endLine))) {
    file = parseC(input.text, ctx.model.syntax);
  }
  const members = callbackMembers(input.text);
  const wanted = (f: { startLine: number; endLine: number }): boolean => input.lines.some((l) => l >= f.startLine && l <= f.endLine);
  const out: FunctionAnalysis[] = [];
  const covered = new Set<number>();
  for (const fn of file.functions.filter(wanted)) {
    if (ctx.expired?.()) return out;
    if (!input.complete && fn.errorLines.length) continue;
    for (const l of input.lines) if (l >= fn.startLine && l <= fn.endLine) covered.add(l);
    const issues = fn.errorLines.length ? [] : analyseFunction(fn, input.path, entryState(fn, members, ctx), members, ctx);
    out.push({ name: fn.name, key: fn.name, startLine: fn.startLine, endLine: fn.endLine, errorLines: fn.errorLines, issues, hunkOnly: false });
  }
  if (!input.complete && input.lines.some((l) => !covered.has(l))) {
    const rest = { ...input, lines: input.lines.filter((l) => !covered.has(l)) };
    for (const { fn, hunk } of hunkOnlyFunctions(rest, ctx)) {
      if (ctx.expired?.()) return out;
      // Hunk-only: errors from the cut are expected; the note says how little was seen.
      out.push({ name: fn.name, key: `${fn.name}#hunk${hunk}`, startLine: fn.startLine, endLine: fn.endLine, errorLines: [], issues: analyseFunction(fn, input.path, [], new Map(), ctx), hunkOnly: true });
    }
  }
  return out;
}
