// The longest run of plain characters every match of a pattern must contain: a string that lacks it
// cannot match, and `includes` says so without running RE2. The atomic-context rule tests every
// argument of every call of a directory against `\bGFP_(KERNEL|NOFS|...)\b`, which was most of the
// helper summaries' cost in a one-patch review with a repository. Conservative: anything the scan
// does not fully understand (flags, alternation at the top, escapes other than the usual ones,
// POSIX classes, \Q quoting) gives no literal, and the pattern runs as before.

/** Characters that mean something outside a class; any other character matches itself. */
const META = new Set(['\\', '.', '^', '$', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|']);
/** Escapes that stand for a class or an assertion (no literal), or for the punctuation itself. */
const KNOWN_ESCAPES = /^[bBwWdDsSAz.\-()[\]{}*+?|^$\\/>#<~,:;=!"'%&@`_ ]$/;

/** The longest literal every match of `pattern` (RE2 syntax) contains, or null when none is known. */
export function requiredLiteral(pattern: string): string | null {
  if (pattern.includes('(?') || pattern.includes('[:') || pattern.includes('\\Q')) return null;
  let best = '';
  let cur = '';
  let depth = 0;
  const flush = (): void => {
    if (cur.length > best.length) best = cur;
    cur = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || !KNOWN_ESCAPES.test(next)) return null;
      i++;
      if (depth === 0) flush();
      continue;
    }
    if (c === '[') {
      // A class: skipped whole; it stands for one character that is not a known literal.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      if (j >= pattern.length) return null;
      i = j;
      if (depth === 0) flush();
      continue;
    }
    if (c === '(') {
      if (depth === 0) flush();
      depth++;
      continue;
    }
    if (c === ')') {
      depth--;
      if (depth < 0) return null;
      continue;
    }
    if (depth > 0) continue;
    if (c === '|') return null;
    if (c === '*' || c === '?' || c === '{') {
      // The atom before may be absent (or repeated): the run ends before it.
      cur = cur.slice(0, -1);
      flush();
      if (c === '{') {
        const close = pattern.indexOf('}', i);
        if (close < 0) return null;
        i = close;
      }
      continue;
    }
    if (c === '+') {
      // The atom is there at least once, but what follows need not come right after its first copy.
      flush();
      continue;
    }
    if (META.has(c)) {
      flush();
      continue;
    }
    cur += c;
  }
  if (depth !== 0) return null;
  flush();
  return best.length ? best : null;
}
