// The inside of a range review thread (src/review/range-threads.ts): the commits handed to it are
// reviewed as on the main thread, with this thread's own History of the same repository and its
// own checks, and each review is posted back as it is done. It only computes: the order, the output
// and the exit code stay with the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { KreviewConfig } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import { operatorNotesTo } from '../core/operator-notes.js';
import type { FileDiff, Patch, PatchReview } from '../core/types.js';
import type { History } from '../git/history-types.js';

export interface RangeThreadInit {
  repo: string;
  base?: string;
  config: KreviewConfig;
  /** The range's commits: this thread's History asks ahead about what their Fixes: tags name, as the main thread's does. */
  oids?: string[];
}

/** A commit to review (its index in the range), or `close`: end the History's gits, then the thread. */
export type RangeThreadRequest = { i: number; patch: Patch } | { close: true };

/**
 * A review without its patch, which the main thread has: only the diff, when one was loaded for
 * the findings (`files`; null when the patch went back as it came).
 */
export type RangeThreadReply = { i: number; review: Omit<PatchReview, 'patch'>; files: FileDiff[] | null } | { i: number; error: string } | { operator: string };

const port = parentPort;
if (port && workerData && (workerData as { kreviewRange?: RangeThreadInit }).kreviewRange) {
  const init = (workerData as { kreviewRange: RangeThreadInit }).kreviewRange;
  // The main thread says each operator line once, whichever threads met it.
  operatorNotesTo((line) => port.postMessage({ operator: line } satisfies RangeThreadReply));
  const pipeline = import('./pipeline.js');
  const ready = (async () => {
    const { activeChecks } = await pipeline;
    const { openHistory } = await import('../git/history.js');
    const [history, checks] = await Promise.all([openHistory(init.repo, { checked: true }), activeChecks(undefined, init.config)]);
    if (init.oids && checks.some((c) => c.id === 'fixes')) history.expectFixesOf?.(init.oids);
    return { history: history as History, checks };
  })();
  // A thread whose History or checks cannot start ends: the main thread reviews its commits itself.
  ready.catch(() => process.exit(1));
  port.on('message', (m: RangeThreadRequest) => {
    if ('close' in m) {
      void ready
        .then((r) => r.history.close())
        .catch(() => undefined)
        .finally(() => port.close());
      return;
    }
    void (async () => {
      try {
        const { reviewCommit } = await pipeline;
        const { history, checks } = await ready;
        const { patch, ...review } = await reviewCommit(m.patch, { repo: init.repo, base: init.base, config: init.config, history }, checks);
        port.postMessage({ i: m.i, review, files: patch === m.patch ? null : patch.files } satisfies RangeThreadReply);
      } catch (e) {
        port.postMessage({ i: m.i, error: errorMessage(e) } satisfies RangeThreadReply);
      }
    })();
  });
}
