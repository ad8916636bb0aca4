// Review configuration: what a project (or a list, or .github/kreview.yml) may tune.
import type { Severity } from './types.js';
import { DEFAULT_LIMITS, resolveLimits, type Limits } from './limits.js';

export interface FixesConfig {
  /** lenient: prefixes and `...` elisions pass (linux-next); strict: exact subject (checkpatch). */
  subjectMode: 'lenient' | 'strict';
  /** Minimum abbreviation length accepted. */
  minShaLength: number;
  /**
   * Where Fixes: may stand: 'trailer-block' (kernel: in the last paragraph), 'own-paragraph' (also in
   * a paragraph of trailers above it, as DPDK asks), 'anywhere-above-fold', or 'learn' (what the
   * repository's history does; the kernel's rule for kernel trees and small histories).
   */
  placement: 'learn' | 'trailer-block' | 'own-paragraph' | 'anywhere-above-fold';
  /** Address whose Cc marks a stable candidate; 'learn' (from the history), or 'none' (no stable tree). */
  stableAddress: string;
  /** fixes/already-fixed: 'learn' (off where fixing a commit several times is the project's habit), 'report', 'off'. */
  alreadyFixed: 'learn' | 'report' | 'off';
  /** Kernel rules whatever the history says: 'learn' (a kernel history), 'always', 'never'. */
  kernelRules: 'learn' | 'always' | 'never';
  /** Does this tree mirror another (its Fixes: ids name commits there, so an id missing here is no error)? 'learn', 'yes', 'no'. */
  mirror: 'learn' | 'yes' | 'no';
  /**
   * The repository of the tree this one mirrors (a path; operator config only, never a repository's
   * own): ids of Fixes: tags that name no commit here are checked there. Implies `mirror` unless it is 'no'.
   */
  upstream: string | null;
  /** Tag pattern (glob on tag names) that counts as a release, e.g. `v*`. */
  releaseTagPattern: string;
  /** Suggest a Fixes: line from git blame when a fix lacks one. */
  suggestFromBlame: boolean;
}

export interface LockConfig {
  /** How many calls deep summaries of tree functions go. */
  summaryDepth: number;
  /** Extra rule files (YAML) on top of checks/rules/. */
  ruleFiles: string[];
  /**
   * Infer sleeping functions from the whole base tree (src/c/sleep-index.ts). Off by default: the
   * first review of a kernel-sized tree builds the index (about 70 s of CPU and 1.4 GB at its peak on
   * linux 6.1), which a one-patch review or the mail daemon should not pay unasked; later reviews
   * read it from the cache in a fraction of a second.
   */
  treeSleepIndex: boolean;
}

export interface KreviewConfig {
  /** Finding ids or check prefixes to run; empty means all. */
  enable: string[];
  /** Finding ids or prefixes never reported. */
  disable: string[];
  /** Per-id severity overrides. */
  severity: Record<string, Severity>;
  fixes: FixesConfig;
  lock: LockConfig;
  /** public-inbox server and inbox that Message-ID inputs are fetched from (lore's `all` by default). */
  lore?: { url?: string; list?: string };
  /** What one input may cost (src/core/limits.ts, docs/security.md). */
  limits: Limits;
}

export const defaultConfig = (): KreviewConfig => ({
  enable: [],
  disable: [],
  severity: {},
  fixes: {
    subjectMode: 'lenient',
    minShaLength: 12,
    placement: 'learn',
    stableAddress: 'learn',
    alreadyFixed: 'learn',
    kernelRules: 'learn',
    mirror: 'learn',
    upstream: null,
    releaseTagPattern: 'v*',
    suggestFromBlame: true,
  },
  lock: { summaryDepth: 3, ruleFiles: [], treeSleepIndex: false },
  limits: { ...DEFAULT_LIMITS },
});

/**
 * Shallow-merge a partial config (from YAML) onto the defaults; a bad `limits:` entry is refused
 * with one line that starts with `origin` (the file it came from).
 */
export function mergeConfig(base: KreviewConfig, over: Partial<KreviewConfig> & Record<string, unknown>, origin?: string): KreviewConfig {
  return {
    ...base,
    ...over,
    fixes: { ...base.fixes, ...(over.fixes ?? {}) },
    lock: { ...base.lock, ...(over.lock ?? {}) },
    severity: { ...base.severity, ...(over.severity ?? {}) },
    limits: resolveLimits(over.limits, origin ? `${origin}: limits` : 'limits', base.limits),
  } as KreviewConfig;
}
