// The lock rules as the check uses them, after checks/rules/*.yml is loaded and validated.
import type { Severity } from '../../src/core/types.js';
import type { KindSpec, LockModel, NameMatcher } from '../../src/c/lock-model.js';

export type Confidence = 'high' | 'medium' | 'low';

/** One dangerous call of a rule. */
export interface CallRule {
  /** Function name or glob; null for `acquire:` entries. */
  name: string | null;
  /** Only when some argument matches. */
  argMatches?: RegExp;
  /** Not when some argument matches (NO_FLUSH). */
  unlessArg?: RegExp;
  /** Only when this argument names a different lock than the one held (another page's writeback). */
  otherThanHeld?: number;
  /** Taking another lock of this kind while one is held. */
  acquire?: string;
  /** Path prefixes this call is a problem in. */
  paths?: string[];
  confidence?: Confidence;
  /** What the call does underneath, for the note: `a -> b -> c`. */
  via?: string;
  /** How to name the call in the note when the name is a pattern. */
  label?: string;
  /** The question to end the note with for this call, where the rule's own would not fit it. */
  fix?: string;
  /**
   * A pattern's matches reviewed against a real tree (the rule files' `reviewed:`): names it was
   * checked to mean though their bodies call nothing else the rule names (they are the primitive
   * itself). The start-up pattern report (glob-report.ts) accepts them and reports any other match.
   */
  reviewed?: string[];
}

export interface LockRule {
  id: string;
  /** Lock kinds under which the calls are dangerous. */
  held: string[];
  severity: Severity;
  confidence: Confidence;
  /** Path prefixes the rule applies to (empty: everywhere). */
  paths: string[];
  /** Path prefixes where it is the design, with the reason. */
  notPaths: { path: string; reason: string }[];
  calls: CallRule[];
  /** Lower the confidence when one of these (pseudo) locks is held, e.g. pagefault_disable(). */
  lowerIfHeld: string[];
  /**
   * Not when the function called one of these (names) before the call: the evidence that the
   * locked range was waited idle first (an ordered-extent lookup under the extent lock).
   */
  unlessAfter: string[];
  /** Built-in analyses that are not call tables. */
  analysis?: 'order' | 'balance';
  does: string;
  waits: string;
  fix: string;
  precedent: { commit: string; subject?: string }[];
  /** Rule file it came from, for messages. */
  file: string;
}

export interface NeverEntry {
  held: string;
  calls: NameMatcher<true>;
  args: RegExp[];
  /** Only for the lock this argument names (`__xa_store(xa, ...)` drops xa's own lock to allocate, no other). */
  lockArg?: number;
}

/** `first` of a documented order that says `then` is innermost: no other lock is taken while it is held. */
export const INNERMOST = '*';

export interface DocumentedOrder {
  /** The class taken first, or INNERMOST: any lock. */
  first: string;
  then: string;
  source: string;
  paths: string[];
}

export interface EntryRule {
  holds: string;
  callbacks: string[];
  names: RegExp[];
  /** The parameter declaration that is the lock; or else `key`. */
  param?: RegExp;
  /** A constant identity for a lock no parameter names (the caller's running journal handle). */
  key?: string;
  /** Why the function starts with it held, for the note (the documented caller). */
  why?: string;
}

/**
 * Functions that return with a lock held by contract: their callers unlock. Matched by the
 * operations-table member they are registered as, by name, or by what they return.
 */
export interface ExitRule {
  holds: string[];
  callbacks: string[];
  names: RegExp[];
  /** Only the returns whose expression matches (VM_FAULT_LOCKED). */
  returns?: RegExp;
}

export interface RuleSet {
  model: LockModel;
  kinds: KindSpec[];
  rules: LockRule[];
  never: NeverEntry[];
  orders: DocumentedOrder[];
  entry: EntryRule[];
  exit: ExitRule[];
  /** Content hash of the rule files: summaries cached under it stay valid while rules do. */
  hash: string;
}
