// Serialises the API calls that create content (check runs, reviews, comments) so the app
// stays under GitHub's secondary rate limits: one call at a time, one a second on average with a
// short burst allowed after a quiet spell (a token bucket), and a limit hit waits for Retry-After.
//
// GitHub's documented limit is 80 content-creating requests a minute; a bucket of `burst` tokens
// refilled one per `spacingMs` never makes more than burst + 60,000 / spacingMs in any minute
// (64 with the defaults). A review of one push makes 3 to 5 such calls, so a PR on a quiet
// installation is published without waiting, and a busy one settles at one call a second.

export interface ContentQueueOptions {
  /** Sustained pace: one content-creating call per this many ms (GitHub asks for about 1 s). */
  spacingMs: number;
  /** Calls that may start back to back after a quiet spell (the bucket's size; 1: always spaced). */
  burst: number;
  /** How many times one call is retried after a rate-limit answer. */
  maxRetries: number;
  /** Longest wait honoured for one Retry-After; a longer one fails the call instead of hanging the app. */
  maxWaitMs: number;
  /** Wait used when a secondary limit answer names no time. */
  fallbackWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Told of each rate-limit wait before it starts (metrics). */
  onWait?: (ms: number) => void;
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Keeps the worst minute under GitHub's 80 content-creating requests: burst + 60 at 1 s spacing. */
export const WRITE_BURST = 4;

/** The sustained pace from $KREVIEW_GITHUB_SPACING_MS (default 1000 ms; 0: unspaced). */
export function spacingFromEnv(): number {
  const spacing = Number(process.env.KREVIEW_GITHUB_SPACING_MS ?? 1000);
  return Number.isFinite(spacing) && spacing >= 0 ? spacing : 1000;
}

const defaults: ContentQueueOptions = {
  spacingMs: 1000,
  burst: WRITE_BURST,
  maxRetries: 3,
  maxWaitMs: 120_000,
  fallbackWaitMs: 60_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
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

export class ContentQueue {
  private readonly opts: ContentQueueOptions;
  private tail: Promise<unknown> = Promise.resolve();
  /** Tokens in the bucket at `filledAt`. */
  private tokens: number;
  private filledAt = Date.now();
  /** Waits caused by rate-limit answers, in ms (for logs and tests). */
  readonly waits: number[] = [];

  constructor(opts: Partial<ContentQueueOptions> = {}) {
    this.opts = { ...defaults, ...opts };
    this.opts.burst = Math.max(1, Math.floor(this.opts.burst));
    this.tokens = this.opts.burst;
  }

  /** Takes a token, first waiting for one when the bucket is empty. */
  private async take(): Promise<void> {
    const { spacingMs, burst } = this.opts;
    if (spacingMs <= 0) return;
    for (;;) {
      const now = Date.now();
      const gained = Math.floor((now - this.filledAt) / spacingMs);
      if (gained > 0) {
        this.tokens = Math.min(burst, this.tokens + gained);
        // A full bucket does not bank time; a partial one keeps the part of a token already earned.
        this.filledAt = this.tokens === burst ? now : this.filledAt + gained * spacingMs;
      }
      if (this.tokens >= 1) break;
      // At least 1 ms: a timer that fires a little early comes back here rather than spinning.
      await this.opts.sleep(Math.max(1, this.filledAt + spacingMs - now));
    }
    this.tokens--;
  }

  /** Run `fn` after every call queued before it, spaced and retried on rate limits. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.attempt(fn));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async attempt<T>(fn: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      await this.take();
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
