// The lock check's side of the tree's sleeping-call index (src/c/sleep-index.ts): the rules' sleeping
// calls are its seeds, their never-list for atomic locks its exceptions, and their spinlock
// primitives tell a helper that drops its caller's lock. Repository mode only: the index is keyed
// by the base tree's blob ids and kept on disk, so only the first review of a tree builds it.
import type { Workspace } from '../../src/core/check.js';
import { globToRegExp } from '../../src/c/lock-model.js';
import { cachedSleepIndex, indexedFiles, rememberCommit, sleepIndexFor, sleepIndexOfCommit, treeKey, type SleepIndex, type SleepRules } from '../../src/c/sleep-index.js';
import { defaultCacheDir } from '../../src/c/summaries.js';
import type { History } from '../../src/git/history-types.js';
import { newOverreachNotes, sleepOverreach } from './glob-report.js';
import { matcherFor, type RuleMatcher } from './match.js';
import { loadRules } from './rules-load.js';
import type { LockRule, RuleSet } from './rule-types.js';

const adapted = new WeakMap<RuleSet, SleepRules>();

const sleeping = new WeakMap<RuleSet, LockRule[]>();

/** The rules about sleeping: those whose every held kind is atomic (sleep-in-atomic). */
export function sleepingRules(rules: RuleSet): LockRule[] {
  let out = sleeping.get(rules);
  if (!out) {
    out = rules.rules.filter((r) => r.held.length > 0 && r.held.every((k) => rules.model.kinds.get(k)?.atomic));
    sleeping.set(rules, out);
  }
  return out;
}

/** The globs of the sleeping rules' call lists (`mutex_lock*`): what the start-up report checks. */
export function sleepingGlobs(rules: RuleSet): { glob: string; re: RegExp; rule: LockRule; reviewed?: string[] }[] {
  return sleepingRules(rules).flatMap((r) => r.calls.filter((c) => c.name && /[*?]/.test(c.name) && c.name !== '*').map((c) => ({ glob: c.name!, re: globToRegExp(c.name!), rule: r, reviewed: c.reviewed })));
}

export function sleepRulesOf(rules: RuleSet, matcher: RuleMatcher): SleepRules {
  let out = adapted.get(rules);
  if (out) return out;
  const ids = new Set(sleepingRules(rules).map((r) => r.id));
  const atomicKinds = [...rules.model.kinds.values()].filter((k) => k.atomic).map((k) => k.id);
  const tagger = matcher.tagger();
  const syntax = rules.model.syntax;
  out = {
    salt: rules.hash,
    syntax: {
      attributes: new Set([...syntax.ignoreCalls, ...syntax.acquires, ...syntax.releases, ...syntax.mustHold]),
      defineMacros: Object.entries(syntax.defineMacros ?? {}).map(([glob, prefix]) => ({ re: globToRegExp(glob), prefix })),
    },
    seed: (callee, args, path) => tagger(callee, args, path, []).some((t) => ids.has(t)),
    atomicOp(callee, args) {
      if (!rules.model.names(callee)) return 0;
      for (const p of rules.model.lookup(callee, args)) {
        if (!rules.model.kinds.get(p.kind)?.atomic) continue;
        return p.op === 'release' || p.op === 'forget' ? -1 : 1;
      }
      return 0;
    },
    exempt: (name) => atomicKinds.some((k) => matcher.never(k, name, [])),
  };
  adapted.set(rules, out);
  return out;
}

/**
 * The index of the workspace's base tree, or null: no repository base with blob ids, or the
 * review deadline passed while it was being built (a later review builds it again).
 */
export async function treeSleepIndex(ws: Workspace, rules: RuleSet, matcher: RuleMatcher, cacheDir: string, stop: () => boolean): Promise<SleepIndex | null> {
  if (!ws.baseFileIds) return null;
  const sleepRules = sleepRulesOf(rules, matcher);
  // A base commit names its tree: once its index is known, the tree is not listed again.
  const commit = ws.base.commit;
  const known = commit ? sleepIndexOfCommit(commit, sleepRules.salt, cacheDir) : null;
  if (known) return known;
  const ids = await ws.baseFileIds('');
  if (ids.size === 0) return null;
  const index = await sleepIndexFor({ ids, read: (p) => ws.readBaseFile(p) }, sleepRules, { cacheDir, stop, patterns: sleepingGlobs(rules).map((g) => g.re) });
  if (index && commit) rememberCommit(commit, sleepRules.salt, index, cacheDir);
  return index;
}

/**
 * The start-up report of a repository's tree: sleeping-rule globs that match functions the tree
 * defines as not sleeping, one line each, from the tree's index when a review has built it before
 * (nothing is built here). Each line is said once per process; reviews report what is left.
 */
export async function startupGlobReport(history: History, rev: string, ruleFiles: string[], cacheDir = defaultCacheDir()): Promise<string[]> {
  const rules = loadRules(ruleFiles);
  const sleepRules = sleepRulesOf(rules, matcherFor(rules));
  const ids = await history.listFileIds(rev, '');
  if (ids.size === 0) return [];
  const index = cachedSleepIndex(treeKey(indexedFiles(ids), sleepRules.salt, sleepingGlobs(rules).map((g) => g.re)), cacheDir);
  return index ? newOverreachNotes(sleepOverreach(index, rules)) : [];
}
