// probot's Octokit with its write throttle shaped like kreview's ContentQueue: probot spaces every
// write of an installation 1 s apart (plugin-throttling's `write` group); kreview lets a short
// burst through after a quiet spell and settles at one a second, which stays under GitHub's
// documented 80 content-creating requests a minute (see content-queue.ts).
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';
import { WRITE_BURST } from './content-queue.js';

export function kreviewOctokit(spacingMs = 1000): typeof ProbotOctokit {
  // spacingMs 0 (KREVIEW_GITHUB_SPACING_MS=0, for tests and GitHub Enterprise without limits): one at a time, unspaced.
  const write = new Bottleneck.Group(
    spacingMs > 0
      ? { id: 'kreview-write', maxConcurrent: 1, minTime: 0, reservoir: WRITE_BURST, reservoirIncreaseAmount: 1, reservoirIncreaseInterval: spacingMs, reservoirIncreaseMaximum: WRITE_BURST }
      : { id: 'kreview-write', maxConcurrent: 1, minTime: 0 },
  );
  // A function, not an object: Octokit merges object defaults shallowly, and any `throttle` given at
  // construction (probot gives one to every installation's Octokit) would drop this one.
  return ProbotOctokit.defaults((options: { throttle?: object }) => ({ ...options, throttle: { ...options.throttle, write } }));
}
