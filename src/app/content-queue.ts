// Serialises the API calls that create content (check runs, reviews, comments) so the app
// stays under GitHub's secondary rate limits: calls are spaced, and a limit hit waits for Retry-After.

export interface ContentQueueOptions {
  /** Minimum time between the starts of two content-creating calls (GitHub asks for about 1 s). */
  spacingMs: number;
  /** How many times one call is retried after a rate-limit answer. */
  maxRetries: number;
  /** Longest wait honoured for one Retry-After; a longer one fails the call instead of hanging the app. */
  maxWaitMs: number;
  /** Wait used when a secondary limit answer names no time. */
  fallbackWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

const defaults: ContentQueueOptions = {
  spacingMs: 1000,
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
  private lastStart = 0;
  /** Waits caused by rate-limit answers, in ms (for logs and tests). */
  readonly waits: number[] = [];

  constructor(opts: Partial<ContentQueueOptions> = {}) {
    this.opts = { ...defaults, ...opts };
  }

  /** Run `fn` after every call queued before it, spaced and retried on rate limits. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.attempt(fn));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async attempt<T>(fn: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      const gap = this.lastStart + this.opts.spacingMs - Date.now();
      if (gap > 0) await this.opts.sleep(gap);
      this.lastStart = Date.now();
      try {
        return await fn();
      } catch (err) {
        const wait = rateLimitWait(err, this.opts.fallbackWaitMs);
        if (wait === null || tries >= this.opts.maxRetries || wait > this.opts.maxWaitMs) throw err;
        this.waits.push(wait);
        await this.opts.sleep(wait);
      }
    }
  }
}
