// The fuzzing suite in CI: every property of ./properties.ts with a fixed seed and a short budget
// (the whole file well under 20 s). bench/fuzz.ts runs the same properties longer, seed printed.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { targets } from './properties.js';

/** Same inputs every run; a failure prints the seed and path to replay it. */
const SEED = 20261206;
const RUNS = 120;
/** Per property: what is left of the runs is skipped past this, so a slow machine stays in budget. */
const TIME_MS = 3_500;

describe('fuzzing (fixed seed, short budget)', () => {
  for (const t of targets()) {
    it(t.name, async () => {
      await fc.assert(t.property, { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false });
    }, 30_000);
  }
});
