// A least-recently-used map bounded by an estimate of the bytes its values hold, not by their
// number: parsed facts of one file range from a few hundred bytes to megabytes, so a count bound
// either holds too little of a small tree or too much of a large one. (The caches in node_modules,
// toad-cache among them, bound entries by count only.)

export class ByteLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  /** `maxEntries` bounds the count as well, for values that are costly to search through. */
  constructor(
    private budget: number,
    private readonly maxEntries = Infinity,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** The values, least recently used first; reading them does not make them recent. */
  *values(): IterableIterator<V> {
    for (const e of this.entries.values()) yield e.value;
  }

  /** Keep `value` as the most recently used, then drop the least recently used past the budget. */
  set(key: K, value: V, bytes: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    this.trim();
  }

  /** A new budget (from the limits of the run); entries past it are dropped at once. */
  resize(budget: number): void {
    this.budget = budget;
    this.trim();
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private trim(): void {
    // The newest entry always stays, even alone past the budget: it is the one being used.
    while ((this.total > this.budget || this.entries.size > this.maxEntries) && this.entries.size > 1) {
      const [k, e] = this.entries.entries().next().value!;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }
}
