// The set of locks on a path through a function, and how two paths merge ("possibly held").

export interface Held {
  /** Lock identity: the normalised expression (`page`, `inode->io_tree`), or a constant (`irq`). */
  key: string;
  kind: string;
  /** Class for the order graph (`page`, `mmap_lock`). */
  cls: string;
  /** Line of the call that took it (or of the function start for entry state). */
  line: number;
  /** The call that took it (`lock_page`, `scoped_guard(spinlock)`), or `entry` for a lock held on entry. */
  via: string;
  status: 'held' | 'released';
  /** True when held (or released) on every path reaching this point. */
  definite: boolean;
  /** cleanup.h guard: dropped at scope end, never leaked by a return. */
  scoped?: boolean;
  entry?: boolean;
  /** Why it is held on entry (`->writepage callback`, `__must_hold(x)`, `name *_locked_*`). */
  origin?: string;
  /**
   * Released by a call that named another expression (taken for this lock written another way, the
   * only one of its kind held): a guess, so a release by the lock's own name later is not a second one.
   */
  aliasRelease?: boolean;
  /** Taken by a try-lock: it never waited, so it orders nothing. */
  try?: boolean;
  /** A context (rcu, preemption off) or a declared nesting: not part of any lock order. */
  unordered?: boolean;
  /** A context with one identity everywhere (rcu, irq, preempt): nobody try-locks it for a caller. */
  context?: boolean;
  /** Taken by a helper of the tree whose effect was inferred from its body: where that body is. */
  inferred?: string;
  /** The variable the acquiring call's value was stored in (`eb = lock_root_node(root)`): returning it hands the lock over. */
  bound?: string;
  /** The test (a plain flag such as `locked` or `!nowait`) under which it was taken, for correlated tests later. */
  cond?: string;
  /**
   * Held before lines that were not seen (hunk-only mode): they may have dropped it. `definite` is
   * then false; this keeps whether it was definite before the gap, and whether the function's own
   * release of it is seen after the point in question (evidence it is still held there).
   */
  gap?: { line: number; definite: boolean; releasedAfter: boolean };
  /**
   * Taken above the lines seen (or by the caller): the function releases it with no acquire in
   * sight, which says it is held from the start of what was seen.
   */
  above?: boolean;
  /** For a lock from above: the line of the release that says it was held. */
  releaseLine?: number;
  /**
   * Other objects the acquiring call was given by address (`&cached_state` of lock_extent()): a
   * helper given one of them may drop the lock with it.
   */
  handles?: string[];
  /** Kept held at a label (walk option held-wins) where another path arrived with it released. */
  releasedElsewhere?: boolean;
}

/** null is an unreachable point (after return, goto, break). */
export type LockState = ReadonlyMap<string, Held> | null;

export const stateKey = (kind: string, key: string): string => `${kind}\u0000${key}`;

export function mergeStates(a: LockState, b: LockState): LockState {
  if (a === null) return b;
  if (b === null || a === b) return a;
  const out = new Map<string, Held>();
  for (const [k, ha] of a) {
    const hb = b.get(k);
    if (!hb) out.set(k, { ...ha, definite: false });
    else if (ha.status === hb.status) out.set(k, ha.definite && hb.definite ? ha : { ...ha, definite: false });
    else out.set(k, { ...(ha.status === 'held' ? ha : hb), definite: false });
  }
  for (const [k, hb] of b) if (!a.has(k)) out.set(k, { ...hb, definite: false });
  return out;
}

/** Locks held (definitely or possibly) in a state. */
export function heldLocks(s: LockState): Held[] {
  if (!s) return [];
  return [...s.values()].filter((h) => h.status === 'held');
}

/** A stable text form, to tell when a fixpoint is reached. */
export function stateSignature(s: LockState): string {
  if (!s) return '-';
  return [...s.entries()]
    .map(([k, h]) => `${k}:${h.status}:${h.definite ? 1 : 0}`)
    .sort()
    .join('|');
}
