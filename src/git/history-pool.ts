// Histories kept open between reviews, one per repository directory: their git processes, index
// connection and in-memory commit graph stay warm, and each new user first has them refreshed
// (src/git/history.ts refresh()) so that what a fetch brought in is seen.
import { KreviewError } from '../core/types.js';
import type { History } from './history-types.js';

export interface HistoryLease {
  history: History;
  /** Done with it for now (once; later calls do nothing). The History stays open for the next review. */
  release(): void;
}

export interface HistoryPoolOptions {
  /** Close a History nobody has used for this long (default 10 minutes). */
  idleMs?: number;
  /** Keep at most this many open; the longest idle one is closed first (default 8). */
  maxKept?: number;
}

interface Entry {
  repo: string;
  history: Promise<History>;
  users: number;
  lastUsed: number;
  timer: NodeJS.Timeout | null;
  /** Left the pool (evicted, broken or the pool closed): closed once its last user is done. */
  retired: boolean;
}

export class HistoryPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly maxKept: number;
  private closed = false;
  private readonly closing = new Set<Promise<void>>();

  constructor(opts: HistoryPoolOptions = {}) {
    this.idleMs = opts.idleMs ?? 600_000;
    this.maxKept = opts.maxKept ?? 8;
  }

  /** Histories open now. */
  get size(): number {
    return this.entries.size;
  }

  /** Leases handed out and not given back yet. */
  get inUse(): number {
    return this.leased;
  }

  private leased = 0;

  /**
   * The History of `repo`, opened with `open` the first time and refreshed on every later
   * acquisition (a fetch may have brought new commits since it was last used).
   */
  async acquire(repo: string, open: () => Promise<History>): Promise<HistoryLease> {
    if (this.closed) throw new KreviewError('the history pool is closed');
    let entry = this.entries.get(repo);
    let opened = false;
    if (!entry) {
      opened = true;
      const fresh: Entry = { repo, history: open(), users: 0, lastUsed: Date.now(), timer: null, retired: false };
      entry = fresh;
      this.entries.set(repo, fresh);
      fresh.history.catch(() => this.drop(fresh));
    }
    const e = entry;
    e.users++;
    this.leased++;
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    if (opened) this.trim();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      e.users--;
      this.leased--;
      e.lastUsed = Date.now();
      if (e.users > 0) return;
      if (e.retired) this.closeEntry(e);
      else this.scheduleIdle(e);
    };
    try {
      const history = await e.history;
      // Opening indexed the refs as they are now; a History opened earlier has to catch up.
      if (!opened) await history.refresh();
      return { history, release };
    } catch (err) {
      // A History that cannot open or catch up is not handed out again; one that cannot catch up
      // (its repository was replaced, its processes died) is opened afresh once.
      this.drop(e);
      release();
      if (!opened && !this.closed) return this.acquire(repo, open);
      throw err;
    }
  }

  /** Close every History (those in use when their review releases them). */
  async close(): Promise<void> {
    this.closed = true;
    for (const e of [...this.entries.values()]) {
      this.drop(e);
      if (e.users === 0) this.closeEntry(e);
    }
    await Promise.all([...this.closing]);
  }

  private scheduleIdle(e: Entry): void {
    e.timer = setTimeout(() => {
      e.timer = null;
      if (e.users > 0) return;
      this.drop(e);
      this.closeEntry(e);
    }, this.idleMs);
    e.timer.unref();
  }

  /** Over the limit: retire the longest-idle unused Histories. */
  private trim(): void {
    if (this.entries.size <= this.maxKept) return;
    const idle = [...this.entries.values()].filter((e) => e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle.slice(0, this.entries.size - this.maxKept)) {
      this.drop(e);
      this.closeEntry(e);
    }
  }

  private drop(e: Entry): void {
    e.retired = true;
    if (this.entries.get(e.repo) === e) this.entries.delete(e.repo);
  }

  private closeEntry(e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    const done: Promise<void> = e.history.then((h) => h.close()).catch(() => undefined);
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
  }
}
