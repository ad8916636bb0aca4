// The added lines of one file, sorted once, so that "which added lines fall in this function" is a
// binary search instead of a pass over every added line (a file with 100,000 hunks has as many).

export class LineIndex {
  private readonly sorted: number[];
  private readonly set: Set<number>;

  constructor(lines: Iterable<number>) {
    this.set = new Set(lines);
    this.sorted = [...this.set].sort((a, b) => a - b);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Every line, ascending. */
  get all(): readonly number[] {
    return this.sorted;
  }

  has(line: number): boolean {
    return this.set.has(line);
  }

  /** The smallest line, or undefined when empty. */
  first(): number | undefined {
    return this.sorted[0];
  }

  /** The first line in [lo, hi], or undefined. */
  firstIn(lo: number, hi: number): number | undefined {
    const i = this.lowerBound(lo);
    return i < this.sorted.length && this.sorted[i] <= hi ? this.sorted[i] : undefined;
  }

  /** Index of the first line >= `line`. */
  private lowerBound(line: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
