// When V8 optimizes a function: after it has run through `interrupt_budget` bytes of bytecode
// (132 KiB by default), and again after each deoptimization. Tuned for pages and short scripts;
// kreview runs about a thousand functions of the review pipeline, most of them warm but not hot
// (a rule is matched a few hundred times per series, a header parsed once per message), and
// optimizing them all cost a quarter of its CPU seconds: perf on a replay of 3,000 REAL linux-block
// messages (no repository) put 26% of the process's samples in TurboFan's compiler, on V8's
// background threads, which /usr/bin/time counts like the rest (1,840 optimizations in one run). A
// larger budget optimizes only what stays hot; steady-state speed of what is optimized is the same.
// The same holds for one-shot commands: a whole-history Fixes review of REAL iproute2 (quiet
// machine, compiled) took 1.11-1.17 s wall and 1.7 s CPU with the default budget, 0.96-0.98 s and
// 1.2 s with this one; DPDK's longer run 4.51-4.97 against 4.79-4.95 s wall (the same CPU); a
// 100-commit range of btrfs-progs with every check 4.5 against 3.5-3.9 s CPU.
// Set at the very start of the process (src/cli/main.ts), before the command's modules load: Node
// warns that V8 flags changed at run time may misbehave; this one is read afresh each time a
// function's budget is reset, and is set before almost anything has run.
import { setFlagsFromString } from 'node:v8';

/** Bytes of bytecode a function runs through before V8 optimizes it (V8's default: 132 KiB). */
export const TIER_UP_BUDGET = 1 << 20;

/** Read again each time a function's budget is reset: takes effect for the rest of the process. */
export function raiseTierUpBudget(bytes = TIER_UP_BUDGET): void {
  setFlagsFromString(`--interrupt-budget=${bytes}`);
}
