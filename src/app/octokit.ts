// probot's Octokit without plugin-throttling's pacing of writes: that plugin spaces every write 1 s
// apart and every notifying write (reviews, comments) 3 s apart in one queue for all installations
// (its groups are keyed by a throttle id probot never sets), so one installation's reviews held up
// every other's check runs. kreview paces content-creating calls itself, per installation and by
// priority (content-queue.ts); the plugin still retries rate-limit answers. With metrics, every
// request is counted by method and status, and every rate limit waited out by which limit.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';
import type { Metrics } from '../ops/metrics.js';

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

export function kreviewOctokit(metrics?: Metrics): typeof ProbotOctokit {
  const unpaced = () => new Bottleneck.Group({ maxConcurrent: null, minTime: 0 });
  const [write, notifications] = [unpaced(), unpaced()];
  const limits = (t: ThrottleOptions | undefined): ThrottleOptions => {
    if (!metrics) return {};
    const out: ThrottleOptions = {};
    if (t?.onRateLimit) out.onRateLimit = counted(metrics, 'primary', t.onRateLimit);
    if (t?.onSecondaryRateLimit) out.onSecondaryRateLimit = counted(metrics, 'secondary', t.onSecondaryRateLimit);
    return out;
  };
  // A function, not an object: Octokit merges object defaults shallowly, and any `throttle` given at
  // construction (probot gives one to every installation's Octokit) would drop these.
  const Base = ProbotOctokit.defaults((options: { throttle?: ThrottleOptions }) => ({ ...options, throttle: { ...options.throttle, write, notifications, ...limits(options.throttle) } }));
  if (!metrics) return Base;
  return Base.plugin((octokit) => {
    octokit.hook.after('request', (res, o) => void metrics.apiCalls.inc({ method: o.method, status: String(res.status) }));
    octokit.hook.error('request', (err, o) => {
      metrics.apiCalls.inc({ method: o.method, status: String((err as { status?: unknown }).status ?? 'no answer') });
      throw err;
    });
  });
}
