// probot's Octokit with its write throttle shaped like kreview's ContentQueue: probot spaces every
// write of an installation 1 s apart (plugin-throttling's `write` group); kreview lets a short
// burst through after a quiet spell and settles at one a second, which stays under GitHub's
// documented 80 content-creating requests a minute (see content-queue.ts). With metrics, every
// request is counted by method and status, and every rate limit waited out by which limit.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';
import type { Metrics } from '../ops/metrics.js';
import { WRITE_BURST } from './content-queue.js';

/** plugin-throttling's handler: true asks for a retry after `retryAfter` seconds. */
type LimitHandler = (retryAfter: number, ...rest: unknown[]) => unknown;

interface ThrottleOptions {
  onRateLimit?: LimitHandler;
  onSecondaryRateLimit?: LimitHandler;
}

/** The handler as it was, and a wait counted when it asks for the retry. */
function counted(metrics: Metrics, limit: string, handler: LimitHandler): LimitHandler {
  return (retryAfter, ...rest) => {
    const note = (retry: unknown) => {
      if (retry === true) metrics.rateLimited(limit, retryAfter);
      return retry;
    };
    const retry = handler(retryAfter, ...rest);
    return retry instanceof Promise ? retry.then(note) : note(retry);
  };
}

export function kreviewOctokit(spacingMs = 1000, metrics?: Metrics): typeof ProbotOctokit {
  // spacingMs 0 (KREVIEW_GITHUB_SPACING_MS=0, for tests and GitHub Enterprise without limits): one at a time, unspaced.
  const write = new Bottleneck.Group(
    spacingMs > 0
      ? { id: 'kreview-write', maxConcurrent: 1, minTime: 0, reservoir: WRITE_BURST, reservoirIncreaseAmount: 1, reservoirIncreaseInterval: spacingMs, reservoirIncreaseMaximum: WRITE_BURST }
      : { id: 'kreview-write', maxConcurrent: 1, minTime: 0 },
  );
  const limits = (t: ThrottleOptions | undefined): ThrottleOptions => {
    if (!metrics) return {};
    const out: ThrottleOptions = {};
    if (t?.onRateLimit) out.onRateLimit = counted(metrics, 'primary', t.onRateLimit);
    if (t?.onSecondaryRateLimit) out.onSecondaryRateLimit = counted(metrics, 'secondary', t.onSecondaryRateLimit);
    return out;
  };
  // A function, not an object: Octokit merges object defaults shallowly, and any `throttle` given at
  // construction (probot gives one to every installation's Octokit) would drop this one.
  const Base = ProbotOctokit.defaults((options: { throttle?: ThrottleOptions }) => ({ ...options, throttle: { ...options.throttle, write, ...limits(options.throttle) } }));
  if (!metrics) return Base;
  return Base.plugin((octokit) => {
    octokit.hook.after('request', (res, o) => void metrics.apiCalls.inc({ method: o.method, status: String(res.status) }));
    octokit.hook.error('request', (err, o) => {
      metrics.apiCalls.inc({ method: o.method, status: String((err as { status?: unknown }).status ?? 'no answer') });
      throw err;
    });
  });
}
