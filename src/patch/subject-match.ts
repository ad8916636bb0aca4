// Compares the subject quoted in a Fixes: tag with the target's real subject, the linux-next way
// (lenient: prefixes and `...` elisions pass) or the checkpatch way (strict: exact).

export type SubjectVerdict = 'match' | 'elided' | 'truncated' | 'mismatch';

const ELLIPSIS = /\.{3,}|…/;

/** Strip surrounding quotes and white space, fold runs of white space (a wrapped tag was joined). */
export function normalizeSubject(s: string): string {
  let t = s.replace(/\s+/g, ' ').trim();
  for (;;) {
    const u = t.replace(/^["'“”‘’]+|["'“”‘’]+$/g, '').trim();
    if (u === t) return t;
    t = u;
  }
}

/**
 * match: equal after normalising; elided: `...`/`…` at the start, end or middle stands for text
 * of the real subject; truncated: a proper prefix without an ellipsis; mismatch: anything else
 * (in strict mode every form but an exact match).
 */
export function compareSubject(given: string, real: string, mode: 'lenient' | 'strict'): SubjectVerdict {
  // Most tags quote the subject as it is: the same text normalises the same.
  if (given === real) return 'match';
  const g = normalizeSubject(given);
  const r = normalizeSubject(real);
  if (g === r) return 'match';
  if (mode === 'strict' || g === '') return 'mismatch';
  if (ELLIPSIS.test(g)) return elisionMatches(g.split(ELLIPSIS).map((p) => p.trim()), r) ? 'elided' : 'mismatch';
  return r.startsWith(g) ? 'truncated' : 'mismatch';
}

/** The parts between ellipses must appear in order; the first is a prefix and the last a suffix unless elided. */
function elisionMatches(parts: string[], real: string): boolean {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!real.startsWith(first)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const i = real.indexOf(part, at);
    if (i < 0) return false;
    at = i + part.length;
  }
  return real.length - last.length >= at && real.endsWith(last);
}
