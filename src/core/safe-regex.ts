// Patterns that come from files kreview does not own (rule files, a repository's .github/kreview.yml,
// a list policy) are matched by RE2 (re2js): time linear in the input whatever the pattern, so
// `^(a|aa)+$` costs one pass over a line instead of blocking the event loop for seconds. A pattern
// RE2 cannot express (backreferences, lookaround) is refused with one line, never run by V8.
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { requiredLiteral } from './regex-literal.js';
import { KreviewError } from './types.js';

/**
 * re2js, loaded when the first RE2 program is built: most reviews never build one (names are
 * scanned, and most inputs lack a pattern's required literal), and its 260 KB of JavaScript were
 * about a tenth of the modules a review loaded. Its CommonJS build, since require is synchronous.
 */
let engineClass: typeof RE2JS | null = null;
function engineModule(): typeof RE2JS {
  engineClass ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  return engineClass;
}

/**
 * A RegExp whose matching runs on RE2. It is a RegExp so that the code matching rules keeps its
 * types; `test` and `exec` (which match, replace and split go through) never reach V8's backtracking
 * engine. No flags: rule patterns are written without them (`(?i)` inside the pattern works).
 */
export class LinearRegExp extends RegExp {
  private re2: RE2JS | null = null;
  /** The pattern as given (`source` is V8's rewriting of it). */
  readonly pattern: string;
  /** What every match contains (regex-literal.ts): an input without it is answered without RE2. */
  private readonly literal: string | null;

  /**
   * `compileNow` false: the RE2 program is built at the first match, for a pattern known to be valid
   * (a glob escaped here, a rule pattern validated when its file was first read): a review matches
   * few of the hundreds of rule patterns, and building them all was a tenth of its start-up.
   */
  constructor(source: string, compileNow = true) {
    // V8 checks the syntax (and keeps `source` for messages); it never matches with it.
    super(source);
    this.pattern = source;
    this.literal = requiredLiteral(source);
    if (compileNow) this.re2 = engineModule().compile(source);
  }

  private get engine(): RE2JS {
    this.re2 ??= engineModule().compile(this.pattern);
    return this.re2;
  }

  override test(input: string): boolean {
    const s = String(input);
    if (this.literal !== null && !s.includes(this.literal)) return false;
    return this.engine.test(s);
  }

  /** RE2 on the whole input, never answered by the literal: what a pattern's cost is timed on. */
  testByEngine(input: string): boolean {
    return this.engine.test(input);
  }

  override exec(input: string): RegExpExecArray | null {
    const s = String(input);
    if (this.literal !== null && !s.includes(this.literal)) return null;
    return this.engine.exec(s) as RegExpExecArray | null;
  }
}

/** Probes a compiled pattern is timed on: a run of one letter, and a line of C. */
function probes(length: number): string[] {
  const c = 'struct inode *inode = folio->mapping->host; spin_lock(&inode->i_lock); ';
  return ['a'.repeat(length), c.repeat(Math.ceil(length / c.length)).slice(0, length)];
}

/**
 * Compiles a rule pattern for RE2, or throws a one-line KreviewError saying why not: RE2 cannot
 * express it, or even RE2 takes longer than `limits.regexMs` on a line of `limits.lineLength`
 * characters (the longest line a rule pattern is given).
 */
export function linearRegExp(source: string, limits: Pick<Limits, 'regexMs' | 'lineLength'> = DEFAULT_LIMITS): RegExp {
  let re: LinearRegExp;
  try {
    re = new LinearRegExp(source);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, '').replace(/^Invalid regular expression: /, '');
    throw new KreviewError(`${JSON.stringify(source)} is not a pattern kreview can run in linear time (RE2 syntax, no backreferences or lookaround): ${why}`);
  }
  // RE2 builds its automaton on the first inputs: the best of three runs is the pattern's own cost.
  // CPU time, not wall time: on a busy machine the wall clock counts other processes' turns, and a
  // pattern that is fine would stop kreview at start-up (seen at load average 19-25).
  let best = Infinity;
  for (let i = 0; i < 3 && best > limits.regexMs; i++) {
    const started = process.cpuUsage();
    for (const p of probes(limits.lineLength)) re.testByEngine(p);
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  if (best > limits.regexMs) throw new KreviewError(`${JSON.stringify(source)} takes ${Math.round(best)} ms on a line of ${limits.lineLength} characters, above limits.regexMs (${limits.regexMs} ms): simplify it`);
  return re;
}

/**
 * `*` and `?` on a whole name by one scan that goes back only to the last star: at most name length
 * times glob length steps, however many stars (no backtracking blow-up), and no RE2 program to run.
 */
export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === name[n])) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++mark;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** Characters RE2's `.` treats otherwise than one UTF-16 unit (a line break, beyond ASCII): such names go to RE2. */
const NOT_PLAIN = /[\n\u0080-\uffff]/;

/**
 * A glob as a RegExp (what rule code keeps): `test` scans it (globMatches), a name met in every walk
 * of the tree, where RE2 on `^.*_lock$` was a measured part of a review; `exec` runs the RE2 pattern.
 */
class LinearGlob extends LinearRegExp {
  constructor(
    private readonly glob: string,
    pattern: string,
  ) {
    super(pattern, false);
  }

  override test(input: string): boolean {
    const s = String(input);
    return NOT_PLAIN.test(s) ? super.test(s) : globMatches(this.glob, s);
  }
}

/** A shell-style glob (`*`, `?`) on a whole name, matched in linear time: many stars cannot make it backtrack. */
export function linearGlob(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  // Every character that means something to RE2 is escaped: the pattern is valid, built when first matched.
  return new LinearGlob(glob, `^${body}$`);
}
