// Macros used where C expects a statement, a declaration or an expression, in shapes tree-sitter
// cannot read, rewritten in place to C it can (same length, every line break kept). Each shape is
// told by its syntax, not by the macro's name: the kernel has thousands of such macros.

/** The text's characters blanked, its line breaks kept: rewrites keep every offset and line number. */
export const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** The text with comments, strings and characters blanked (same length): parentheses and `;` in them are no code. */
const codeOf = (text: string): string => text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => m[0] + blank(m.slice(1, -1)) + m.at(-1));

/** Index just past the parenthesised group opening at `open`, or -1 when unbalanced. */
export function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** Does the group (parentheses included) end a statement (`;`) outside its nested parentheses? A `{` alone may be a compound literal. */
function holdsStatements(group: string): boolean {
  let depth = 0;
  for (const ch of group) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 1 && ch === ';') return true;
  }
  return false;
}

/**
 * `ASSERT_OR(cond, dump(x););` and `DEBUG_ONLY(if (bad) { ... });`: a macro given statements as
 * its argument. Its parentheses become braces (`{cond, dump(x);};`), a block the walk reads.
 */
function statementArguments(text: string): string {
  const head = /^[ \t]*([A-Za-z_]\w*)[ \t]*\(/gm;
  const code = codeOf(text);
  let out = text;
  let m: RegExpExecArray | null;
  while ((m = head.exec(code))) {
    if (/^(if|for|while|switch|return|sizeof)$/.test(m[1])) continue;
    const open = m.index + m[0].length - 1;
    const end = closeParen(code, open);
    if (end < 0 || !/^[ \t]*;/.test(code.slice(end, end + 40)) || !holdsStatements(code.slice(open, end))) continue;
    const start = m.index + m[0].length - m[0].trimStart().length;
    out = `${out.slice(0, start)}${' '.repeat(open - start)}{${out.slice(open + 1, end - 1)}}${out.slice(end)}`;
    head.lastIndex = end;
  }
  return out;
}

/**
 * `do { ... } while_each_thread(g, t);`: a macro that ends a do-loop with its own condition.
 * It becomes `while(_)` (an unknown condition), its arguments blanked.
 */
function doWhileMacros(text: string): string {
  const head = /\}[ \t]*(while_\w+)[ \t]*\(/g;
  const code = codeOf(text);
  let out = text;
  let m: RegExpExecArray | null;
  while ((m = head.exec(code))) {
    const start = m.index + m[0].indexOf(m[1]);
    const open = m.index + m[0].length - 1;
    const end = closeParen(code, open);
    if (end < 0 || end - start < 'while(_)'.length || !/^\s*;/.test(text.slice(end, end + 40))) continue;
    const segment = text.slice(start, end);
    if (segment.split('\n')[0].length < 'while(_)'.length) continue;
    out = out.slice(0, start) + 'while(_)' + blank(segment.slice('while(_)'.length)) + out.slice(end);
    head.lastIndex = end;
  }
  return out;
}

/**
 * A declaration whose type is computed (`typeof(x->flags) v = ...`, `typeof_member(struct s, f) p;`)
 * or made by a macro and initialised (`DECLARE_BITMAP(map, N) = { 0 };`): the type becomes `long`,
 * the declared name stays.
 */
function computedTypes(text: string): string {
  let out = text;
  const typeofHead = /^([ \t]*(?:const[ \t]+)?)(typeof|__typeof__|__typeof|typeof_member)[ \t]*\(/gm;
  let m: RegExpExecArray | null;
  while ((m = typeofHead.exec(text))) {
    const start = m.index + m[1].length;
    const end = closeParen(text, m.index + m[0].length - 1);
    if (end < 0 || !/^[ \t]*[*\s]*[A-Za-z_]\w*[ \t]*[=;,[]/.test(text.slice(end, end + 120))) continue;
    out = out.slice(0, start) + 'long' + blank(text.slice(start + 4, end)) + out.slice(end);
    typeofHead.lastIndex = end;
  }
  const declHead = /^([ \t]*)((?:DECLARE|DEFINE)_[A-Z0-9_]+)[ \t]*\([ \t]*([A-Za-z_]\w*)[ \t]*,/gm;
  while ((m = declHead.exec(text))) {
    const start = m.index + m[1].length;
    const end = closeParen(text, m.index + m[1].length + m[0].slice(m[1].length).indexOf('('));
    if (end < 0 || !/^[ \t]*=/.test(text.slice(end, end + 20))) continue;
    const decl = `long ${m[3]}`;
    if (decl.length > end - start || text.slice(start, end).split('\n')[0].length < decl.length) continue;
    out = out.slice(0, start) + decl + blank(text.slice(start + decl.length, end)) + out.slice(end);
    declHead.lastIndex = end;
  }
  return out;
}

/** A type keyword sequence given to a macro as an argument: `unsigned int`, `char *`, `unsigned long`. */
const KEYWORD_TYPE = /([(,][ \t]*)((?:(?:const|volatile|unsigned|signed|short|long|int|char|void|bool|_Bool|float|double)\b[ \t]*)+\**[ \t]*)(?=,)|(,[ \t]*)((?:(?:const|volatile|unsigned|signed|short|long|int|char|void|bool|_Bool|float|double)\b[ \t]*)+\**[ \t]*)(?=\))/g;

/**
 * `min_t(unsigned int, a, b)`, `typecheck(unsigned long, x)`, `FIELD(char *, comm, ...)`: a type
 * is no expression. It becomes the identifier `_` (the argument count kept). A cast has no comma
 * beside it and is left alone.
 */
function keywordTypeArguments(text: string): string {
  return text.replace(KEYWORD_TYPE, (_m, b1: string | undefined, t1: string | undefined, b2: string | undefined, t2: string | undefined) => {
    const before = b1 ?? b2 ?? '';
    const type = t1 ?? t2 ?? '';
    return `${before}_${' '.repeat(type.length - 1)}`;
  });
}

/**
 * `printk(KERN_ERR PFX "text")` and `"a " VERSION " b"`: macros that stand for string literals,
 * beside a literal. More than one in a row is no C tree-sitter reads; they are blanked (the
 * literal's text does not matter to the lock check).
 */
function stringMacros(text: string): string {
  return text
    .replace(/\b[A-Z][A-Z0-9_]*(?:[ \t]+[A-Z][A-Z0-9_]*)*(?=[ \t]+")/g, (run) => (/[ \t]/.test(run) ? blank(run) : run))
    .replace(/("[ \t]+)([A-Z][A-Z0-9_]*)(?=[ \t]+")/g, (_m, before: string, name: string) => before + blank(name));
}

/**
 * A macro used as a whole statement without the `;` C needs: `BUMP_COUNT(dir)` or `CHECK_GROUP`
 * alone on a line (upper case: a macro, not a call), between statements. It becomes `NAME;`.
 */
function bareStatementMacros(text: string): string {
  return text.replace(/([;{}:][ \t]*(?:\/\/[^\n]*|\/\*[^\n]*\*\/)?[ \t]*\n(?:[ \t]*\n)*[ \t]*)([A-Z][A-Z0-9_]*)([ \t]*(?:\([^;{}()\n]*\))?)(?=[ \t]*\n[ \t]*[A-Za-z_])/g, (_m, before: string, name: string, args: string) =>
     args.length ? `${before}${name};${' '.repeat(args.length - 1)}` : `${before}${name.slice(0, -1)};`,
  );
}

/** Every rewrite of this file, in order. */
export function rewriteStatementMacros(text: string): string {
  return bareStatementMacros(stringMacros(keywordTypeArguments(computedTypes(doWhileMacros(statementArguments(text))))));
}
