// What one C file tells about its functions' locking: the calls each makes, the locks each takes
// while holding others (order edges), and the locks it hands back to or takes from its caller.
// Facts are pure data, cached on disk by content hash in summaries.ts (their disk form: facts-store.ts).
import type { LockModel } from './lock-model.js';
import { parseC } from './parse.js';
import { normaliseLockExpr, walkFunction } from './walk.js';

export interface CallFact {
  callee: string;
  args: string[];
  line: number;
  /** Kinds of the caller's locks this function dropped before the call (not its own). */
  dropped: string[];
  /** Under an `if`, inside a loop or a `switch`: not made every time the function runs. */
  conditional?: boolean;
  /** Through a function pointer: the name is a field's, not a tree function's. */
  indirect?: boolean;
  /** Locks (keys) this function holds at the call, when any: a helper that drops one drops this function's own lock. */
  holding?: string[];
}

export interface EdgeFact {
  /** Class held, class taken while holding it. */
  from: string;
  to: string;
  line: number;
  /** The objects the two locks belong to, when written as a field (`daemon` for `daemon->mux`). */
  fromOwner?: string;
  toOwner?: string;
}

/** The variable a lock expression is a field of: `daemon` for `daemon->mux`, `arr` for `arr[i].mux`. */
export const lockOwner = (key: string): string | undefined => /^([A-Za-z_]\w*)(?:\[[^\]]*\])?(?:->|\.)/.exec(key)?.[1];

export interface FunctionFacts {
  name: string;
  line: number;
  /** The definition's last line: with `line`, where a parse of the whole file found it (analyse.ts parses only the changed ones). */
  endLine: number;
  calls: CallFact[];
  edges: EdgeFact[];
  /** The function returns with a lock on parameter `arg` taken (every exit holds it), taken at `line`. */
  acquires?: { kind: string; arg: number; line: number };
  /** The function drops a lock on parameter `arg` it did not take: on every path, or on some only. */
  releases?: { kind: string; arg: number; always: boolean; suffix?: string; byField?: boolean };
  /** The function drops a lock it did not take that no parameter names: a global (`sb_lock`). */
  releasesGlobal?: { kind: string; key: string; always: boolean };
  /** Parameter names, in order: what a call's arguments stand for inside. */
  params?: string[];
  /** Every value-returning exit returns a lock it holds (a lookup that returns a locked page). */
  returnsLocked?: { kind: string };
  partial: boolean;
  isStatic?: boolean;
}

export interface FileFacts {
  path: string;
  functions: FunctionFacts[];
}

const paramIndex = (key: string, params: { name: string }[]): number => params.findIndex((p) => p.name === key);

/**
 * A lock reached from a parameter: `f->lock` is parameter `f` plus `->lock`. A field of a local
 * set from one parameter alone (`iinfo = UDF_I(inode)`, `iinfo->i_data_sem`) is that parameter's
 * lock named by its field: the caller matches it by the field's name (walk.ts, releaseTarget).
 */
function paramPath(key: string, params: { name: string }[], body: string, generic: readonly string[]): { arg: number; suffix: string; byField?: true } | null {
  const m = /^([A-Za-z_]\w*)((?:->|\.)[\w.>[\]-]*)?$/.exec(key);
  if (!m) return null;
  const arg = paramIndex(m[1], params);
  if (arg >= 0) return { arg, suffix: m[2] ?? '' };
  const field = /(?:->|\.)(\w+)$/.exec(m[2] ?? '')?.[1];
  const init = new RegExp(`\\*?\\s*\\b${m[1]}\\s*=\\s*([^;=]+);`).exec(body)?.[1];
  if (!field || generic.includes(field) || !init) return null;
  const from = params.map((p, i) => (new RegExp(`\\b${p.name}\\b`).test(init) ? i : -1)).filter((i) => i >= 0);
  return from.length === 1 ? { arg: from[0], suffix: `->${field}`, byField: true } : null;
}

/**
 * A lock named by a bare identifier the function does not declare (`spin_unlock(&sb_lock)`): a
 * global, the same lock in every caller.
 */
function isGlobal(key: string, body: string): boolean {
  if (!/^[A-Za-z_]\w*$/.test(key)) return false;
  for (const m of body.matchAll(new RegExp(`\\b([A-Za-z_]\\w*)[\\s*]+${key}\\s*[=;,[)]`, 'g'))) {
    if (!/^(return|goto|case|sizeof|else)$/.test(m[1])) return false;
  }
  return true;
}

/** Parse one file and collect its facts. Never throws on bad C: unparseable parts are marked partial. */
export function collectFacts(path: string, text: string, model: LockModel): FileFacts {
  const file = parseC(text, model.syntax);
  const functions: FunctionFacts[] = [];
  for (const fn of file.functions) {
    const walk = walkFunction(fn, model);
    const unmatched = walk.releases.filter((r) => !r.matched);
    const calls: CallFact[] = [];
    const seen = new Set<string>();
    for (const c of walk.calls) {
      const dropped = [...new Set(unmatched.filter((r) => r.line <= c.line).map((r) => r.kind))];
      const sig = `${c.callee}\0${c.args.join('\0')}\0${dropped.join(',')}`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      const call: CallFact = { callee: c.callee, args: c.args, line: c.line, dropped };
      if (c.conditions.length || c.inLoop) call.conditional = true;
      if (c.held.length) call.holding = c.held.map((h) => h.key);
      if (c.indirect) call.indirect = true;
      calls.push(call);
    }
    const edges: EdgeFact[] = [];
    for (const a of walk.acquires) {
      // A try-lock never waits: it cannot be one half of an ABBA deadlock.
      if (a.lock.try || a.lock.unordered || model.kinds.get(a.lock.kind)?.pseudo) continue;
      for (const b of a.before) {
        // Only a lock held on every path orders the next one; contexts order nothing.
        if (b.cls === a.lock.cls || !b.definite || b.unordered || model.kinds.get(b.kind)?.pseudo) continue;
        const edge: EdgeFact = { from: b.cls, to: a.lock.cls, line: a.line };
        const fromOwner = lockOwner(b.key);
        const toOwner = lockOwner(a.lock.key);
        if (fromOwner) edge.fromOwner = fromOwner;
        if (toOwner) edge.toOwner = toOwner;
        edges.push(edge);
      }
    }
    const facts: FunctionFacts = { name: fn.name, line: fn.startLine, endLine: fn.endLine, calls, edges, partial: fn.errorLines.length > 0 };
    if (fn.isStatic) facts.isStatic = true;
    const exits = walk.exits;
    if (exits.length > 0) {
      const heldEverywhere = exits[0].locks.filter(
        (h) => h.status === 'held' && h.definite && !h.scoped && exits.every((e) => e.locks.some((x) => x.key === h.key && x.kind === h.kind && x.status === 'held' && x.definite)),
      );
      for (const h of heldEverywhere) {
        const idx = paramIndex(h.key, fn.params);
        if (idx >= 0 && !model.kinds.get(h.kind)?.pseudo) facts.acquires = { kind: h.kind, arg: idx, line: h.line };
      }
      const valued = exits.filter((e) => e.returns !== null);
      if (valued.length > 0) {
        const locked = valued.map((e) => e.locks.find((h) => h.key === e.returns && h.status === 'held'));
        const kinds = new Set(locked.map((h) => h?.kind));
        // A lookup returns NULL or an error on failure: those exits return no lock, the others one kind.
        const lockedOnes = locked.filter((h) => h !== undefined);
        if (lockedOnes.length > 0 && kinds.size <= 2 && valued.every((e, i) => locked[i] || /^(NULL|ERR_PTR\(.*\)|0)$/.test(e.returns ?? ''))) {
          facts.returnsLocked = { kind: lockedOnes[0]!.kind };
        }
      }
    }
    // A lock the function is annotated to be called with (`__must_hold(&resv->lock)`) is the
    // caller's, even where a loop drops and retakes it (the walk then matched the drop to the retake).
    const mustHold = fn.annotations.filter((a) => a.kind === 'must-hold').map((a) => normaliseLockExpr(a.expr, model.syntax.unwrap));
    const callers = [...unmatched, ...walk.releases.filter((r) => r.matched && mustHold.includes(r.key) && !unmatched.some((u) => u.key === r.key))];
    for (const r of callers) {
      const at = paramPath(r.key, fn.params, fn.body.text, model.syntax.genericFields);
      const global = !at && isGlobal(r.key, fn.body.text);
      if (!at && !global) continue;
      // Walk again with the caller's lock held: does every return drop it, or only some (an -EAGAIN path)?
      const held = { key: r.key, kind: r.kind, cls: r.kind, line: fn.startLine, via: 'entry', status: 'held' as const, definite: true, entry: true };
      const again = walkFunction(fn, model, { entry: [held] });
      const always = again.exits.length > 0 && again.exits.every((e) => e.locks.some((x) => x.key === r.key && x.kind === r.kind && x.status === 'released' && x.definite));
      if (at) {
        facts.releases = { kind: r.kind, arg: at.arg, always };
        if (at.suffix) facts.releases.suffix = at.suffix;
        if (at.byField) facts.releases.byField = true;
      } else facts.releasesGlobal = { kind: r.kind, key: r.key, always };
    }
    if (fn.params.length) facts.params = fn.params.map((p) => p.name);
    functions.push(facts);
  }
  return { path, functions };
}

/** The one empty list that facts read back from the disk form share (never written to: facts are read only; facts-store.ts). */
export const NONE: never[] = Object.freeze([]) as unknown as never[];
/**
 * Names already met in facts, each kept once (the same callee in every file of a directory; REAL
 * io-uring with the 6.1 tree, an fs/-wide series: 69,000 functions in flight): bounded, emptied
 * past this many.
 */
const MAX_NAMES = 100_000;
const names = new Map<string, string>();
/**
 * JSON.parse makes a name of at most this many characters one string per process, however often it
 * occurs (V8 internalises such strings): shared already, it needs no lookup in `names`. Measured on
 * REAL fs/ of linux-source-6.1 (1,897 files read back as JSON): 1.24-1.30 times the CPU with every
 * name looked up, for a heap 1 MB larger (the table's entries).
 */
const SHARED_BY_JSON_PARSE = 10;

/** How many names `names` holds (for tests). */
export function namesKept(): number {
  return names.size;
}

/** `s` (a name just made by JSON.parse) as the one string kept for it. */
export function named(s: string): string {
  if (s.length <= SHARED_BY_JSON_PARSE) return s;
  const kept = names.get(s);
  if (kept !== undefined) return kept;
  if (names.size >= MAX_NAMES) names.clear();
  names.set(s, s);
  return s;
}
