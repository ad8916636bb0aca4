// The engine's view of locking knowledge: lock kinds, the calls that take and drop them, and the
// macro syntax to cope with. Built from data (checks/rules/*.yml); the engine names no kernel function.
import { linearGlob } from '../core/safe-regex.js';
import { NameMemo } from '../core/name-memo.js';

/** When a conditional acquire holds the lock: returns true, returns 0, or returns a usable pointer. */
export type Success = 'true' | 'zero' | 'pointer';

/** `forget`: a helper that releases the lock on some of its paths only: afterwards its state is unknown. */
export type PrimitiveOp = 'acquire' | 'release' | 'conditional' | 'returns-locked' | 'forget';

export interface PrimitiveSpec {
  kind: string;
  op: PrimitiveOp;
  /** Function name or glob (`spin_lock*`). */
  name: string;
  /** Which argument names the lock; null when `key` is a constant or the lock is the return value. */
  arg: number | null;
  /** Constant lock identity for argument-less primitives (`local_irq_disable()` -> irq). */
  key?: string;
  /** Applies only when some argument matches (FGP_LOCK in the flags). */
  argMatches?: RegExp;
  /** The one argument `argMatches` tests (a mode argument: `xfs_iunlock(ip, XFS_ILOCK_EXCL)`); default any. */
  matchesArg?: number;
  success?: Success;
  /** Lock class for the order graph, when the argument does not show it (inode_lock(inode) -> i_rwsem). */
  cls?: string;
  /** A try-lock: it does not wait, so it can neither deadlock nor order two locks. */
  try?: boolean;
  /**
   * Orders nothing: a context rather than a lock (rcu_read_lock, preempt_disable), or a nesting
   * the author declared deliberate to lockdep (`*_nested`).
   */
  unordered?: boolean;
  /** Derived from a helper's body in the tree (not from the rules): `fs/btrfs/foo.c:120`. */
  inferred?: string;
  /** Appended to the argument to name the lock: a helper given `f` that unlocks `f->lock`. */
  suffix?: string;
  /** The suffix names the lock's field only (reached through a local: `iinfo = UDF_I(inode)`): it matches a held lock of that field, nothing else. */
  byField?: boolean;
}

export interface KindSpec {
  id: string;
  /** Words for notes: "page lock", "extent range lock". */
  label: string;
  /** Holding it makes the context atomic (no sleeping). */
  atomic: boolean;
  /** All locks of this kind share one class in the order graph (page locks). */
  sameClass: boolean;
  /** A lock that only tunes other rules (pagefault_disable): never leaked, never ordered. */
  pseudo: boolean;
}

export interface GuardClass {
  kind: string;
  key?: string;
}

/** Macro and annotation syntax the parser and walker must see through. */
export interface SyntaxSpec {
  /** Annotations naming a lock the function takes / drops / needs held: `__acquires(x)`. */
  acquires: string[];
  releases: string[];
  mustHold: string[];
  /** Calls that assert to lockdep that the caller holds a lock (`lockdep_assert_held(x)`): like mustHold, in the body. */
  assertHeld?: string[];
  /** Bare attribute words blanked before parsing (`__cold`, `noinline`). */
  ignoreWords: string[];
  /** Attribute macros blanked with their parenthesised argument (`__attribute__((...))`). */
  ignoreCalls: string[];
  /** Globs of iterator macros used as loop heads (`list_for_each_entry(...) { }`). */
  loopMacros: string[];
  /**
   * Macros that define a function from a name and type/argument pairs, like
   * `SYSCALL_DEFINE2(name, int, fd, struct page *, page) { }`: glob -> prefix of the function's name.
   */
  defineMacros?: Record<string, string>;
  /** cleanup.h guards: `guard(class)(&lock)` held to scope end, `scoped_guard(class, &lock) { }`. */
  guardMacros: string[];
  scopedGuardMacros: string[];
  guardClasses: Record<string, GuardClass>;
  /** Calls that return their argument's truth (`unlikely(x)`). */
  transparent: string[];
  /** Tests that are true when a pointer is an error or NULL (`IS_ERR(p)`). */
  errorTests: string[];
  /** Calls that name the same object under another type (`page_folio(page)` is `page`). */
  unwrap: string[];
  /** Lock field names too common to be a class alone (`->lock`): the owner is kept (`cache->lock`). */
  genericFields: string[];
  /** Kind of a lock named by an annotation, by its parameter's type (`spinlock_t` -> atomic; `RCU`). */
  lockTypes?: Record<string, string>;
  /** Kind of a lock named by an annotation as a field (`&inode->i_lock`), by the field's name. */
  lockFields?: Record<string, string>;
}

export interface LockModel {
  kinds: Map<string, KindSpec>;
  syntax: SyntaxSpec;
  /** The primitives a call matches (usually zero or one). */
  lookup(callee: string, args: string[]): PrimitiveSpec[];
  /** Could a call of this name be a primitive, whatever its arguments? (memoised) */
  names(callee: string): boolean;
}

/** Compile a shell-style glob (`*` and `?`) from a rule file into an anchored pattern matched in linear time. */
export function globToRegExp(glob: string): RegExp {
  return linearGlob(glob);
}

const CALLED = /\b([A-Za-z_]\w*)\s*\(/g;

/**
 * Does this code call anything that can take or drop a lock? A function that does not, and holds
 * nothing on entry, has no lock to report on: its walk can be skipped.
 */
export function mentionsPrimitive(code: string, model: LockModel): boolean {
  for (const m of code.matchAll(CALLED)) if (model.names(m[1])) return true;
  return false;
}

/** Names matcher: exact names in a Set, globs as RegExps, so the common case is one lookup. */
export class NameMatcher<T> {
  private exact = new Map<string, T[]>();
  /** `prefix`: the glob's letters before its first wildcard, which a name must start with. */
  private globs: { re: RegExp; prefix: string; value: T }[] = [];
  private added: [string, T][] = [];

  /** Glob matches per name: globs run on RE2 (rule files are not trusted), and a name recurs in every walk. Within the name memos' budget. */
  private globHits = new NameMemo<T[]>();
  /** The globs' prefixes by their first letter, and whether a glob has none (it may match any name). */
  private prefixes = new Map<string, string[]>();
  private anyPrefix = false;

  add(name: string, value: T): void {
    this.globHits.clear();
    this.added.push([name, value]);
    const wild = name.search(/[*?]/);
    if (wild >= 0) {
      const prefix = name.slice(0, wild);
      this.globs.push({ re: globToRegExp(name), prefix, value });
      if (prefix === '') this.anyPrefix = true;
      else this.prefixes.set(prefix[0], [...(this.prefixes.get(prefix[0]) ?? []), prefix]);
    } else {
      const list = this.exact.get(name);
      if (list) list.push(value);
      else this.exact.set(name, [value]);
    }
  }

  match(name: string): T[] {
    const out = this.exact.get(name) ?? [];
    if (this.globs.length === 0) return out;
    // A name no glob's prefix starts (most of a tree's callees and helpers) matches no glob: answered
    // without the memo, which it would otherwise fill (a fs/ patch asks of 35,000 helper names, past
    // the name memos' budget, and every memo was emptied several times per patch).
    if (!this.anyPrefix && !this.prefixes.get(name[0])?.some((p) => name.startsWith(p))) return out;
    let extra = this.globHits.get(name);
    if (!extra) {
      // The prefix first: most globs are then never compiled for RE2 (a tenth of a review's start-up).
      extra = this.globs.filter((g) => name.startsWith(g.prefix) && g.re.test(name)).map((g) => g.value);
      this.globHits.set(name, extra);
    }
    return extra.length ? [...out, ...extra] : out;
  }

  /** Every name and value added, in order (a matcher kept in the rule cache is rebuilt from them). */
  entries(): [string, T][] {
    return [...this.added];
  }
}

export function buildLockModel(kinds: KindSpec[], primitives: PrimitiveSpec[], syntax: SyntaxSpec): LockModel {
  const matcher = new NameMatcher<PrimitiveSpec>();
  for (const p of primitives) matcher.add(p.name, p);
  // Within the name memos' budget: a range meets new callees at nearly every commit.
  const seen = new NameMemo<boolean>();
  return {
    kinds: new Map(kinds.map((k) => [k.id, k])),
    syntax,
    lookup(callee, args) {
      const found = matcher.match(callee);
      if (found.length === 0) return found;
      return found.filter((p) => !p.argMatches || (p.matchesArg !== undefined ? p.argMatches.test(args[p.matchesArg] ?? '') : args.some((a) => p.argMatches!.test(a))));
    },
    names(callee) {
      let hit = seen.get(callee);
      if (hit === undefined) {
        hit = matcher.match(callee).length > 0 || syntax.guardMacros.includes(callee) || syntax.scopedGuardMacros.includes(callee);
        seen.set(callee, hit);
      }
      return hit;
    },
  };
}

/** A model that also knows `extra` primitives (helpers of the tree), consulted when the base has none. */
export function extendLockModel(model: LockModel, extra: PrimitiveSpec[]): LockModel {
  if (extra.length === 0) return model;
  const matcher = new NameMatcher<PrimitiveSpec>();
  for (const p of extra) matcher.add(p.name, p);
  return {
    kinds: model.kinds,
    syntax: model.syntax,
    lookup(callee, args) {
      const found = model.lookup(callee, args);
      return found.length ? found : matcher.match(callee);
    },
    names(callee) {
      return model.names(callee) || matcher.match(callee).length > 0;
    },
  };
}
