// Rule patterns checked against the tree: a glob in a rule's call list (`wait_for_completion*`)
// that matches a function the tree defines, whose body makes none of the calls the rule is about,
// is a pattern that says more than it knows (`schedule*` matched schedule_work(), which only
// queues). Such matches are reported once per process, so that the pattern gets reviewed; the
// finding itself is not suppressed, since the function may still be what the rule means. A
// pattern's matches that were reviewed against a real tree and found to be what it means (the
// rule's `reviewed:` list: get_user_pages_fast() for 'get_user_pages*') are not reported again.
import { NameMatcher } from '../../src/c/lock-model.js';
import type { FileFacts } from '../../src/c/facts.js';
import type { SummaryIndex, Tagger } from '../../src/c/summaries.js';
import type { SleepIndex } from '../../src/c/sleep-index.js';
import type { RuleSet } from './rule-types.js';
import { sleepingGlobs } from './tree-sleep.js';

export interface GlobOverreach {
  glob: string;
  rule: string;
  /** The rule file that holds the pattern. */
  file: string;
  fn: string;
  path: string;
  line: number;
  /** What the tree says of the function, when not "without any call that rule is about". */
  why?: string;
}

type Glob = { glob: string; rule: string; file: string; reviewed?: string[] };

/**
 * The rule globs matching a function name, per rule set: a NameMatcher (src/c/lock-model.ts), whose
 * answers are kept in a name memo for the names a glob's prefix starts and given without it for the
 * rest (every patch asks of every function of its directory, 60,000 in fs/, and a Map of them kept
 * a text per file version: REAL btrfs-progs, 11.3 MB of texts at 1,250 commits).
 */
const matchers = new WeakMap<RuleSet, NameMatcher<Glob>>();

function matcherOf(rules: RuleSet): NameMatcher<Glob> {
  let m = matchers.get(rules);
  if (!m) {
    m = new NameMatcher<Glob>();
    // A pattern gated on an argument (`down_read*` of an mmap_lock) names generic primitives: it is
    // about the call's argument, which a definition's body cannot show (down_read()'s body takes
    // whatever semaphore it is given), so it is not judged here.
    for (const r of rules.rules) for (const c of r.calls) if (c.name && /[*?]/.test(c.name) && c.name !== '*' && !c.argMatches) m.add(c.name, { glob: c.name, rule: r.id, file: r.file, reviewed: c.reviewed });
    matchers.set(rules, m);
  }
  return m;
}

/**
 * Functions defined in `files` that a rule glob matches though no call of theirs (made on any
 * path, directly or through a summarised helper) carries the rule: the glob reaches too far.
 */
/**
 * Of a file's functions, those a pattern matches (most files: none), per facts object and rule set:
 * the headers a patch includes come back at every patch of a directory, thousands of functions
 * each time, and only whether one of them reaches the rule's calls depends on the patch's index.
 */
const matchedIn = new WeakMap<FileFacts, { rules: RuleSet; matched: [FileFacts['functions'][number], Glob[]][] }>();

function matchedFunctions(rules: RuleSet, matcher: NameMatcher<Glob>, f: FileFacts): [FileFacts['functions'][number], Glob[]][] {
  const kept = matchedIn.get(f);
  if (kept?.rules === rules) return kept.matched;
  const matched: [FileFacts['functions'][number], Glob[]][] = [];
  for (const fn of f.functions) {
    const globs = matcher.match(fn.name);
    if (globs.length) matched.push([fn, globs]);
  }
  matchedIn.set(f, { rules, matched });
  return matched;
}

export function globOverreach(rules: RuleSet, files: FileFacts[], index: SummaryIndex, tagger: Tagger): GlobOverreach[] {
  const matcher = matcherOf(rules);
  const out: GlobOverreach[] = [];
  if (matcher.entries().length === 0) return out;
  for (const f of files) {
    for (const [fn, globs] of matchedFunctions(rules, matcher, f)) {
      for (const g of globs) {
        if (g.reviewed?.includes(fn.name)) continue;
        const reaches = fn.calls.some((c) => tagger(c.callee, c.args, f.path, []).includes(g.rule) || index.get(c.callee, f.path)?.tags.has(g.rule));
        if (!reaches) out.push({ glob: g.glob, rule: g.rule, file: g.file, fn: fn.name, path: f.path, line: fn.line });
      }
    }
  }
  return out;
}

const reported = new Set<string>();

/** One line per overreaching match not reported before in this process. */
export function newOverreachNotes(found: GlobOverreach[]): string[] {
  const lines: string[] = [];
  for (const o of found) {
    const key = `${o.glob}\0${o.fn}`;
    if (reported.has(key)) continue;
    reported.add(key);
    lines.push(`lock rule pattern '${o.glob}' (${o.rule}, ${o.file}) matches ${o.fn}() at ${o.path}:${o.line}, which the tree defines ${o.why ?? 'without any call that rule is about'}: review the pattern`);
  }
  return lines;
}

/**
 * Functions of the whole tree (its sleeping-call index, src/c/sleep-index.ts) that a sleeping
 * rule's glob matches though their bodies are not known to sleep.
 */
export function sleepOverreach(index: SleepIndex, rules: RuleSet): GlobOverreach[] {
  const globs = sleepingGlobs(rules);
  const out: GlobOverreach[] = [];
  for (const q of index.nonSleeping()) {
    for (const g of globs) if (!g.reviewed?.includes(q.fn) && g.re.test(q.fn)) out.push({ glob: g.glob, rule: g.rule.id, file: g.rule.file, fn: q.fn, path: q.path, line: q.line, why: 'as not sleeping (no sleeping call made every time it runs)' });
  }
  return out;
}
