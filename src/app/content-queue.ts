// Paces the API calls that create content (check runs, reviews, comments, reactions), one queue per
// installation because GitHub's secondary limits are per installation: one call at a time (GitHub
// asks for serial writes), a short gap between calls, and never more than GitHub's documented 80
// content-creating requests a minute or 500 an hour (kept a little under both). Within those caps a
// burst goes out at once, so 20 pull requests opened together all show "in progress" within a second
// or two. Calls wait by priority: starting a check run first, completing one next, reviews and
// comments last, so a check run's completion never waits behind another pull request's review.
// A call answered with a rate limit waits for Retry-After and is tried again.

/** Highest first: what the author sees at once, then the verdict, then the commentary. */
export type WritePriority = 'start' | 'complete' | 'review';
const ORDER: readonly WritePriority[] = ['start', 'complete', 'review'];

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

const defaults: ContentQueueOptions = {
  spacingMs: 50,
  ...WRITE_CAPS,
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
  private readonly waiting = new Map<WritePriority, Waiting[]>(ORDER.map((p) => [p, []]));
  /** Start times of the calls of the last hour, oldest first. */
  private readonly sent: number[] = [];
  private pumping = false;
  /** Waits caused by rate-limit answers, in ms (for logs and tests). */
  readonly waits: number[] = [];

  constructor(opts: Partial<ContentQueueOptions> = {}) {
    this.opts = { ...defaults, ...opts };
  }

  /** Calls waiting for their turn (a gauge for the metrics). */
  get depth(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Run `fn` after the calls queued before it at its priority and every call at a higher one. */
  run<T>(fn: () => Promise<T>, priority: WritePriority = 'review'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.get(priority)!.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.pumping) void this.pump();
    });
  }

  private next(): Waiting | undefined {
    for (const p of ORDER) {
      const w = this.waiting.get(p)!.shift();
      if (w) return w;
    }
    return undefined;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.depth > 0) {
        // The slot first, then the call: one that arrived meanwhile with a higher priority goes first.
        await this.slot();
        const w = this.next()!;
        try {
          w.resolve(await this.attempt(w.fn));
        } catch (e) {
          w.reject(e);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async slot(): Promise<void> {
    if (this.opts.spacingMs <= 0) return;
    const shared = this.opts.take;
    if (shared) {
      try {
        for (let wait = await shared(this.opts); wait > 0; wait = await shared(this.opts)) await this.opts.sleep(wait);
        return;
      } catch {
        // The shared budget is out of reach (Redis down): this process's own caps still hold.
      }
    }
    for (;;) {
      const now = this.opts.now();
      while (this.sent.length && this.sent[0] <= now - 3_600_000) this.sent.shift();
      const wait = waitForSlot(this.sent, now, this.opts);
      if (wait <= 0) break;
      await this.opts.sleep(wait);
    }
    this.sent.push(this.opts.now());
  }

  private async attempt<T>(fn: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      if (tries > 0) await this.slot();
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
