// Memos keyed by names met in sources (callees, helpers): asked at every call of every walk, so
// they answer from a Map, but a range review meets new names at nearly every commit. Two things
// made them grow with the range: nothing bounded some of them, and a name cut from a file's text
// (tree-sitter's `text`, a regex match) is, from 13 characters on, a V8 slice that keeps the whole
// text alive: a memo of names held a text per file version (btrfs-progs, 3,000 commits: 8 MB of
// texts for a few hundred KB of names). Here the keys are copies of their own, and all name memos
// together stay within their share of limits.cacheBytes: past it they are all emptied at once
// (cheap, and rare: a tree's vocabulary is some thousands of names).
import { cacheShare } from './cache-shares.js';
import { DEFAULT_LIMITS } from './limits.js';

/** About what one entry costs: the key's own string, the Map's slot, a small value. */
const entryBytes = (name: string): number => 64 + 2 * name.length;

/** A name's text apart from whatever it was cut from (V8 slices strings of 13 characters or more). */
export function ownCopy(name: string): string {
  return name.length < 13 ? name : (JSON.parse(JSON.stringify(name)) as string);
}

interface Account {
  bytes: number;
  ref: WeakRef<NameMemo<unknown>>;
}

let budget = cacheShare('nameMemos', DEFAULT_LIMITS.cacheBytes);
let held = 0;
const live = new Set<Account>();
// A memo no longer reachable (a patch's extended lock model) gives its bytes back when collected.
const collected = new FinalizationRegistry<Account>((a) => {
  held -= a.bytes;
  live.delete(a);
});

function forgetAll(): void {
  for (const a of live) {
    const memo = a.ref.deref();
    if (memo) memo.clear();
    else {
      // Collected, its finaliser not yet run: it gives nothing back twice.
      held -= a.bytes;
      a.bytes = 0;
      live.delete(a);
    }
  }
}

/** The name memos' budget: their share of limits.cacheBytes of the run. */
export function setNameMemosBudget(cacheBytes: number): void {
  budget = cacheShare('nameMemos', cacheBytes);
  if (held > budget) forgetAll();
}

/** Entries and counted bytes of all name memos (for tests and bench/range-memory.ts). */
export function nameMemosKept(): { count: number; bytes: number } {
  let count = 0;
  for (const a of live) count += a.ref.deref()?.size ?? 0;
  return { count, bytes: held };
}

export class NameMemo<V> {
  private readonly map = new Map<string, V>();
  private readonly account: Account;

  constructor() {
    this.account = { bytes: 0, ref: new WeakRef(this as NameMemo<unknown>) };
    live.add(this.account);
    collected.register(this, this.account);
  }

  get size(): number {
    return this.map.size;
  }

  get(name: string): V | undefined {
    return this.map.get(name);
  }

  set(name: string, value: V): void {
    if (this.map.has(name)) {
      this.map.set(name, value);
      return;
    }
    const cost = entryBytes(name);
    if (held + cost > budget) forgetAll();
    this.map.set(ownCopy(name), value);
    this.account.bytes += cost;
    held += cost;
  }

  clear(): void {
    this.map.clear();
    held -= this.account.bytes;
    this.account.bytes = 0;
  }
}
