// A byte-level look at the text a hunk-only image would be parsed from, before any parse: most
// patches on a list touch no lock in their hunks, and their parse and walks find nothing to say.
// A word that could make a lock held or released anywhere in what the check reads keeps the usual
// parse; only text with none of them is answered "nothing" without it.
import { NameMemo } from '../../src/core/name-memo.js';
import { GAP_MARKER, WRAPPER_PREFIX } from '../../src/c/slice.js';
import type { RuleSet } from './rule-types.js';

interface Words {
  /** Annotation, assertion and guard macro names, and the callbacks entry rules name. */
  exact: Set<string>;
  /** Entry rules' name patterns: a function so named starts with its lock held. */
  entryNames: RegExp[];
  /** Prefixes the define macros give the functions they define (`SYSCALL_DEFINE2(foo` -> `sys_foo`). */
  definePrefixes: string[];
  /** Per word: could it make a lock held or released? */
  memo: NameMemo<boolean>;
  /** The words the parser's rewrites and the hunk layout bring in themselves name a lock: never skip. */
  never: boolean;
}

const byRules = new WeakMap<RuleSet, Words>();
const WORD = /[A-Za-z_]\w*/g;

function wordsOf(rules: RuleSet): Words {
  let w = byRules.get(rules);
  if (w) return w;
  const s = rules.model.syntax;
  const exact = new Set<string>([...s.acquires, ...s.releases, ...s.mustHold, ...(s.assertHeld ?? []), ...s.guardMacros, ...s.scopedGuardMacros]);
  for (const e of rules.entry) for (const c of e.callbacks) exact.add(c);
  w = { exact, entryNames: rules.entry.flatMap((e) => e.names), definePrefixes: [...new Set(Object.values(s.defineMacros ?? {}))], memo: new NameMemo<boolean>(), never: false };
  // Names no patch writes but the parse may see: the layout's gap call and wrappers, its stand-in
  // name, the parser's rewrites of type arguments (`offset_f`, `_alignof_f_`, `_`).
  const made = [GAP_MARKER, `${WRAPPER_PREFIX}0`, 'the hunk', 'offset_f', '_alignof_f_', '_', 'for'];
  w.never = made.some((n) => lockWord(w!, rules, n));
  byRules.set(rules, w);
  return w;
}

function lockWord(w: Words, rules: RuleSet, word: string): boolean {
  let hit = w.memo.get(word);
  if (hit === undefined) {
    const named = (n: string): boolean => w.entryNames.some((re) => re.test(n));
    hit = w.exact.has(word) || rules.model.names(word) || named(word) || w.definePrefixes.some((p) => named(p + word));
    w.memo.set(word, hit);
  }
  return hit;
}

/**
 * Could anything in `texts` (the images as they would be parsed, and the hunks' `@@` sections) make
 * a lock held or released in the lock check's eyes: a word naming a primitive of the rules' model
 * or a guard (called or not), an annotation or lockdep assertion, a callback or function name an
 * entry rule holds a lock for? False only when no word does: then no function of those texts is
 * entered with a lock, takes one or drops one, and their walks can find no issue.
 */
export function mayTouchLocks(texts: readonly string[], rules: RuleSet): boolean {
  const w = wordsOf(rules);
  if (w.never) return true;
  const seen = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(WORD)) {
      const word = m[0];
      if (seen.has(word)) continue;
      seen.add(word);
      if (lockWord(w, rules, word)) return true;
    }
  }
  return false;
}
