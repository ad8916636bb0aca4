// Intra-procedural walk of one C function: the locks held on every path, through if/else, switch,
// loops (also iterator macros), goto and labels (to a fixpoint, so backward `goto again` works),
// returns, conditional acquires, locked-returning lookups, cleanup.h guards and statement expressions.
import type { CFunction, SyntaxNode } from './parse.js';
import { GAP_MARKER, LEAD_MARKER } from './slice.js';
import { globToRegExp, type LockModel, type PrimitiveSpec, type Success } from './lock-model.js';
import { heldLocks, mergeStates, stateKey, stateSignature, type Held, type LockState } from './lock-state.js';
import { ANY_KIND } from './contracts.js';

export interface CallEvent {
  callee: string;
  /** Argument texts as written. */
  args: string[];
  line: number;
  /** Locks held (definitely or possibly) just before the call. */
  held: Held[];
  /** Inside a loop body (lock ordering by index is then plausible). */
  inLoop: boolean;
  /** Texts of the conditions guarding this call. */
  conditions: string[];
  /** Through a function pointer (`map->ops->lookup(...)`): the name is a field's, not a function's. */
  indirect?: boolean;
}

export interface AcquireEvent {
  lock: Held;
  /** Locks already held when it was taken (the order graph's edges). */
  before: Held[];
  line: number;
  inLoop: boolean;
  conditions: string[];
}

export interface ReleaseEvent {
  kind: string;
  key: string;
  callee: string;
  line: number;
  /** Released again while definitely already released on this path. */
  double: boolean;
  /** False when no lock of this kind was held here: the caller's lock (or a bug). */
  matched: boolean;
}

export interface ExitEvent {
  line: number;
  /** Every lock entry at the exit, released ones included (to compare paths). */
  locks: Held[];
  /** The returned expression, normalised (a lock handed to the caller is not leaked). */
  returns: string | null;
}

/** A held lock given by its own expression to a callee the rules do not know (`xlog_wait(&wq, &log->lock)`). */
export interface PassEvent {
  key: string;
  kind: string;
  callee: string;
  line: number;
}

/** A path leaving what was seen: a `goto` to a label not shown, or into lines not shown (hunk-only). */
export interface LeaveEvent {
  line: number;
  locks: Held[];
  /** `goto out` or `gap`. */
  sig: string;
}

export interface WalkResult {
  calls: CallEvent[];
  /** Held locks passed to unknown callees, which may drop them (sleep-and-relock helpers). */
  passes: PassEvent[];
  acquires: AcquireEvent[];
  releases: ReleaseEvent[];
  exits: ExitEvent[];
  /** Lines of unseen code (hunk-only mode: GAP_MARKER calls), in walk order. */
  gaps: number[];
  /** With `checkpoints`: every path leaving the seen code other than by a return. */
  leaves: LeaveEvent[];
}

export interface WalkOptions {
  /** Locks held when the function starts (callbacks called with the page locked, __must_hold). */
  entry?: Held[];
  /**
   * Record the paths that leave the seen code (`leaves`). With 'held-wins', a lock that arrives at a
   * label definitely held on one path stays definitely held there: a path through a shared error
   * label that keeps the lock is told apart from the paths that dropped it first.
   */
  checkpoints?: 'merge' | 'held-wins';
}

interface Binding {
  sk: string;
  success: Success;
}

interface Cond {
  t: LockState;
  f: LockState;
}

const MAX_LABEL_ROUNDS = 6;
const line = (n: SyntaxNode): number => n.startPosition.row + 1;

/** Strip whitespace, one leading `&`, outer parentheses and unwrap calls: the lock's identity. */
export function normaliseLockExpr(text: string, unwrap: readonly string[] = []): string {
  let s = text.replace(/\s+/g, '');
  for (let changed = true; changed; ) {
    changed = false;
    if (s.startsWith('&')) {
      s = s.slice(1);
      changed = true;
    }
    if (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) {
      s = s.slice(1, -1);
      changed = true;
    }
    const m = /^([A-Za-z_]\w*)\((.*)\)$/.exec(s);
    if (m && unwrap.includes(m[1]) && balanced(m[2]) && !m[2].includes(',')) {
      s = m[2];
      changed = true;
    }
  }
  return s;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** Class of a lock for ordering: the kind for same-class kinds, else the last field of the expression. */
export function lockClass(kind: string, key: string, sameClass: boolean, cls?: string, genericFields: readonly string[] = []): string {
  if (cls) return cls;
  if (sameClass) return kind;
  const parts = key.replace(/\[[^\]]*\]/g, '').split(/->|\./);
  const last = parts.at(-1) ?? key;
  // `info->lock` and `tree->lock` are different locks: a generic field name keeps its owner.
  return genericFields.includes(last) && parts.length > 1 ? `${parts.at(-2)}->${last}` : last;
}


function unwrapParens(n: SyntaxNode): SyntaxNode {
  let cur = n;
  while ((cur.type === 'parenthesized_expression' || cur.type === 'cast_expression') && cur.namedChildCount > 0) {
    cur = cur.type === 'cast_expression' ? (cur.childForFieldName('value') ?? cur) : cur.namedChildren[0];
    if (cur === n) break;
  }
  return cur;
}

const loopCache = new WeakMap<LockModel['syntax'], RegExp[]>();
function loopPatterns(syntax: LockModel['syntax']): RegExp[] {
  let res = loopCache.get(syntax);
  if (!res) {
    res = syntax.loopMacros.map(globToRegExp);
    loopCache.set(syntax, res);
  }
  return res;
}

/** Drop call wrappers (`BTRFS_I(inode)->io_tree` -> `inode->io_tree`) to compare lock expressions. */
const bare = (k: string): string => k.replace(/\b[A-Za-z_]\w*\(([^()]*)\)/g, '$1');

/**
 * Could two lock expressions name one lock? `folio` and `folio->page`, `page` and `folio` (an alias
 * the walk cannot follow) may; `from->lock` and `to->lock` (two objects' fields) do not.
 */
function mayBeSameLock(held: Held, b: string): boolean {
  const x = bare(held.key);
  const y = bare(b);
  if (x === y) return true;
  // An object and a field of it (`folio` and `folio->page`, `inode` and `inode->i_rwsem`) are one
  // lock when the field is the object's lock itself, not another lock kept in it (`inode->i_gc_rwsem`).
  const inner = x.startsWith(`${y}->`) || x.startsWith(`${y}.`) ? x.slice(y.length) : y.startsWith(`${x}->`) || y.startsWith(`${x}.`) ? y.slice(x.length) : null;
  if (inner !== null) return inner.replace(/^(->|\.)/, '') === held.cls || !LOCKISH.test(inner);
  const field = /->|\./;
  return !(field.test(x) && field.test(y));
}

/** A field that names a lock of its own (`->i_gc_rwsem`, `->wait_lock`). */
const LOCKISH = /lock|sem|mutex|mux|spin/i;

/** A plain flag test: `locked`, `!nowait`, `ctx->have_lock`. */
const FLAG = /^!?[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)*$/;

/** The flag a condition text tests (`(locked)` -> `locked`, `!(x->y)` -> `!x->y`), or null. */
function flagOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  let t = text.replace(/\s+/g, '');
  let neg = false;
  for (let changed = true; changed; ) {
    changed = false;
    if (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) {
      t = t.slice(1, -1);
      changed = true;
    } else if (t.startsWith('!')) {
      t = t.slice(1);
      neg = !neg;
      changed = true;
    }
  }
  const flag = `${neg ? '!' : ''}${t}`;
  return FLAG.test(flag) ? flag : null;
}

/** Helpers named for undoing what was set up (`cleanup_write_cache_enospc`): they may drop a lock too. */
const UNDOES = /(^|_)(unlock|release|cleanup|clear|drop|undo|abort|end|finish)(_|$)/;

/** Calls that look at a lock without taking or dropping it (`lockdep_assert_held(&x->lock)`). */
const ASSERTS = /assert|held|is_locked|lockdep|might_lock|WARN|BUG|^__(acquire|release|cond_lock)/;

const isZero = (n: SyntaxNode): boolean => /^(0|NULL|false|0L|0UL)$/.test(n.text.trim());

class Walker {
  private calls: CallEvent[] = [];
  private acquires: AcquireEvent[] = [];
  private releases: ReleaseEvent[] = [];
  private exits: ExitEvent[] = [];
  private passes: PassEvent[] = [];
  private gaps: number[] = [];
  private leaves: LeaveEvent[] = [];
  private labels: Set<string> | null = null;
  private recording = false;
  private mute = 0;
  private labelIn = new Map<string, LockState>();
  private labelOut = new Map<string, LockState>();
  private breaks: LockState[][] = [];
  private continues: LockState[][] = [];
  private scopes: string[][] = [];
  private bindings = new Map<string, Binding>();
  private loopDepth = 0;
  private conditions: string[] = [];
  private loopRes: RegExp[];
  private syntax: LockModel['syntax'];
  /** Nothing held on entry and no call in the body can take, drop or guard a lock (scanBody): every state is empty or null. */
  private lockFree = false;
  /** A walk without checkpoints met a label where 'held-wins' would have kept a lock held (see sameUnderHeldWins). */
  heldWinsDiffers = false;

  constructor(
    private fn: CFunction,
    private model: LockModel,
    private checkpoints: WalkOptions['checkpoints'] = undefined,
  ) {
    this.syntax = model.syntax;
    this.loopRes = loopPatterns(model.syntax);
  }

  run(entry: Held[]): WalkResult {
    const start = new Map(entry.map((h) => [stateKey(h.kind, h.key), h]));
    const seen = scanBody(this.fn.body, this.model);
    this.lockFree = entry.length === 0 && !seen.mayLock;
    const hasGoto = seen.hasGoto;
    if (hasGoto) {
      for (let round = 0; round < MAX_LABEL_ROUNDS; round++) {
        this.pass(start);
        const before = sig(this.labelIn);
        const after = sig(this.labelOut);
        this.labelIn = this.labelOut;
        if (before === after) break;
      }
    }
    this.recording = true;
    this.pass(start);
    return { calls: this.calls, passes: this.passes, acquires: this.acquires, releases: this.releases, exits: this.exits, gaps: this.gaps, leaves: this.leaves };
  }

  private pass(start: LockState): void {
    this.labelOut = new Map();
    this.bindings.clear();
    const end = this.block(this.fn.body, start);
    if (end) this.exit(this.fn.body.endPosition.row + 1, end, null);
  }

  private get live(): boolean {
    return this.recording && this.mute === 0;
  }

  private exit(at: number, s: LockState, returns: string | null): void {
    if (this.live && s) this.exits.push({ line: at, locks: [...s.values()], returns });
  }

  private leave(at: number, s: LockState, sig: string): void {
    if (this.checkpoints && this.live && s) this.leaves.push({ line: at, locks: [...s.values()], sig });
  }

  /** Paths meeting at a label: with 'held-wins', a lock held on either path stays held. */
  private mergeAtLabel(a: LockState, b: LockState): LockState {
    const m = mergeStates(a, b);
    if (!m || !a || !b) return m;
    if (this.checkpoints !== 'held-wins') {
      if (this.checkpoints === undefined && !this.heldWinsDiffers) this.heldWinsDiffers = heldWinsChanges(m, a, b);
      return m;
    }
    let out: Map<string, Held> | null = null;
    for (const [k, h] of m) {
      if (h.status === 'held' && h.definite) continue;
      const pair = [a.get(k), b.get(k)];
      const won = pair.find((x) => x?.status === 'held' && x.definite);
      if (won) (out ??= new Map(m)).set(k, pair.some((x) => x?.status === 'released') ? { ...won, releasedElsewhere: true } : won);
    }
    return out ?? m;
  }

  private definedLabel(label: string): boolean {
    this.labels ??= new Set(this.fn.body.descendantsOfType('labeled_statement').map((l) => l.childForFieldName('label')?.text ?? ''));
    return this.labels.has(label);
  }

  // ---- statements ----

  private block(node: SyntaxNode, s: LockState): LockState {
    this.scopes.push([]);
    const kids = node.namedChildren.filter((c) => c.type !== 'comment');
    let st = s;
    for (let i = 0; i < kids.length; i++) {
      const kid = kids[i];
      const macro = this.macroHead(kid);
      if (macro && i + 1 < kids.length) {
        st = this.macroStatement(macro, kids[i + 1], st);
        i++;
        continue;
      }
      st = this.stmt(kid, st);
    }
    st = this.dropScoped(this.scopes.pop() ?? [], st);
    return st;
  }

  private dropScoped(sks: string[], s: LockState): LockState {
    if (!s || sks.length === 0) return s;
    const out = new Map(s);
    for (const sk of sks) out.delete(sk);
    return out;
  }

  /** An iterator or scoped_guard macro used as a statement head: `name(args) { body }`. */
  private macroHead(n: SyntaxNode): { kind: 'loop' | 'guard'; call: SyntaxNode } | null {
    if (n.type !== 'expression_statement') return null;
    const call = n.namedChildren[0];
    if (!call || call.type !== 'call_expression') return null;
    const fnNode = call.childForFieldName('function');
    if (!fnNode || fnNode.type !== 'identifier') return null;
    const missingSemi = n.children.some((c) => c.isMissing) || !n.text.trimEnd().endsWith(';');
    if (!missingSemi) return null;
    if (this.syntax.scopedGuardMacros.includes(fnNode.text)) return { kind: 'guard', call };
    if (this.loopRes.some((re) => re.test(fnNode.text))) return { kind: 'loop', call };
    return null;
  }

  private macroStatement(head: { kind: 'loop' | 'guard'; call: SyntaxNode }, body: SyntaxNode, s: LockState): LockState {
    const args = head.call.childForFieldName('arguments')?.namedChildren ?? [];
    if (head.kind === 'guard') {
      const cls = args[0]?.text.trim() ?? '';
      const lockArg = args[1]?.text ?? '';
      let st = this.exprList(args.slice(1), s);
      const sk = this.guardAcquire(head.call.childForFieldName('function')!.text, cls, lockArg, line(head.call), st);
      st = sk ? sk.state : st;
      this.scopes.push(sk ? [sk.sk] : []);
      st = this.stmt(body, st);
      return this.dropScoped(this.scopes.pop() ?? [], st);
    }
    const entry = this.exprList(args, s);
    return this.loop(entry, (h) => ({ t: h, f: h }), body, null);
  }

  private stmt(n: SyntaxNode, s: LockState): LockState {
    if (s === null && n.type !== 'labeled_statement' && n.type !== 'case_statement' && n.type !== 'compound_statement') {
      // Unreachable code: still visit labels nested inside (a label may be jumped to).
      if (n.descendantsOfType('labeled_statement').length === 0) return null;
    }
    switch (n.type) {
      case 'compound_statement':
        return this.block(n, s);
      case 'expression_statement':
        return n.namedChildren.length ? this.expr(n.namedChildren[0], s) : s;
      case 'declaration':
        return this.declaration(n, s);
      case 'if_statement':
        return this.ifStmt(n, s);
      case 'while_statement': {
        const cond = n.childForFieldName('condition')!;
        return this.loop(s, (h) => this.cond(cond, h), n.childForFieldName('body')!, null);
      }
      case 'for_statement':
        return this.forStmt(n, s);
      case 'do_statement': {
        const cond = n.childForFieldName('condition')!;
        return this.loop(s, (h) => this.cond(cond, h), n.childForFieldName('body')!, 'do');
      }
      case 'switch_statement':
        return this.switchStmt(n, s);
      case 'break_statement':
        this.breaks.at(-1)?.push(s);
        return null;
      case 'continue_statement':
        this.continues.at(-1)?.push(s);
        return null;
      case 'return_statement': {
        const value = n.namedChildren[0];
        const after = value ? this.expr(value, s) : s;
        this.exit(line(n), after, value ? normaliseLockExpr(value.text, this.syntax.unwrap) : null);
        return null;
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        if (this.checkpoints && !this.definedLabel(label)) this.leave(line(n), s, `goto ${label}`);
        this.labelOut.set(label, this.mergeAtLabel(this.labelOut.get(label) ?? null, s));
        return null;
      }
      case 'labeled_statement': {
        const label = n.childForFieldName('label')?.text ?? '';
        const st = this.mergeAtLabel(s, this.labelIn.get(label) ?? null);
        const inner = n.namedChildren.filter((c) => c.type !== 'statement_identifier');
        return inner.reduce<LockState>((acc, c) => this.stmt(c, acc), st);
      }
      case 'case_statement':
        return this.caseBody(n, s);
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
      case 'preproc_else':
        return this.preprocBranch(n, s);
      default:
        return n.namedChildren.reduce<LockState>((acc, c) => this.expr(c, acc), s);
    }
  }

  /**
   * `#ifdef X ... #else ... #endif` inside a function: one of the two is compiled, never both in a
   * row, so each starts from the state before and they merge after, as an `if` with an unknown test.
   */
  private preprocBranch(n: SyntaxNode, s: LockState): LockState {
    const alt = n.childForFieldName('alternative');
    const skip = new Set([alt, n.childForFieldName('name'), n.childForFieldName('condition')]);
    let st = s;
    const kids = n.namedChildren.filter((c) => !skip.has(c) && c.type !== 'comment');
    for (let i = 0; i < kids.length; i++) {
      const macro = this.macroHead(kids[i]);
      if (macro && i + 1 < kids.length) {
        st = this.macroStatement(macro, kids[i + 1], st);
        i++;
      } else st = this.stmt(kids[i], st);
    }
    if (n.type === 'preproc_else') return st;
    return mergeStates(st, alt ? this.stmt(alt, s) : s);
  }

  private declaration(n: SyntaxNode, s: LockState): LockState {
    let st = s;
    for (const d of n.namedChildren) {
      if (d.type !== 'init_declarator') continue;
      const value = d.childForFieldName('value');
      if (!value) continue;
      const target = d.childForFieldName('declarator');
      const name = target ? target.text.replace(/^[*\s]+/, '') : null;
      st = this.assign(name, value, st);
    }
    return st;
  }

  private ifStmt(n: SyntaxNode, s: LockState): LockState {
    const condText = n.childForFieldName('condition')!.text;
    // A block the hunk starts inside (slice.ts): what follows it is reached through it, or, when its
    // seen part leaves, through its unseen other paths.
    if (condText === `(${LEAD_MARKER})`) return this.stmt(n.childForFieldName('consequence')!, s) ?? s;
    const c = this.correlate(condText, this.cond(n.childForFieldName('condition')!, s));
    this.conditions.push(condText);
    const t = this.stmt(n.childForFieldName('consequence')!, c.t);
    this.conditions.pop();
    const alt = n.childForFieldName('alternative');
    let f = c.f;
    if (alt) {
      this.conditions.push(`!${condText}`);
      const inner = alt.type === 'else_clause' ? alt.namedChildren : [alt];
      f = inner.reduce<LockState>((acc, x) => this.stmt(x, acc), c.f);
      this.conditions.pop();
    }
    return mergeStates(t, f);
  }

  /**
   * `if (locked) lock(x); ... if (locked) unlock(x);`: a lock taken under a plain flag is held
   * where the same flag is tested true again, and not held where it is false.
   */
  private correlate(condText: string, c: Cond): Cond {
    const flag = flagOf(condText);
    if (!flag) return c;
    const negated = flag.startsWith('!') ? flag.slice(1) : `!${flag}`;
    const fix = (st: LockState, truth: string): LockState => {
      if (!st) return st;
      let out: Map<string, Held> | null = null;
      for (const [k, h] of st) {
        if (h.status !== 'held' || h.definite || h.cond === undefined) continue;
        if (h.cond !== flag && h.cond !== negated) continue;
        out ??= new Map(st);
        if (h.cond === truth) out.set(k, { ...h, definite: true });
        else out.delete(k);
      }
      return out ?? st;
    };
    return { t: fix(c.t, flag), f: fix(c.f, negated) };
  }

  private forStmt(n: SyntaxNode, s: LockState): LockState {
    const init = n.childForFieldName('initializer');
    let st = s;
    if (init) st = init.type === 'declaration' ? this.declaration(init, st) : this.expr(init, st);
    const cond = n.childForFieldName('condition');
    const update = n.childForFieldName('update');
    return this.loop(
      st,
      (h) => (cond ? this.cond(cond, h) : { t: h, f: null }),
      n.childForFieldName('body')!,
      null,
      update,
    );
  }

  /** A loop: the head state is the entry merged with every way back to the head, found in muted passes. */
  private loop(
    entry: LockState,
    test: (head: LockState) => Cond,
    body: SyntaxNode,
    form: 'do' | null,
    update?: SyntaxNode | null,
  ): LockState {
    let head = entry;
    let out: { exit: LockState; back: LockState } = { exit: null, back: null };
    const once = (h: LockState): { exit: LockState; back: LockState } => {
      this.breaks.push([]);
      this.continues.push([]);
      this.loopDepth++;
      let exitState: LockState = null;
      let bodyIn: LockState;
      if (form === 'do') bodyIn = h;
      else {
        const c = test(h);
        exitState = c.f;
        bodyIn = c.t;
      }
      let end = this.stmt(body, bodyIn);
      for (const cs of this.continues.pop() ?? []) end = mergeStates(end, cs);
      if (update && end) end = this.expr(update, end);
      if (form === 'do' && end) {
        const c = test(end);
        exitState = c.f;
        end = c.t;
      }
      for (const b of this.breaks.pop() ?? []) exitState = mergeStates(exitState, b);
      this.loopDepth--;
      return { exit: exitState, back: end };
    };
    // The trial passes look for the head state: when no lock can be taken anywhere, a reachable
    // entry (an empty state) is already it (each way back is empty too, or unreachable), and the
    // trials leave nothing behind (no binding is ever made, the labels' states stay empty): one pass.
    if (this.lockFree && entry !== null) return once(entry).exit;
    this.mute++;
    // Inside an outer loop's trial pass one pass is enough: the outer fixpoint repeats it anyway,
    // and nested loops stay linear instead of exponential.
    const rounds = this.mute > 1 ? 1 : 3;
    for (let i = 0; i < rounds; i++) {
      out = once(head);
      const next = mergeStates(entry, out.back);
      if (stateSignature(next) === stateSignature(head)) break;
      head = next;
    }
    this.mute--;
    out = once(head);
    return out.exit;
  }

  private switchStmt(n: SyntaxNode, s: LockState): LockState {
    const c = this.cond(n.childForFieldName('condition')!, s);
    const entry = mergeStates(c.t, c.f);
    const body = n.childForFieldName('body')!;
    this.breaks.push([]);
    let st: LockState = null;
    let hasDefault = false;
    for (const kid of body.namedChildren) {
      if (kid.type === 'case_statement') {
        if (!kid.childForFieldName('value')) hasDefault = true;
        st = this.caseBody(kid, mergeStates(st, entry));
      } else st = this.stmt(kid, st ?? entry);
    }
    let out = st;
    for (const b of this.breaks.pop() ?? []) out = mergeStates(out, b);
    return hasDefault ? out : mergeStates(out, entry);
  }

  private caseBody(n: SyntaxNode, s: LockState): LockState {
    const value = n.childForFieldName('value');
    const kids = n.namedChildren.filter((c) => c !== value && c.type !== 'comment');
    // One case of several: what it calls is not made every time the function runs (a helper's
    // cond_resched() under `case -EAGAIN:` is no sleep its callers always pay).
    this.conditions.push(`case ${value?.text ?? 'default'}`);
    let st = s;
    for (let i = 0; i < kids.length; i++) {
      const macro = this.macroHead(kids[i]);
      if (macro && i + 1 < kids.length) {
        st = this.macroStatement(macro, kids[i + 1], st);
        i++;
      } else st = this.stmt(kids[i], st);
    }
    this.conditions.pop();
    return st;
  }

  // ---- expressions ----

  private exprList(nodes: readonly SyntaxNode[], s: LockState): LockState {
    return nodes.reduce<LockState>((acc, c) => this.expr(c, acc), s);
  }

  private expr(n: SyntaxNode, s: LockState): LockState {
    if (s === null) return null;
    switch (n.type) {
      case 'call_expression':
        return this.call(n, s, null).state;
      case 'assignment_expression': {
        const left = n.childForFieldName('left')!;
        const right = n.childForFieldName('right')!;
        const name = left.type === 'identifier' || left.type === 'field_expression' ? left.text : null;
        return this.assign(name, right, s);
      }
      case 'compound_statement':
        return this.block(n, s);
      case 'conditional_expression': {
        const c = this.cond(n.childForFieldName('condition')!, s);
        const cons = n.childForFieldName('consequence');
        const alt = n.childForFieldName('alternative');
        return mergeStates(cons ? this.expr(cons, c.t) : c.t, alt ? this.expr(alt, c.f) : c.f);
      }
      case 'identifier':
      case 'number_literal':
      case 'string_literal':
      case 'field_identifier':
      case 'null':
      case 'true':
      case 'false':
        return s;
      default:
        return this.exprList(n.namedChildren, s);
    }
  }

  private assign(name: string | null, value: SyntaxNode, s: LockState): LockState {
    if (name) this.bindings.delete(name);
    const v = unwrapParens(value);
    if (v.type !== 'call_expression') return this.expr(value, s);
    const r = this.call(v, s, name);
    if (name && r.binding) this.bindings.set(name, r.binding);
    return r.state;
  }

  /** Evaluate a call: its arguments, the event, then its effect on the locks. */
  private call(n: SyntaxNode, s: LockState, assignedTo: string | null): { state: LockState; binding?: Binding; conditional?: { held: LockState; success: Success } } {
    const fnNode = n.childForFieldName('function')!;
    const argNodes = n.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    if (fnNode.type === 'call_expression') {
      // guard(class)(&lock): held to the end of the enclosing block.
      const inner = fnNode.childForFieldName('function');
      if (inner && this.syntax.guardMacros.includes(inner.text)) {
        const cls = fnNode.childForFieldName('arguments')?.namedChildren[0]?.text.trim() ?? '';
        const st = this.exprList(argNodes, s);
        const g = this.guardAcquire(inner.text, cls, argNodes[0]?.text ?? '', line(n), st);
        if (!g) return { state: st };
        this.scopes.at(-1)?.push(g.sk);
        return { state: g.state };
      }
    }
    let st = this.exprList(argNodes, s);
    if (fnNode.type !== 'identifier') st = this.expr(fnNode, st);
    if (st === null) return { state: null };
    const callee = fnNode.type === 'identifier' ? fnNode.text : fnNode.type === 'field_expression' ? (fnNode.childForFieldName('field')?.text ?? '') : '';
    if (!callee) return { state: st };
    const args = argNodes.map((a) => a.text);
    const at = line(n);
    if (callee === GAP_MARKER) {
      if (this.live) this.gaps.push(at);
      this.leave(at, st, 'gap');
      return { state: this.unseen(st, at) };
    }
    if (this.live) {
      const ev: CallEvent = { callee, args, line: at, held: heldLocks(st), inLoop: this.loopDepth > 0, conditions: [...this.conditions] };
      if (fnNode.type !== 'identifier') ev.indirect = true;
      this.calls.push(ev);
    }
    let result: { state: LockState; binding?: Binding; conditional?: { held: LockState; success: Success } } = { state: st };
    const prims = this.model.lookup(callee, args);
    // A helper of the tree summarised as dropping some other lock may drop this one too.
    if (prims.every((p) => p.inferred) && this.live && !ASSERTS.test(callee)) this.notePasses(callee, args, at, st);
    for (const p of prims) {
      result = this.apply(p, args, at, result.state, assignedTo);
    }
    return result;
  }

  /**
   * A held lock given by its own expression (a field: `&log->l_icloglock`, not the object `page`
   * that every helper is given) to a callee the rules do not know: the callee may drop it.
   */
  private notePasses(callee: string, args: string[], at: number, s: ReadonlyMap<string, Held>): void {
    for (const a of args) {
      const key = normaliseLockExpr(a, this.syntax.unwrap);
      // The lock's own expression (a field, not the object every helper is given), or an object the
      // acquiring call was given by address (`&cached_state`) handed to a helper named for undoing.
      const own = /->|\./.test(a);
      const undoes = UNDOES.test(callee);
      for (const h of s.values()) if (h.status === 'held' && ((own && h.key === key) || (undoes && h.handles?.includes(key)))) this.passes.push({ key: h.key, kind: h.kind, callee, line: at });
    }
  }

  /** Lines not seen (hunk-only mode) may take or drop any lock: nothing is definite after them. */
  private unseen(s: LockState, at: number): LockState {
    if (!s) return s;
    const out = new Map<string, Held>();
    for (const [k, h] of s) out.set(k, { ...h, definite: false, gap: h.gap ?? { line: at, definite: h.definite && h.status === 'held', releasedAfter: false } });
    return out;
  }

  private lockFor(p: PrimitiveSpec, args: string[], assignedTo: string | null): { key: string; cls: string } | null {
    let key: string | null = null;
    if (p.key) key = p.key;
    else if (p.op === 'returns-locked') key = assignedTo ? normaliseLockExpr(assignedTo, this.syntax.unwrap) : null;
    else if (p.arg !== null && args[p.arg] !== undefined) key = normaliseLockExpr(args[p.arg], this.syntax.unwrap) + (p.suffix ?? '');
    if (!key) return null;
    const kind = this.model.kinds.get(p.kind);
    return { key, cls: lockClass(p.kind, key, kind?.sameClass ?? false, p.cls, this.syntax.genericFields) };
  }

  private apply(
    p: PrimitiveSpec,
    args: string[],
    at: number,
    s: LockState,
    assignedTo: string | null,
  ): { state: LockState; binding?: Binding; conditional?: { held: LockState; success: Success } } {
    if (s === null) return { state: null };
    if (p.op === 'acquire' && p.kind === ANY_KIND) {
      // An annotated acquire whose kind is not told takes back the caller's lock of that expression.
      const key = p.arg !== null && args[p.arg] !== undefined ? normaliseLockExpr(args[p.arg], this.syntax.unwrap) + (p.suffix ?? '') : null;
      const known = key === null ? undefined : [...s.values()].find((h) => h.key === key);
      if (!known) return { state: s };
      p = { ...p, kind: known.kind };
    }
    const id = this.lockFor(p, args, assignedTo);
    if (!id) return { state: s };
    const sk = stateKey(p.kind, id.key);
    if (p.op === 'release') return { state: this.release(p, id.key, sk, at, s) };
    if (p.op === 'forget') {
      const target = this.releaseTarget(p, id.key, sk, s);
      return { state: target ? this.drop(s, target) : s };
    }
    const held: Held = { key: id.key, kind: p.kind, cls: id.cls, line: at, via: p.name.replace(/[*?]/g, ''), status: 'held', definite: true };
    if (p.try) held.try = true;
    if (p.unordered) held.unordered = true;
    if (p.unordered && p.key) held.context = true;
    if (p.inferred) held.inferred = p.inferred;
    if (assignedTo) held.bound = normaliseLockExpr(assignedTo, this.syntax.unwrap);
    const handles = args.filter((a, i) => i !== p.arg && /^&\s*[A-Za-z_]\w*$/.test(a.trim())).map((a) => a.replace(/[&\s]/g, ''));
    if (handles.length) held.handles = handles;
    const flag = flagOf(this.conditions.at(-1));
    if (flag) held.cond = flag;
    const after = this.acquire(held, s);
    if (p.op === 'acquire') return { state: after };
    const success: Success = p.success ?? (p.op === 'returns-locked' ? 'pointer' : 'true');
    return { state: after, binding: { sk, success }, conditional: { held: after, success } };
  }

  private acquire(h: Held, s: LockState): LockState {
    if (!s) return s;
    if (this.live) {
      const before = heldLocks(s).filter((x) => x.key !== h.key || x.kind !== h.kind);
      this.acquires.push({ lock: h, before, line: h.line, inLoop: this.loopDepth > 0, conditions: [...this.conditions] });
    }
    const out = new Map(s);
    out.set(stateKey(h.kind, h.key), h);
    return out;
  }

  /** The state entry a release of `key` refers to: the same expression, or the same lock written another way. */
  private releaseTarget(p: PrimitiveSpec, key: string, sk: string, s: ReadonlyMap<string, Held>): string | null {
    if (s.get(sk)) return sk;
    // A helper of the tree that drops a global (`sb_lock`) drops that lock only.
    if (p.key && p.inferred) return null;
    // Named by its field only (reached through the helper's local): the held lock of that field, or none.
    if (p.byField) {
      const named = [...s.entries()].filter(([, h]) => h.kind === p.kind && h.status === 'held' && this.sameField(h.key, key));
      return named.length === 1 ? named[0][0] : null;
    }
    // The same lock written another way (`unlock_page(&folio->page)`): the only one of its kind,
    // unless the two expressions plainly name two different objects (`from->lock`, `to->lock`).
    // A context (an rcu read section) has one name everywhere: a lock of the same kind named
    // otherwise (`inode->i_lock`, both atomic) is never it written another way.
    // Nor is a lock reached through an object (`td->lock`) one released by a constant name (`rcu_read_unlock()`).
    const same = [...s.entries()].filter(([, h]) => h.kind === p.kind && h.status === 'held' && !h.context && !(p.key && /->|\./.test(h.key)));
    if (same.length === 1 && (mayBeSameLock(same[0][1], key) || this.sameField(same[0][1].key, key))) return same[0][0];
    // Among several of its kind, the one whose field is named for this lock (`iinfo->i_data_sem`
    // beside the inode's i_rwsem, dropped by a helper given `inode`).
    const named = same.filter(([, h]) => this.sameField(h.key, key));
    if (named.length === 1) return named[0][0];
    const anyKind = [...s.entries()].filter(([, h]) => h.key === key && h.status === 'held');
    return anyKind.length === 1 ? anyKind[0][0] : null;
  }

  /**
   * `EXT4_SB(sb)->s_fc_lock` and `sbi->s_fc_lock`: one lock reached two ways, when the field is
   * named for it (not a generic `->lock`, which `from->lock` and `to->lock` share).
   */
  private sameField(a: string, b: string): boolean {
    const last = (k: string): string | undefined => /(?:->|\.)([A-Za-z_]\w*)$/.exec(k)?.[1];
    const f = last(a);
    return f !== undefined && f === last(b) && !this.syntax.genericFields.includes(f);
  }

  private release(p: PrimitiveSpec, key: string, sk: string, at: number, s: ReadonlyMap<string, Held>): LockState {
    const target = this.releaseTarget(p, key, sk, s);
    const existing = target ? s.get(target) : undefined;
    if (this.live) {
      // Twice only for the same lock: two unlocks of two different locks of a kind are two releases.
      // Contexts nest (rcu_read_lock twice, then two unlocks), so they are never "twice".
      // A release matched to the lock under another name was a guess: the lock's own release after it is not a second one.
      const double = !!existing && existing.status === 'released' && existing.definite && existing.key === key && !existing.unordered && !existing.aliasRelease;
      this.releases.push({ kind: p.kind, key, callee: p.name, line: at, double, matched: !!existing });
    }
    if (!target || !existing) return s;
    const out = new Map(s);
    // After a guessed release, the lock's own release is the real one: as definite as the guess was.
    const released: Held = { ...existing, status: 'released', definite: existing.status === 'held' || (existing.aliasRelease && existing.key === key) ? existing.definite : false, line: at };
    if (existing.key !== key) released.aliasRelease = true;
    else delete released.aliasRelease;
    out.set(target, released);
    return out;
  }

  private guardAcquire(macro: string, cls: string, lockArg: string, at: number, s: LockState): { sk: string; state: LockState } | null {
    const g = this.syntax.guardClasses[cls];
    if (!g || !s) return null;
    const key = g.key ?? normaliseLockExpr(lockArg, this.syntax.unwrap);
    if (!key) return null;
    const kind = this.model.kinds.get(g.kind);
    const h: Held = { key, kind: g.kind, cls: lockClass(g.kind, key, kind?.sameClass ?? false, undefined, this.syntax.genericFields), line: at, via: `${macro}(${cls})`, status: 'held', definite: true, scoped: true };
    // A guard with a constant key is a context (rcu, irq, preempt), not a lock with an order.
    if (g.key) h.unordered = true;
    return { sk: stateKey(g.kind, key), state: this.acquire(h, s) };
  }

  // ---- conditions ----

  private drop(s: LockState, sk: string): LockState {
    if (!s || !s.has(sk)) return s;
    const out = new Map(s);
    out.delete(sk);
    return out;
  }

  /** Truth of a tested value bound to a conditional acquire: which branch keeps the lock. */
  private truthOfBinding(b: Binding, s: LockState): Cond {
    if (b.success === 'zero') return { t: this.drop(s, b.sk), f: s };
    return { t: s, f: this.drop(s, b.sk) };
  }

  private cond(n: SyntaxNode, s: LockState): Cond {
    if (s === null) return { t: null, f: null };
    switch (n.type) {
      case 'parenthesized_expression':
        return n.namedChildren.length === 1 ? this.cond(n.namedChildren[0], s) : this.plain(n, s);
      case 'unary_expression': {
        if (n.childForFieldName('operator')?.text === '!') {
          const c = this.cond(n.childForFieldName('argument')!, s);
          return { t: c.f, f: c.t };
        }
        return this.plain(n, s);
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.text;
        const left = n.childForFieldName('left')!;
        const right = n.childForFieldName('right')!;
        if (op === '&&') {
          const l = this.cond(left, s);
          const r = this.cond(right, l.t);
          return { t: r.t, f: mergeStates(l.f, r.f) };
        }
        if (op === '||') {
          const l = this.cond(left, s);
          const r = this.cond(right, l.f);
          return { t: mergeStates(l.t, r.t), f: r.f };
        }
        if ((op === '==' || op === '!=') && (isZero(right) || isZero(left))) {
          const c = this.cond(isZero(right) ? left : right, s);
          return op === '==' ? { t: c.f, f: c.t } : c;
        }
        if (op === '<' && isZero(right)) return this.cond(left, s);
        return this.plain(n, s);
      }
      case 'number_literal':
      case 'true':
      case 'false': {
        // `while (1)` never exits by its condition; `do { } while (0)` never loops back.
        const truth = n.type === 'true' || (n.type === 'number_literal' && !isZero(n));
        return truth ? { t: s, f: null } : { t: null, f: s };
      }
      case 'identifier':
      case 'field_expression': {
        const b = this.bindings.get(n.text);
        if (b) return this.truthOfBinding(b, s);
        // `if (!trans)` where trans is a held handle: a NULL pointer holds nothing.
        const nulls = [...s.entries()].filter(([, h]) => h.status === 'held' && h.key === n.text);
        return { t: s, f: nulls.reduce<LockState>((acc, [k]) => this.drop(acc, k), s) };
      }
      case 'assignment_expression': {
        const st = this.expr(n, s);
        const left = n.childForFieldName('left')!;
        return this.cond(left, st);
      }
      case 'call_expression': {
        const fnNode = n.childForFieldName('function')!;
        const args = n.childForFieldName('arguments')?.namedChildren ?? [];
        if (fnNode.type === 'identifier' && args.length >= 1) {
          if (this.syntax.transparent.includes(fnNode.text)) return this.cond(args[0], s);
          if (this.syntax.errorTests.includes(fnNode.text)) {
            const b = this.bindings.get(args[0].text.trim());
            if (b && b.success === 'pointer') return { t: this.drop(s, b.sk), f: s };
          }
        }
        const r = this.call(n, s, null);
        if (r.conditional && r.binding) {
          const without = this.drop(r.state, r.binding.sk);
          return r.conditional.success === 'zero' ? { t: without, f: r.state } : { t: r.state, f: without };
        }
        return { t: r.state, f: r.state };
      }
      default:
        return this.plain(n, s);
    }
  }

  private plain(n: SyntaxNode, s: LockState): Cond {
    const st = this.expr(n, s);
    return { t: st, f: st };
  }
}

function sig(m: Map<string, LockState>): string {
  return [...m.entries()]
    .map(([k, v]) => `${k}=${stateSignature(v)}`)
    .sort()
    .join(';');
}

/** Walk one function and report every call with the locks held before it, every acquire, release and exit. */
export function walkFunction(fn: CFunction, model: LockModel, opts: WalkOptions = {}): WalkResult {
  const walker = new Walker(fn, model, opts.checkpoints);
  const result = gapEvidence(walker.run(opts.entry ?? []));
  if (opts.checkpoints === undefined && !walker.heldWinsDiffers) sameHeldWins.add(result);
  return result;
}

/** Walks without checkpoints whose every meeting of paths at a label is the same under 'held-wins'. */
const sameHeldWins = new WeakSet<WalkResult>();

/**
 * Would a walk of the same function from the same entry with checkpoints 'held-wins' find what this
 * walk (made without checkpoints) found, leaves aside? It would when no two paths met at a label
 * (in any pass) with a lock definitely held on one and not on the other: that is the only place the
 * two walks differ (Walker.mergeAtLabel), so every state, call, release and exit is the same.
 */
export function sameUnderHeldWins(walk: WalkResult): boolean {
  return sameHeldWins.has(walk);
}

/** Does 'held-wins' change the merge `m` of `a` and `b` (Walker.mergeAtLabel)? */
function heldWinsChanges(m: ReadonlyMap<string, Held>, a: ReadonlyMap<string, Held>, b: ReadonlyMap<string, Held>): boolean {
  for (const [k, h] of m) {
    if (h.status === 'held' && h.definite) continue;
    const x = a.get(k);
    const y = b.get(k);
    if ((x?.status === 'held' && x.definite) || (y?.status === 'held' && y.definite)) return true;
  }
  return false;
}

/**
 * For a lock held across unseen lines, the evidence the visible code gives at a later point: its
 * own release seen after the point says it is still held there. With no release after the point
 * and no unseen line after it either, the function would return holding the lock: its release
 * was in a gap before the point, and the lock is dropped from what is held there.
 */
function gapEvidence(r: WalkResult): WalkResult {
  if (!r.calls.some((c) => c.held.some((h) => h.gap)) && !r.acquires.some((a) => a.before.some((h) => h.gap))) return r;
  const mark = (held: Held[], at: number): Held[] =>
    held.flatMap((h) => {
      if (!h.gap) return [h];
      const sameKind = held.filter((x) => x.kind === h.kind).length === 1;
      // Evidence only for a point after the gap in the text: one reached back across it (a loop,
      // `goto again`) usually comes after the gap dropped the lock.
      const releaseAfter = r.releases.some((x) => x.matched && x.kind === h.kind && (x.key === h.key || sameKind) && x.line > at);
      // A lock assumed from a release below it is evidence only where that release is still ahead.
      if (!releaseAfter && (h.above || !r.gaps.some((g) => g > at))) return [];
      // A lock assumed from a release below it with unseen lines between the point and every such
      // release may have been taken in those lines: no evidence it is held at the point.
      if (h.above) {
        const ahead = r.releases.filter((x) => x.matched && x.kind === h.kind && x.key === h.key && x.line > at);
        if (ahead.length && ahead.every((x) => r.gaps.some((g) => g > at && g < x.line))) return [];
      }
      return [{ ...h, gap: { ...h.gap, releasedAfter: at > h.gap.line && releaseAfter } }];
    });
  return {
    ...r,
    calls: r.calls.map((c) => ({ ...c, held: mark(c.held, c.line) })),
    // An order (or a second lock of a kind) is not inferred from a lock that only may have survived a gap.
    acquires: r.acquires.map((a) => ({ ...a, before: mark(a.before, a.line).filter((h) => !h.gap || (h.gap.definite && h.gap.releasedAfter)) })),
  };
}

/**
 * One look over a function body: whether it holds a `goto`, and whether any call in it may take,
 * drop or guard a lock (its callee, as Walker.call names it, is a name of the model: a primitive, a
 * guard or a scoped-guard macro). Every call the walk evaluates is a call_expression of the copy.
 */
function scanBody(body: SyntaxNode, model: LockModel): { hasGoto: boolean; mayLock: boolean } {
  let hasGoto = false;
  let mayLock = false;
  const visit = (n: SyntaxNode): void => {
    for (const c of n.children) {
      if (c.type === 'goto_statement') hasGoto = true;
      else if (c.type === 'call_expression' && !mayLock) {
        const f = c.childForFieldName('function');
        const callee = f?.type === 'identifier' ? f.text : f?.type === 'field_expression' ? (f.childForFieldName('field')?.text ?? '') : '';
        if (callee && model.names(callee)) mayLock = true;
      }
      if (c.children.length) visit(c);
    }
  };
  visit(body);
  return { hasGoto, mayLock };
}
