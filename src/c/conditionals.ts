// Conditional compilation that cuts through a statement (`} else` then `#endif`, `#ifdef X` then
// `else if`, an `#if` inside an expression or an initializer) is no C tree-sitter can read. For a
// function that failed to parse, each `#if` group inside it is resolved to one arm, in place: the
// directives and the other arms are blanked (same length, line breaks kept), so the function reads
// as one configuration of the kernel would compile it.

interface Arm {
  /** Line index of the directive that opens the arm (`#if`, `#elif`, `#else`). */
  head: number;
  /** Line index just past the arm's last line (the next directive of the group). */
  end: number;
  /** `#if 0`: never compiled. */
  dead: boolean;
}

interface Group {
  arms: Arm[];
  /** Line index of the `#endif`. */
  endif: number;
  /** The groups nested in it, by arm. */
  nested: Group[][];
  /** Lines of a directive (with its continuation lines): [first, last]. */
  directives: [number, number][];
}

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/;

/** The #if groups of a text, outermost first, with the line each directive spans. */
function groupsOf(lines: string[]): Group[] {
  const top: Group[] = [];
  const stack: Group[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) continue;
    let last = i;
    while (lines[last]?.endsWith('\\') && last + 1 < lines.length) last++;
    const kind = m[1];
    if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
      const g: Group = { arms: [{ head: i, end: -1, dead: kind === 'if' && /^\s*0\s*(\/[/*].*)?$/.test(m[2]) }], endif: -1, nested: [[]], directives: [[i, last]] };
      const outer = stack.at(-1);
      if (outer) outer.nested[outer.nested.length - 1].push(g);
      else top.push(g);
      stack.push(g);
    } else {
      const g = stack.at(-1);
      if (!g) continue;
      g.arms[g.arms.length - 1].end = i;
      g.directives.push([i, last]);
      if (kind === 'endif') {
        g.endif = i;
        stack.pop();
      } else {
        g.arms.push({ head: i, end: -1, dead: false });
        g.nested.push([]);
      }
    }
    i = last;
  }
  // An unterminated group (a cut image) is left alone.
  const complete = (g: Group): boolean => g.endif >= 0 && g.nested.every((n) => n.every(complete));
  return top.filter(complete);
}

/** Net braces and parentheses an arm opens, outside comments, strings and characters. */
function balance(text: string): { braces: number; parens: number } {
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, ' ');
  let braces = 0;
  let parens = 0;
  for (const ch of code) {
    if (ch === '{') braces++;
    else if (ch === '}') braces--;
    else if (ch === '(') parens++;
    else if (ch === ')') parens--;
  }
  return { braces, parens };
}

/**
 * The arm to keep: the first live one (the configuration the code is written around) that opens
 * no brace or parenthesis it does not close; else, without `#else`, the empty arm (`#ifdef GROT`
 * `}` `#endif`: the code around is balanced without it); else the first live one. -1: none.
 */
function chooseArm(g: Group, lines: string[]): number {
  const live = g.arms.map((a, i) => ({ a, i })).filter(({ a }) => !a.dead);
  const balanced = live.find(({ a }) => {
    const b = balance(lines.slice(a.head + 1, a.end).filter((l) => !DIRECTIVE.test(l)).join('\n'));
    return b.braces === 0 && b.parens === 0;
  });
  if (balanced) return balanced.i;
  const hasElse = /^[ \t]*#[ \t]*else\b/.test(lines[g.arms.at(-1)!.head]);
  return hasElse ? (live[0]?.i ?? -1) : -1;
}

const blankLine = (l: string): string => ' '.repeat(l.length);

function resolveGroup(g: Group, lines: string[]): void {
  const keep = chooseArm(g, lines);
  for (const [first, last] of g.directives) for (let i = first; i <= last; i++) lines[i] = blankLine(lines[i]);
  g.arms.forEach((a, i) => {
    if (i === keep) g.nested[i].forEach((n) => resolveGroup(n, lines));
    else for (let l = a.head + 1; l < a.end; l++) lines[l] = blankLine(lines[l]);
  });
}

/**
 * The text with every #if group that lies wholly inside one of the line ranges (0-based, end
 * exclusive) resolved to one arm; everything else, and every line break, as it was.
 */
export function resolveConditionals(text: string, ranges: [number, number][]): string {
  const lines = text.split('\n');
  let changed = false;
  // A group around the range (a whole file's `#ifdef CONFIG_X`) is kept; the groups inside it are looked at.
  const visit = (g: Group): void => {
    if (ranges.some(([a, b]) => g.arms[0].head >= a && g.endif < b)) {
      resolveGroup(g, lines);
      changed = true;
    } else if (ranges.some(([a, b]) => g.arms[0].head < b && g.endif >= a)) g.nested.flat().forEach(visit);
  };
  groupsOf(lines).forEach(visit);
  return changed ? lines.join('\n') : text;
}
