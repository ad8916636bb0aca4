// The commit graph in memory, compact (parents as row ids in Int32Arrays, about 5 MB for a
// million commits), answering "reachable from base" with one walk per base kept as a bitset,
// and "first release containing" with one labelling walk over all release tags.
import type { HistoryIndex } from './history-index.js';

const MAX_CACHED_BASES = 16;
/** Bases whose chains are kept (a range has a few dozen commits in review at once). */
const MAX_CACHED_CHAINS = 256;
/** Longest single-parent chain walked before a base gets a set of its own. */
const CHAIN_STEPS = 64;
/** Labellings kept (one per set of release tags; a kept History sees the tags change now and then). */
const MAX_CACHED_LABELS = 4;

export class Ancestry {
  private offsets = new Int32Array(1);
  private parents = new Int32Array(0);
  /** Parent ids in use in `parents`. */
  private used = 0;
  /** The highest row id loaded (the index's visibleMax then). */
  private loadedMax = 0;
  private loadedGeneration = -1;
  /** Loaded rows that were stubs (parents unknown then): their parents may be written later. */
  private stubs: number[] = [];
  private reach = new Map<number, Uint8Array>();
  /** Per base: its single-parent chain and the set of the anchor below it (see baseReach). */
  private chains = new Map<number, { chain: number[]; bits: Uint8Array }>();
  private labels = new Map<string, Int32Array>();

  constructor(private readonly index: HistoryIndex) {}

  /**
   * Bring the graph up to the index's visible rows. New commits only ever get new, higher ids, and
   * no old commit gains a parent, so the graph is extended by the new rows alone, and what is
   * cached about old bases stays true: a commit added later is never an ancestor of an older one.
   * A stub loaded earlier (an interrupted update) forces one full reload instead.
   */
  private load(): void {
    if (this.loadedGeneration === this.index.generation && this.offsets.length > 1) return;
    if (this.offsets.length > 1 && this.stubs.length > 0 && this.index.stubsAmong(this.stubs).length < this.stubs.length) this.reset();
    const max = this.index.visibleMax;
    if (max < this.loadedMax) this.reset();
    const fromScratch = this.loadedMax === 0;
    // A graph saved at this size is read whole, not rebuilt from the rows.
    const saved = fromScratch ? this.index.loadGraph() : null;
    if (saved) {
      this.offsets = saved.offsets;
      this.parents = saved.parents;
      this.used = saved.offsets[max + 1];
      this.loadedMax = max;
      this.loadedGeneration = this.index.generation;
      return;
    }
    const offsets = new Int32Array(max + 2);
    offsets.set(this.offsets.subarray(0, Math.min(this.offsets.length, this.loadedMax + 1)));
    let parents = this.parents;
    let n = this.used;
    let last = this.loadedMax;
    for (const [id, list] of this.index.parentRows(this.loadedMax)) {
      for (let i = last + 1; i <= id; i++) offsets[i] = n;
      last = id;
      if (list === null) this.stubs.push(id);
      if (!list) continue;
      for (const p of list.split(' ')) {
        if (n >= parents.length) {
          const grown = new Int32Array(Math.max(16, parents.length * 2, max + (max >> 3)));
          grown.set(parents.subarray(0, n));
          parents = grown;
        }
        parents[n++] = Number(p);
      }
    }
    for (let i = last + 1; i <= max + 1; i++) offsets[i] = n;
    this.offsets = offsets;
    this.parents = parents;
    this.used = n;
    this.loadedMax = max;
    this.loadedGeneration = this.index.generation;
    // Saved for the next run only when every row was complete (a stub's parents come later).
    if (fromScratch && this.stubs.length === 0 && max > 0) this.index.saveGraph(max, offsets, parents.subarray(0, n));
  }

  /** Forget the graph and everything computed from it. */
  private reset(): void {
    this.offsets = new Int32Array(1);
    this.parents = new Int32Array(0);
    this.used = 0;
    this.loadedMax = 0;
    this.stubs = [];
    this.reach.clear();
    this.chains.clear();
    this.labels.clear();
  }

  /** Bitset of the row ids reachable from `baseId` (inclusive). */
  reachable(baseId: number): Uint8Array {
    this.load();
    const hit = this.reach.get(baseId);
    if (hit) {
      this.reach.delete(baseId);
      this.reach.set(baseId, hit);
      return hit;
    }
    // Reviewing a range asks about each commit's parent in turn: start from the cached set of an
    // ancestor (closed under parents), so each new base costs only the commits it adds.
    const seeded = this.cachedParentReach(baseId);
    // A set cached before the graph grew is shorter than the graph: copy it into a full-size one.
    const seen = new Uint8Array((this.offsets.length >> 3) + 1);
    if (seeded) seen.set(seeded);
    this.walk([baseId], seen, () => true);
    this.reach.set(baseId, seen);
    if (this.reach.size > MAX_CACHED_BASES) this.reach.delete(this.reach.keys().next().value as number);
    return seen;
  }

  /** The cached set of the nearest first-parent ancestor of `id` (a few thousand steps at most). */
  private cachedParentReach(id: number): Uint8Array | undefined {
    const { offsets, parents } = this;
    for (let steps = 0; steps < 10_000; steps++) {
      if (id <= 0 || id >= offsets.length - 1 || offsets[id] === offsets[id + 1]) return undefined;
      id = parents[offsets[id]];
      const hit = this.reach.get(id);
      if (hit) return hit;
    }
    return undefined;
  }

  isReachable(id: number, baseId: number): boolean {
    this.load();
    // A base the graph does not hold (not visible yet) is never walked, so no empty set is cached for it.
    if (baseId <= 0 || baseId > this.loadedMax) return false;
    const { chain, bits } = this.baseReach(baseId);
    return (id < bits.length * 8 && (bits[id >> 3] & (1 << (id & 7))) !== 0) || chain.includes(id);
  }

  /**
   * What a base reaches, as the commits of its single-parent chain down to an anchor plus the
   * anchor's set: in a linear stretch of history a base reaches its chain and whatever its
   * anchor reaches, so each base of a range costs a short walk, not a set of its own. A chain
   * stops at a merge, a root, a commit whose set is cached, or after CHAIN_STEPS commits (the
   * base's own set is made then, for the bases after it to stop at).
   */
  private baseReach(baseId: number): { chain: number[]; bits: Uint8Array } {
    const hit = this.chains.get(baseId);
    if (hit) return hit;
    const { offsets, parents } = this;
    // At most CHAIN_STEPS ids, looked through in order: an array costs less to make and keep than a set.
    let chain: number[] = [];
    let x = baseId;
    let bits: Uint8Array | undefined;
    for (;;) {
      bits = this.reach.get(x);
      if (bits) break;
      const single = x > 0 && x < offsets.length - 1 && offsets[x + 1] - offsets[x] === 1;
      if (!single) {
        // A merge or a root: its own set, seeded from a cached first-parent ancestor.
        bits = this.reachable(x);
        break;
      }
      if (chain.length >= CHAIN_STEPS) {
        // A long stretch: the base gets its own set, for the bases after it to stop at.
        chain = [];
        bits = this.reachable(baseId);
        break;
      }
      chain.push(x);
      x = parents[offsets[x]];
    }
    const entry = { chain, bits };
    this.chains.set(baseId, entry);
    if (this.chains.size > MAX_CACHED_CHAINS) this.chains.delete(this.chains.keys().next().value as number);
    return entry;
  }

  /**
   * For tags given oldest first, label every commit with the index of the first tag that
   * contains it (-1: none). Walking each tag stops at commits an older tag already labelled,
   * so the whole labelling costs one pass over the graph. Cached by `key`.
   */
  releaseLabels(key: string, tagIds: number[]): Int32Array {
    this.load();
    // The tags' row ids are part of the key: a tag moved to another commit labels differently.
    key = `${key}\0${tagIds.join(',')}`;
    const hit = this.labels.get(key);
    if (hit) return hit;
    const label = new Int32Array(this.offsets.length).fill(-1);
    const seen = new Uint8Array((this.offsets.length >> 3) + 1);
    tagIds.forEach((tagId, t) =>
      this.walk([tagId], seen, (id) => {
        label[id] = t;
        return true;
      }),
    );
    this.labels.set(key, label);
    if (this.labels.size > MAX_CACHED_LABELS) this.labels.delete(this.labels.keys().next().value as string);
    return label;
  }

  /** Depth-first walk over parents from `starts`, skipping ids already set in `seen`. */
  private walk(starts: number[], seen: Uint8Array, visit: (id: number) => boolean): void {
    const stack: number[] = [];
    for (const s of starts) stack.push(s);
    const { offsets, parents } = this;
    while (stack.length) {
      const id = stack.pop() as number;
      if (id <= 0 || id >= offsets.length - 1) continue;
      const bit = 1 << (id & 7);
      if (seen[id >> 3] & bit) continue;
      seen[id >> 3] |= bit;
      if (!visit(id)) continue;
      for (let i = offsets[id]; i < offsets[id + 1]; i++) stack.push(parents[i]);
    }
  }
}
