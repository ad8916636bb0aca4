// probot's Octokit without plugin-throttling's pacing of writes: that plugin spaces every write 1 s
// apart and every notifying write (reviews, comments) 3 s apart in one queue for all installations
// (its groups are keyed by a throttle id probot never sets), so one installation's reviews held up
// every other's check runs. kreview paces content-creating calls itself, per installation and by
// priority (content-queue.ts); the plugin still retries rate-limit answers.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';

export function kreviewOctokit(): typeof ProbotOctokit {
  const unpaced = () => new Bottleneck.Group({ maxConcurrent: null, minTime: 0 });
  const [write, notifications] = [unpaced(), unpaced()];
  // A function, not an object: Octokit merges object defaults shallowly, and any `throttle` given at
  // construction (probot gives one to every installation's Octokit) would drop these.
  return ProbotOctokit.defaults((options: { throttle?: object }) => ({ ...options, throttle: { ...options.throttle, write, notifications } }));
}
