// Paces the API calls that create content (check runs, reviews, comments, reactions), one queue per
// installation because GitHub's secondary limits are per installation: a short gap between any two
// calls, and never more than GitHub's documented 80 content-creating requests a minute or 500 an
// hour (kept a little under both). The calls go in three lanes, so that none waits for another kind
// to finish: check runs put "in progress" (a few at once: a burst of pull requests all shows "in
// progress" within a second or two even when each call takes GitHub half a second), check runs
// completed (one at a time), and reviews, comments and edits (one at a time). Reviews may fill only
// part of each window: the rest is kept for check runs, so a check run's completion never waits
// behind other pull requests' reviews, not even when a burst fills the minute. Why a few starts at
// once are within GitHub's rules: docs/github-app.md, "Rate limits".
// A call answered with a rate limit waits for Retry-After and is tried again.

/** The lanes: what the author sees at once, the verdict, the commentary. */
export type WritePriority = 'start' | 'complete' | 'review';
const LANES: readonly WritePriority[] = ['start', 'complete', 'review'];

export interface ContentQueueOptions {
  /** Shortest gap between two content-creating calls of one installation, in ms (0: unpaced, no caps). */
  spacingMs: number;
  /** Calls allowed in any 60 s (GitHub documents 80). */
  perMinute: number;
  /** Calls allowed in any hour (GitHub documents 500). */
  perHour: number;
  /** How many times one call is retried after a rate-limit answer. */
  maxRetries: number;
  /** Longest wait honoured for one Retry-After; a longer one fails the call instead of hanging the app. */
  maxWaitMs: number;
  /** Check runs put "in progress" at once per installation (completions and reviews: one at a time). */
  startsAtOnce: number;
  /** Of each window's caps, how many calls reviews, comments and edits leave to check runs. */
  checkRunReserve: { perMinute: number; perHour: number };
  /** Wait used when a secondary limit answer names no time. */
  fallbackWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /**
   * Takes a slot from a budget shared with other processes (src/queue/redis-budget.ts): 0 when the
   * call may go, else the ms to wait. Without it the caps are this process's own.
   */
  take?: (caps: Pick<ContentQueueOptions, 'spacingMs' | 'perMinute' | 'perHour'>) => Promise<number>;
  /** Told of each rate-limit wait before it starts (metrics). */
  onWait?: (ms: number) => void;
}

/** Write caps shared by the processes of one installation: Redis (src/queue/redis-budget.ts) or serve's SQLite file (sqlite-budget.ts). */
export interface WriteBudget {
  /** A `take` for one installation's ContentQueue. */
  forInstallation(installationId: number): NonNullable<ContentQueueOptions['take']>;
  close(): void;
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** The shortest gap from $KREVIEW_GITHUB_SPACING_MS (default 50 ms; 0: unpaced, for tests and GHE without limits). */
export function spacingFromEnv(): number {
  const spacing = Number(process.env.KREVIEW_GITHUB_SPACING_MS ?? 50);
  return Number.isFinite(spacing) && spacing >= 0 ? spacing : 50;
}

export const WRITE_CAPS = { perMinute: 75, perHour: 480 } as const;

/**
 * Reviews wait once a minute holds 65 calls (an hour 440): the last 10 (40) are kept for check
 * runs, so completions go out while reviews wait. Small enough that a burst of 20 pull requests
 * (60 calls: start, completion and review each) never holds a review back; with 20 kept, the
 * last reviews of such a burst waited for the minute to move on.
 */
export const CHECK_RUN_RESERVE = { perMinute: 10, perHour: 40 } as const;

const defaults: ContentQueueOptions = {
  spacingMs: 50,
  ...WRITE_CAPS,
  startsAtOnce: 4,
  checkRunReserve: CHECK_RUN_RESERVE,
  maxRetries: 3,
  maxWaitMs: 120_000,
  fallbackWaitMs: 60_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
};

/** How long a failed call asks us to wait, or null when the failure is not a rate limit. */
export function rateLimitWait(err: unknown, fallbackMs: number, nowMs = Date.now()): number | null {
  const e = err as HttpErrorLike;
  if (e?.status !== 403 && e?.status !== 429) return null;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - nowMs);
  }
  // A 403 without rate-limit headers is a permission problem unless GitHub says otherwise.
  if (e.status === 429 || /secondary rate limit|abuse/i.test(e.message ?? '')) return fallbackMs;
  return null;
}

/** How long until one more call fits: the gap since the last one and both windows. */
export function waitForSlot(sent: readonly number[], now: number, o: Pick<ContentQueueOptions, 'spacingMs' | 'perMinute' | 'perHour'>): number {
  if (o.spacingMs <= 0 || sent.length === 0) return 0;
  let wait = sent[sent.length - 1] + o.spacingMs - now;
  for (const [windowMs, cap] of [[60_000, o.perMinute], [3_600_000, o.perHour]] as const) {
    // `sent` is in time order: the call that must leave the window before another fits.
    if (sent.length >= cap) wait = Math.max(wait, sent[sent.length - cap] + windowMs - now);
  }
  return Math.max(0, wait);
}

interface Waiting {
  fn: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class ContentQueue {
  private readonly opts: ContentQueueOptions;
  private readonly waiting = new Map<WritePriority, Waiting[]>(LANES.map((p) => [p, []]));
  /** Calls of each lane taking a slot or under way. */
  private readonly busy = new Map<WritePriority, number>(LANES.map((p) => [p, 0]));
  /** Calls that left their lane's queue and wait for a slot under the caps. */
  private slotting = 0;
  /** Start times of the calls of the last hour, oldest first. */
  private readonly sent: number[] = [];
  /** Waits caused by rate-limit answers, in ms (for logs and tests). */
  readonly waits: number[] = [];

  constructor(opts: Partial<ContentQueueOptions> = {}) {
    this.opts = { ...defaults, ...opts };
  }

  /** Calls waiting for their turn or for a slot (a gauge for the metrics). */
  get depth(): number {
    let n = this.slotting;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Run `fn` in its lane, after the calls queued there before it. */
  run<T>(fn: () => Promise<T>, priority: WritePriority = 'review'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.get(priority)!.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.pump(priority);
    });
  }

  private width(lane: WritePriority): number {
    return lane === 'start' ? Math.max(1, this.opts.startsAtOnce) : 1;
  }

  /** The caps a call of this lane is held to: reviews stop short of them, leaving room for check runs. */
  private caps(lane: WritePriority): Pick<ContentQueueOptions, 'spacingMs' | 'perMinute' | 'perHour'> {
    const { spacingMs, perMinute, perHour, checkRunReserve: r } = this.opts;
    if (lane !== 'review') return { spacingMs, perMinute, perHour };
    return { spacingMs, perMinute: Math.max(1, perMinute - r.perMinute), perHour: Math.max(1, perHour - r.perHour) };
  }

  /** Starts as many of the lane's waiting calls as it has room for; each takes its slot first. */
  private pump(lane: WritePriority): void {
    const queue = this.waiting.get(lane)!;
    while (queue.length > 0 && this.busy.get(lane)! < this.width(lane)) {
      const w = queue.shift()!;
      this.busy.set(lane, this.busy.get(lane)! + 1);
      this.slotting++;
      void this.slot(lane)
        .finally(() => this.slotting--)
        .then(() => this.attempt(w.fn, lane))
        .then(w.resolve, w.reject)
        .finally(() => {
          this.busy.set(lane, this.busy.get(lane)! - 1);
          this.pump(lane);
        });
    }
  }

  private async slot(lane: WritePriority): Promise<void> {
    if (this.opts.spacingMs <= 0) return;
    const caps = this.caps(lane);
    const shared = this.opts.take;
    if (shared) {
      try {
        for (let wait = await shared(caps); wait > 0; wait = await shared(caps)) await this.opts.sleep(wait);
        return;
      } catch {
        // The shared budget is out of reach (Redis down): this process's own caps still hold.
      }
    }
    for (;;) {
      const now = this.opts.now();
      while (this.sent.length && this.sent[0] <= now - 3_600_000) this.sent.shift();
      const wait = waitForSlot(this.sent, now, caps);
      if (wait <= 0) break;
      await this.opts.sleep(wait);
    }
    this.sent.push(this.opts.now());
  }

  private async attempt<T>(fn: () => Promise<T>, lane: WritePriority): Promise<T> {
    for (let tries = 0; ; tries++) {
      if (tries > 0) await this.slot(lane);
      try {
        return await fn();
      } catch (err) {
        const wait = rateLimitWait(err, this.opts.fallbackWaitMs);
        if (wait === null || tries >= this.opts.maxRetries || wait > this.opts.maxWaitMs) throw err;
        this.waits.push(wait);
        this.opts.onWait?.(wait);
        await this.opts.sleep(wait);
      }
    }
  }
}
