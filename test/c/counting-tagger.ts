// The lock rules' tagger with a count of its calls, for tests that a cached answer spares the tagger
// (direct tags read back from disk, a directory's tags shared between its patches).
import { matcherFor } from '../../checks/lock/match.js';
import type { RuleSet } from '../../checks/lock/rule-types.js';
import type { Tagger } from '../../src/c/summaries.js';

/** The rules' tagger, counting its calls, under the cache id the real one has. */
export function countingTagger(rules: RuleSet): { tagger: Tagger; calls: () => number } {
  const real = matcherFor(rules).tagger();
  let n = 0;
  const tagger: Tagger = Object.assign((callee: string, args: string[], path: string, dropped: string[]) => {
    n++;
    return real(callee, args, path, dropped);
  }, { held: real.held, cacheId: real.cacheId });
  return { tagger, calls: () => n };
}
