// Rule patterns checked against the tree: a glob in a rule's call list (`wait_for_completion*`)
// that matches a function the tree defines, whose body makes none of the calls the rule is about,
// is a pattern that says more than it knows (`schedule*` matched schedule_work(), which only
// queues). Such matches are reported once per process, so that the pattern gets reviewed; the
// finding itself is not suppressed, since the function may still be what the rule means.
import { globToRegExp } from '../../src/c/lock-model.js';
import { NameMemo } from '../../src/core/name-memo.js';
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

type Glob = { glob: string; re: RegExp; rule: string; file: string };
const compiled = new WeakMap<RuleSet, Glob[]>();

function globsOf(rules: RuleSet): Glob[] {
  let out = compiled.get(rules);
  if (!out) {
    out = [];
    // A pattern gated on an argument (`down_read*` of an mmap_lock) names generic primitives: it is
    // about the call's argument, which a definition's body cannot show (down_read()'s body takes
    // whatever semaphore it is given), so it is not judged here.
    for (const r of rules.rules) for (const c of r.calls) if (c.name && /[*?]/.test(c.name) && c.name !== '*' && !c.argMatches) out.push({ glob: c.name, re: globToRegExp(c.name), rule: r.id, file: r.file });
    compiled.set(rules, out);
  }
  return out;
}

const matchers = new WeakMap<RuleSet, (name: string) => Glob[]>();

/**
 * The globs matching a function name, kept per name: every patch asks again of every function of its
 * directory. A name memo (src/core/name-memo.ts): a name cut from a freshly parsed file is a slice of
 * its text, and a Map of 200,000 names kept a text per file version (REAL btrfs-progs, facts cold,
 * 16 MiB: 11.3 MB of texts at 1,250 commits).
 */
const NO_GLOBS: Glob[] = [];

function matchingOf(rules: RuleSet): (name: string) => Glob[] {
  let m = matchers.get(rules);
  if (!m) {
    const globs = globsOf(rules);
    const memo = new NameMemo<Glob[]>();
    // A glob matches only names that start with its letters before the first wildcard (its
    // pattern is anchored): most names of a directory start with none, and are answered without
    // the memo (every patch asked it of every function of its directory, 60,000 in fs/).
    const prefixes = globs.map((g) => g.glob.slice(0, g.glob.search(/[*?]/)));
    const anyName = prefixes.includes('');
    const byFirst = new Map<string, string[]>();
    for (const p of prefixes) if (p) byFirst.set(p[0], [...(byFirst.get(p[0]) ?? []), p]);
    m = (name) => {
      if (!anyName && !byFirst.get(name[0])?.some((p) => name.startsWith(p))) return NO_GLOBS;
      let hit = memo.get(name);
      if (!hit) {
        hit = globs.filter((g) => g.re.test(name));
        memo.set(name, hit);
      }
      return hit;
    };
    matchers.set(rules, m);
  }
  return m;
}

/**
 * Functions defined in `files` that a rule glob matches though no call of theirs (made on any
 * path, directly or through a summarised helper) carries the rule: the glob reaches too far.
 */
export function globOverreach(rules: RuleSet, files: FileFacts[], index: SummaryIndex, tagger: Tagger): GlobOverreach[] {
  const globs = globsOf(rules);
  const out: GlobOverreach[] = [];
  if (globs.length === 0) return out;
  const matching = matchingOf(rules);
  for (const f of files) {
    for (const fn of f.functions) {
      for (const g of matching(fn.name)) {
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
    for (const g of globs) if (g.re.test(q.fn)) out.push({ glob: g.glob, rule: g.rule.id, file: g.rule.file, fn: q.fn, path: q.path, line: q.line, why: 'as not sleeping (no sleeping call made every time it runs)' });
  }
  return out;
}
