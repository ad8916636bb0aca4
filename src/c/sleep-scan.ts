// A lexical pass over one C file for the tree's sleeping-call index (sleep-index.ts): the functions
// and function-like macros it defines and the calls each body makes, with whether a call happens
// every time the function runs. No parse tree: the whole kernel tree (about a gigabyte of C) has to
// be read in bounded time, and tree-sitter's walk of every function costs a hundred times more.
// What cannot be read is left out, never guessed: a call under `if`, in a loop or a `switch`,
// inside a nested block, after a label, behind `?`, `&&` or `||`, or inside an `#if` of the body
// does not happen every time; a call through a pointer or a member names no function of the tree.
// Works on bytes: identifiers are ASCII, and only names and argument lists become strings.

export interface ScannedCall {
  callee: string;
  /** The argument texts, split at top-level commas. */
  args: string[];
  line: number;
  /** Not made every time the function runs (see the file comment). */
  conditional: boolean;
}

export interface ScannedFunction {
  name: string;
  line: number;
  /** Visible to this file only: a static function, or a macro defined in a C file. */
  isStatic: boolean;
  /** A function-like macro (`#define name(args) body`). */
  macro?: boolean;
  /** The declaration's words before the name (`static inline gfp_t`), for functions. */
  returns?: string;
  calls: ScannedCall[];
}

export interface ScanSyntax {
  /** Attribute macros with a parenthesised argument that precede or follow a declarator (`__printf(1, 2)`). */
  attributes: Set<string>;
  /** Globs turned into matchers: `SYSCALL_DEFINE?` -> `sys_`. */
  defineMacros: { re: RegExp; prefix: string }[];
}

const NOT_CALLS = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', 'alignof', '_Alignof', '__alignof__',
  'defined', '_Generic', 'offsetof', 'asm', '__asm__', '__asm', 'volatile', '__volatile__', '_Static_assert', 'static_assert',
  'case', 'do', 'else', 'goto', '__builtin_expect', '__builtin_constant_p', 'BUILD_BUG_ON', 'typecheck',
]);
const COND_WORDS = new Set(['if', 'else', 'for', 'while', 'switch', 'do', 'case', 'default']);

const SPACE = 32;
const NL = 10;
/** Byte classes: 1 identifier start, 2 identifier continuation (digits). */
const WORD = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) WORD[c] = 1;
  else if (c >= 48 && c <= 57) WORD[c] = 2;
}
const isSpace = (c: number): boolean => c === SPACE || c === 9 || c === 13 || c === 12 || c === 11;

/** Comments blanked to spaces, string and character literals emptied (quotes kept), newlines kept. */
function blank(b: Uint8Array): void {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c === 47 && b[i + 1] === 42) {
      let j = i + 2;
      while (j < n && !(b[j] === 42 && b[j + 1] === 47)) j++;
      const stop = Math.min(n, j + 2);
      for (let k = i; k < stop; k++) if (b[k] !== NL) b[k] = SPACE;
      i = stop;
    } else if (c === 47 && b[i + 1] === 47) {
      while (i < n && b[i] !== NL) b[i++] = SPACE;
    } else if (c === 34 || c === 39) {
      let j = i + 1;
      while (j < n) {
        const d = b[j];
        if (d === 92) {
          if (b[j + 1] !== NL) b[j + 1] = SPACE;
          b[j] = SPACE;
          j += 2;
        } else if (d === c || d === NL) break;
        else b[j++] = SPACE;
      }
      i = j + 1;
    } else i++;
  }
}

/**
 * Preprocessor lines blanked (their continuation lines too), and with them what only some builds
 * see in a way that would unbalance braces: `#if 0` blocks and `#else`/`#elif` branches (the first
 * branch alone is read). Returns, per line, how many `#if` blocks are open there.
 */
function preprocess(b: Buffer): Uint16Array {
  let count = 1;
  for (let i = b.indexOf(NL); i >= 0; i = b.indexOf(NL, i + 1)) count++;
  const open = new Uint16Array(count + 1);
  const frames: { skipping: boolean; outer: boolean }[] = [];
  let skipping = false;
  let line = 0;
  let i = 0;
  const n = b.length;
  while (i <= n) {
    let eol = b.indexOf(NL, i);
    if (eol < 0) eol = n;
    let k = i;
    while (k < eol && isSpace(b[k])) k++;
    if (k < eol && b[k] === 35 /* # */) {
      // The directive's word.
      k++;
      while (k < eol && isSpace(b[k])) k++;
      let w = k;
      while (w < eol && WORD[b[w]]) w++;
      const word = b.toString('latin1', k, Math.min(w, k + 8));
      // Continuation lines belong to the directive.
      const first = line;
      while (eol < n && eol > i && b[eol - 1] === 92) {
        line++;
        eol = b.indexOf(NL, eol + 1);
        if (eol < 0) eol = n;
      }
      if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
        let z = w;
        while (z < eol && isSpace(b[z])) z++;
        const never = word === 'if' && b[z] === 48 && !WORD[b[z + 1]];
        frames.push({ skipping: skipping || never, outer: skipping });
        skipping = skipping || never;
      } else if (word === 'else' || word === 'elif') {
        const f = frames.at(-1);
        if (f) f.skipping = skipping = true;
      } else if (word === 'endif') {
        const f = frames.pop();
        if (f) skipping = f.outer;
      }
      for (let x = i; x < eol; x++) if (b[x] !== NL) b[x] = SPACE;
      for (let l = first; l <= line; l++) open[l] = frames.length;
    } else {
      if (skipping) for (let x = i; x < eol; x++) b[x] = SPACE;
      open[line] = frames.length;
    }
    line++;
    i = eol + 1;
  }
  return open;
}

const text = (b: Uint8Array, from: number, to: number): string => Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');

/** The index after the `)` matching the `(` at `open`, or -1. */
function closeParen(b: Uint8Array, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = b[i];
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i + 1;
  }
  return -1;
}

/** Split an argument list at commas outside brackets. */
export function splitArgs(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 0) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = list.slice(start).trim();
  if (last || out.length) out.push(last);
  return out;
}

/**
 * The function a declaration header (the text before a top-level `{`) defines, or null: the last
 * `name(...)` at the top level, followed by nothing but attribute macros (`__releases(x)`).
 */
function declaredName(header: string, syntax: ScanSyntax): string | null {
  const h = header.trimEnd();
  if (!h.endsWith(')')) return null;
  let name: string | null = null;
  let inner = '';
  const re = /([A-Za-z_]\w*)\s*\(|[()=]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(h))) {
    if (m[0] === '=' || m[0] === ')') return null;
    const open = m[0] === '(' ? m.index : m.index + m[0].length - 1;
    let depth = 0;
    let end = -1;
    for (let i = open; i < h.length; i++) {
      if (h[i] === '(') depth++;
      else if (h[i] === ')' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) return null;
    re.lastIndex = end;
    // A parenthesised declarator (`int (*fn(void))(int)`) or a cast is skipped, as are attributes.
    if (m[0] === '(' || syntax.attributes.has(m[1])) continue;
    name = m[1];
    inner = h.slice(open + 1, end - 1);
  }
  if (!name) return null;
  const define = syntax.defineMacros.find((d) => d.re.test(name!));
  if (define) {
    const first = /^\s*([A-Za-z_]\w*)/.exec(inner);
    return first ? `${define.prefix}${first[1]}` : null;
  }
  return name;
}

interface Body {
  fn: ScannedFunction;
  /** Brace depth of the body's own statements. */
  depth: number;
  /** `#if` blocks open where the body starts. */
  pp: number;
  stmtStart: boolean;
  stmtCond: boolean;
  afterLabel: boolean;
}

/** Scan the calls of bytes [from, to) as the body of `body.fn`, up to the brace that closes it; lines are 0-based. */
function scanBody(b: Uint8Array, from: number, to: number, startLine: number, body: Body, open: Uint16Array | null): { end: number; line: number } {
  const fn = body.fn;
  let depth = body.depth;
  let paren = 0;
  let line = startLine;
  let i = from;
  while (i < to) {
    const c = b[i];
    if (c === NL) {
      line++;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 123) {
      depth++;
      i++;
      continue;
    }
    if (c === 125) {
      depth--;
      i++;
      if (depth < body.depth) return { end: i, line };
      // A block at body level ended: so did its statement (`if (x) { } foo();`).
      if (depth === body.depth) {
        body.stmtStart = true;
        body.stmtCond = false;
      }
      continue;
    }
    const atBody = depth === body.depth;
    if (c === 59) {
      if (atBody && paren === 0) {
        body.stmtStart = true;
        body.stmtCond = false;
      }
      i++;
      continue;
    }
    if (c === 40) {
      paren++;
      i++;
      continue;
    }
    if (c === 41) {
      if (paren > 0) paren--;
      i++;
      continue;
    }
    if (atBody && (c === 63 || ((c === 38 || c === 124) && b[i + 1] === c))) {
      body.stmtCond = true;
      i += c === 63 ? 1 : 2;
      continue;
    }
    if (WORD[c] !== 1) {
      // A number or an operator; a number's letters (0x1f, 10UL) are not a word.
      if (WORD[c] === 2) while (i < to && WORD[b[i]]) i++;
      else i++;
      continue;
    }
    let e = i + 1;
    while (e < to && WORD[b[e]]) e++;
    const wordStart = i;
    i = e;
    let j = e;
    while (j < to && isSpace(b[j])) j++;
    if (atBody && body.stmtStart) {
      body.stmtStart = false;
      const word = text(b, wordStart, e);
      if (COND_WORDS.has(word)) {
        body.stmtCond = true;
        continue;
      }
      if (paren === 0 && b[j] === 58 && b[j + 1] !== 58) {
        // A label: what follows is reached by jumps from elsewhere too (error paths).
        body.afterLabel = true;
        body.stmtStart = true;
        i = j + 1;
        continue;
      }
    }
    if (b[j] !== 40) continue;
    // Through a member or a pointer (`ops->flush(`, `s.fn(`): no function of the tree.
    let p = wordStart - 1;
    while (p >= from && isSpace(b[p])) p--;
    if (p >= from && (b[p] === 46 || (b[p] === 62 && b[p - 1] === 45))) continue;
    const callee = text(b, wordStart, e);
    if (NOT_CALLS.has(callee)) continue;
    const close = closeParen(b, j, to);
    const args = close < 0 ? [] : splitArgs(text(b, j + 1, close - 1).replace(/\s+/g, ' '));
    const pp = open ? open[line] > body.pp : false;
    fn.calls.push({ callee, args, line: line + 1, conditional: !atBody || body.stmtCond || body.afterLabel || pp });
  }
  return { end: i, line };
}

/** A function-like macro's body as calls: `do { ... } while (0)` and `({ ... })` wrappers are seen through. */
function macroFunction(name: string, bodyText: string, line: number, isStatic: boolean): ScannedFunction {
  let t = bodyText.trim();
  const wrapped = /^do\s*\{([\s\S]*)\}\s*while\s*\(\s*0\s*\)$/.exec(t) ?? /^\(\s*\{([\s\S]*)\}\s*\)$/.exec(t);
  if (wrapped) t = wrapped[1];
  const fn: ScannedFunction = { name, line, isStatic, macro: true, calls: [] };
  const b = Buffer.from(`${t};`, 'latin1');
  scanBody(b, 0, b.length, line, { fn, depth: 0, pp: 0, stmtStart: true, stmtCond: false, afterLabel: false }, null);
  for (const c of fn.calls) c.line = line;
  return fn;
}

const MACRO = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)/gm;

/** Function-like macros of the text (before blanking: a directive is blanked by the scan). */
function macros(src: string, header: boolean): ScannedFunction[] {
  const out: ScannedFunction[] = [];
  if (!src.includes('define')) return out;
  let line = 1;
  let at = 0;
  for (const m of src.matchAll(MACRO)) {
    for (let i = src.indexOf('\n', at); i >= 0 && i < m.index; i = src.indexOf('\n', i + 1)) line++;
    at = m.index;
    const body = m[3].replace(/\\\n/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/, ' ');
    if (!/\w\s*\(/.test(body)) continue;
    out.push(macroFunction(m[1], body.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'(?:[^'\\]|\\.)*'/g, "' '"), line, !header));
  }
  return out;
}

/**
 * The functions and function-like macros `text` defines and their calls. Never throws: unbalanced
 * braces end the scan of what follows them at worst.
 */
export function scanFunctions(source: string | Uint8Array, syntax: ScanSyntax, isHeader = false): ScannedFunction[] {
  const src = typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.length).toString('latin1');
  const out = macros(src, isHeader);
  const b = Buffer.from(src, 'latin1');
  blank(b);
  const open = preprocess(b);
  const n = b.length;
  let depth = 0;
  let paren = 0;
  let headerStart = 0;
  let line = 0;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c === NL) {
      line++;
      i++;
    } else if (c === 123) {
      if (depth === 0 && paren === 0) {
        const name = declaredName(text(b, headerStart, i).replace(/\s+/g, ' '), syntax);
        if (name) {
          const header = text(b, headerStart, i);
          let headerLine = line;
          for (let k = i - 1; k >= headerStart; k--) if (b[k] === NL) headerLine--;
          // The line of the name: the header's first line that is not blank.
          let k = headerStart;
          while (k < i && isSpace(b[k])) k++;
          while (k < i && b[k] === NL) {
            headerLine++;
            k++;
            while (k < i && isSpace(b[k])) k++;
          }
          const fn: ScannedFunction = { name, line: headerLine + 1, isStatic: /\bstatic\b/.test(header), calls: [] };
          const at = header.lastIndexOf(name);
          if (at > 0) fn.returns = header.slice(Math.max(0, at - 80), at).replace(/\s+/g, ' ').trim();
          const r = scanBody(b, i + 1, n, line, { fn, depth: 1, pp: open[line], stmtStart: true, stmtCond: false, afterLabel: false }, open);
          out.push(fn);
          i = r.end;
          line = r.line;
          headerStart = i;
          continue;
        }
      }
      depth++;
      i++;
    } else if (c === 125) {
      if (depth > 0) depth--;
      i++;
      if (depth === 0) headerStart = i;
    } else if (c === 40) {
      paren++;
      i++;
    } else if (c === 41) {
      if (paren > 0) paren--;
      i++;
    } else if (c === 59 && depth === 0 && paren === 0) {
      i++;
      headerStart = i;
    } else i++;
  }
  return out;
}
