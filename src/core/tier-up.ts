// When V8 optimizes a function: after it has run through `interrupt_budget` bytes of bytecode
// (132 KiB by default), and again after each deoptimization. Tuned for pages and short scripts;
// the daemon runs about a thousand functions of the review pipeline, most of them warm but not hot
// (a rule is matched a few hundred times per series, a header parsed once per message), and
// optimizing them all cost a quarter of its CPU seconds: perf on a replay of 3,000 REAL linux-block
// messages (no repository) put 26% of the process's samples in TurboFan's compiler, on V8's
// background threads, which /usr/bin/time counts like the rest (1,840 optimizations in one run). A
// larger budget optimizes only what stays hot; steady-state speed of what is optimized is the same.
import { setFlagsFromString } from 'node:v8';

/** Bytes of bytecode a function runs through before V8 optimizes it (V8's default: 132 KiB). */
export const TIER_UP_BUDGET = 1 << 20;

/** Read again each time a function's budget is reset: takes effect for the rest of the process. */
export function raiseTierUpBudget(bytes = TIER_UP_BUDGET): void {
  setFlagsFromString(`--interrupt-budget=${bytes}`);
}
