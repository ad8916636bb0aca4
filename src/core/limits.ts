// The hard limits on what one input may cost, in one place: every stage reads them from here, so
// they are documented once (docs/security.md) and tuned once (`limits:` in a config or policy file).
// A patch past a limit is reviewed as far as the limit allows, and the rest is said in one line.
import { KreviewError } from './types.js';

export interface Limits {
  /** Bytes of one raw message (mail, commit, webhook-delivered patch). */
  messageBytes: number;
  /** Hunks of one file diff that are analysed; the rest are read but not checked. */
  hunksPerFile: number;
  /** Lines of one file image (pre- or post-image, or a hunk-only image) that are built. */
  linesPerFile: number;
  /** Characters of one line that are parsed; a longer line is cut there. */
  lineLength: number;
  /** Findings written out in full in one reply; beyond this a mail summarises. */
  findingsPerMail: number;
  /** Milliseconds one rule regex may take on one input (rule regexes run on a linear-time engine). */
  regexMs: number;
  /**
   * Milliseconds of check work for one patch, counted in CPU time (so the same patch gets the same
   * review on a busy machine as on a quiet one), with a wall-clock backstop of WALL_FACTOR times
   * as much for work that waits instead of computing; past it the checks stop and say so.
   */
  reviewMsPerPatch: number;
  /**
   * Bytes (an estimate of the heap they take) of what is learnt from files and kept between
   * patches: the lock check's per-file facts. The least recently used go first past it, so a long
   * range review stays within it however many versions of a file it meets.
   */
  cacheBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  messageBytes: 64 << 20,
  hunksPerFile: 2_000,
  linesPerFile: 200_000,
  lineLength: 4_096,
  findingsPerMail: 5,
  regexMs: 50,
  reviewMsPerPatch: 30_000,
  cacheBytes: 64 << 20,
});

/**
 * `base` (the defaults unless given) with a partial override from YAML; anything but a mapping of
 * known limits to whole numbers above 0 is refused with one line naming the key.
 */
export function resolveLimits(over: unknown, where = 'limits', base: Readonly<Limits> = DEFAULT_LIMITS): Limits {
  const out: Limits = { ...base };
  if (over === undefined || over === null) return out;
  if (typeof over !== 'object' || Array.isArray(over)) throw new KreviewError(`${where}: must be a mapping of limit names to numbers`);
  for (const [k, v] of Object.entries(over)) {
    if (!(k in DEFAULT_LIMITS)) throw new KreviewError(`${where}.${k}: not a limit (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new KreviewError(`${where}.${k}: needs a whole number above 0`);
    out[k as keyof Limits] = v;
  }
  return out;
}

/** Wall time a patch may take, in multiples of its CPU budget, before its checks stop anyway. */
export const WALL_FACTOR = 10;

/**
 * How often, in wall milliseconds, the CPU clock is read again. process.cpuUsage() is a system
 * call of about 17 µs; a whole-history Fixes review asks it several times per commit (7,000
 * commits of iproute2: 120 ms of 1.1 s). A budget counted in seconds loses nothing by a reading
 * up to this old.
 */
const CPU_RESAMPLE_MS = 5;
let cpuSampledAt = -Infinity;
let cpuSampled = 0;

/**
 * The most a budget waits between readings: a hundredth of its limit, at most this. Under load the
 * call itself is dear: in `kreview watch --once` over 3,000 REAL linux-ext4 messages (load average
 * 17 on 2 cores), 3,278 readings cost the main thread 3.2 s on the CPU (of 23 s) and 37 s waiting
 * to run again (/proc/thread-self/schedstat around each call), nearly all asked by the lock check
 * of 30-second budgets.
 */
const MAX_RESAMPLE_MS = 200;

/** Milliseconds of CPU this process has used (user and system, all its threads), read at most every `maxAgeMs` (CPU_RESAMPLE_MS). */
export function cpuMs(maxAgeMs = CPU_RESAMPLE_MS): number {
  const t = performance.now();
  if (t - cpuSampledAt >= maxAgeMs) {
    cpuSampledAt = t;
    const u = process.cpuUsage();
    cpuSampled = (u.user + u.system) / 1000;
  }
  return cpuSampled;
}

/**
 * What one patch may still spend: the limits, the review deadline, and the one-line notes that say
 * what was left out. The pipeline makes one per patch; checks ask `expired()` between units of work.
 */
export class PatchBudget {
  readonly notes: string[] = [];
  private readonly deadline: number;
  private readonly wallDeadline: number;
  private readonly now: () => number;
  private readonly wall: () => number;

  /**
   * `now` is the clock the budget is counted on: this process's CPU milliseconds unless given.
   * `wall` is the backstop's clock: wall time, or `now` when a test gives its own clock.
   */
  constructor(
    readonly limits: Readonly<Limits>,
    now?: () => number,
    wall?: () => number,
  ) {
    const age = Math.min(MAX_RESAMPLE_MS, Math.max(CPU_RESAMPLE_MS, limits.reviewMsPerPatch / 100));
    this.now = now ?? (() => cpuMs(age));
    this.wall = wall ?? now ?? Date.now;
    this.deadline = this.now() + limits.reviewMsPerPatch;
    this.wallDeadline = this.wall() + WALL_FACTOR * limits.reviewMsPerPatch;
  }

  expired(): boolean {
    return this.now() > this.deadline || this.wall() > this.wallDeadline;
  }

  /** Records a note once (a limit met in several places is said once). */
  note(line: string): void {
    if (!this.notes.includes(line)) this.notes.push(line);
  }

  /** The note for work stopped at the deadline: `what` names what was not done. */
  stopped(what: string): void {
    this.note(`review time limit reached (limits.reviewMsPerPatch ${this.limits.reviewMsPerPatch} ms): ${what}`);
  }
}
