// Parses C source with tree-sitter-c (one parser, reused) and lists its function definitions,
// after blanking the attribute and annotation macros tree-sitter cannot read (positions are kept).
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { CNode, copyTree, opaqueType, rowFinder } from './ast.js';
import { resolveConditionals } from './conditionals.js';
import { blank, closeParen, rewriteStatementMacros } from './statement-macros.js';
import { globToRegExp, type SyntaxSpec } from './lock-model.js';
import { TREE_BYTES_PER_SOURCE_BYTE, treeBudget, treeParsed } from './native-trees.js';

export type SyntaxNode = CNode;

export interface Annotation {
  kind: 'acquires' | 'releases' | 'must-hold';
  /** The lock expression as written inside the parentheses. */
  expr: string;
  offset: number;
}

export interface CParam {
  name: string;
  /** The declaration as written (`struct page *page`). */
  text: string;
}

export interface CFunction {
  name: string;
  /** 1-based lines of the whole definition. */
  startLine: number;
  endLine: number;
  node: SyntaxNode;
  body: SyntaxNode;
  params: CParam[];
  annotations: Annotation[];
  /** Lines of ERROR nodes inside the definition: the walk there would be a guess. */
  errorLines: number[];
  /** Declared `static`: callers in other files cannot mean this definition. */
  isStatic?: boolean;
  /** The definition's text (as parsed: masked macros blanked). */
  text: string;
}

export interface CFile {
  text: string;
  functions: CFunction[];
}

let parser: Parser | null = null;
function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C);
  }
  return parser;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Blank annotation and attribute macros, collecting the lock annotations. */
/** The patterns maskMacros needs for one rule set, compiled once (RE2 construction was a measured cost per file). */
interface MaskPatterns {
  kindOf: Map<string, Annotation['kind']>;
  calls: RegExp | null;
  words: RegExp | null;
  loopHead: RegExp | null;
  /** Text no loop macro can start in holds none of these (globLiterals); null: no such test. */
  loopWords: string[] | null;
  defines: { head: RegExp; globs: { re: RegExp; prefix: string }[]; words: string[] | null } | null;
}

/**
 * For each glob, the longest run of letters between its wildcards: a text holding none of them has
 * no name any glob matches (each name a glob matches holds all of its runs). Null when a glob is
 * all wildcards.
 */
function globLiterals(globs: string[]): string[] | null {
  const words = globs.map((g) => g.split(/[*?]/).reduce((a, b) => (b.length > a.length ? b : a), ''));
  return words.some((w) => w === '') ? null : words;
}

/** Could `text` hold a name one of the globs whose literals these are matches? */
const mayName = (text: string, words: string[] | null): boolean => words === null || words.some((w) => text.includes(w));

const maskCache = new WeakMap<SyntaxSpec, MaskPatterns>();

/** Glob names (letters, digits, _, * and ?) as an alternation of name patterns, for a V8 regex on trusted rule names. */
const globAlternation = (globs: string[]): string => globs.map((g) => g.replace(/\*/g, '\\w*').replace(/\?/g, '\\w')).join('|');

function maskPatterns(syntax: SyntaxSpec): MaskPatterns {
  let p = maskCache.get(syntax);
  if (p) return p;
  const kindOf = new Map<string, Annotation['kind']>();
  for (const n of syntax.acquires) kindOf.set(n, 'acquires');
  for (const n of syntax.releases) kindOf.set(n, 'releases');
  for (const n of syntax.mustHold) kindOf.set(n, 'must-hold');
  const callNames = [...kindOf.keys(), ...syntax.ignoreCalls];
  const defines = syntax.defineMacros ?? {};
  p = {
    kindOf,
    calls: callNames.length ? new RegExp(`\\b(${callNames.map(escapeRe).join('|')})\\s*\\(`, 'g') : null,
    words: syntax.ignoreWords.length ? new RegExp(`\\b(${syntax.ignoreWords.map(escapeRe).join('|')})\\b`, 'g') : null,
    loopHead: syntax.loopMacros.length ? new RegExp(`^[ \\t]*(${globAlternation(syntax.loopMacros)})[ \\t]*\\(`, 'gm') : null,
    loopWords: globLiterals(syntax.loopMacros),
    defines: Object.keys(defines).length
      ? {
          head: new RegExp(`^[ \\t]*(${globAlternation(Object.keys(defines))})[ \\t]*\\(`, 'gm'),
          globs: Object.entries(defines).map(([g, prefix]) => ({ re: globToRegExp(g), prefix })),
          words: globLiterals(Object.keys(defines)),
        }
      : null,
  };
  maskCache.set(syntax, p);
  return p;
}

export function maskMacros(text: string, syntax: SyntaxSpec): { masked: string; annotations: Annotation[] } {
  const annotations: Annotation[] = [];
  const pats = maskPatterns(syntax);
  const kindOf = pats.kindOf;
  let out = text;
  if (pats.calls) {
    const re = pats.calls;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const open = m.index + m[0].length - 1;
      const end = closeParen(text, open);
      if (end < 0) continue;
      const kind = kindOf.get(m[1]);
      if (kind) annotations.push({ kind, expr: text.slice(open + 1, end - 1).trim(), offset: m.index });
      out = out.slice(0, m.index) + blank(text.slice(m.index, end)) + out.slice(end);
      re.lastIndex = end;
    }
  }
  // Most files hold no name of a define macro (SYSCALL_DEFINE?), many none of a loop macro: their
  // line-anchored patterns, each a pass over the whole text, are not run there.
  if (pats.defines && mayName(out, pats.defines.words)) out = rewriteDefineMacros(out, pats.defines);
  if (pats.loopHead && mayName(out, pats.loopWords)) out = rewriteBracelessLoops(out, pats.loopHead);
  out = rewriteCaseRanges(out);
  out = blankTypeArguments(out);
  out = blankStaticDefines(out);
  if (pats.words) out = out.replace(pats.words, (w) => ' '.repeat(w.length));
  return { masked: out, annotations };
}

/**
 * `for_each_possible_cpu(i)` followed by a single statement without braces is no C tree-sitter
 * can read: the macro becomes `for(;_;)` in place (same length, line breaks kept), a loop whose
 * condition is unknown, and its body parses as any loop body. Macros followed by `{` are left
 * alone: the walk reads `name(args) { body }` itself.
 */
function rewriteBracelessLoops(text: string, head: RegExp): string {
  head.lastIndex = 0;
  let out = text;
  let m: RegExpExecArray | null;
  while ((m = head.exec(text))) {
    const start = m.index + m[0].length - m[0].trimStart().length;
    const open = m.index + m[0].length - 1;
    const end = closeParen(text, open);
    if (end < 0) continue;
    // A brace-less body: the next thing after the macro is a statement, not `{` or `;`. Or a
    // braced one right after a label (`err: for_each_cpu(c) {`), which tree-sitter cannot read either.
    const next = /\S/.exec(text.slice(end, end + 400));
    const afterLabel = /(?:^|[;{}]\s*)[A-Za-z_]\w*[ \t]*:[ \t]*\n\s*$/.test(text.slice(Math.max(0, start - 200), start)) && !/\b(?:default|public|private)\s*:\s*$/.test(text.slice(Math.max(0, start - 40), start));
    if (!next || (next[0] === '{' && !afterLabel) || next[0] === ';' || (!afterLabel && /^[^\n]*\S/.test(text.slice(end).split('\n')[0] ?? ''))) continue;
    const segment = text.slice(start, end);
    const loop = 'for(;_;)';
    const firstLine = segment.split('\n')[0];
    if (firstLine.length < loop.length) continue;
    out = out.slice(0, start) + loop + segment.slice(loop.length).replace(/[^\n]/g, ' ') + out.slice(end);
    head.lastIndex = end;
  }
  return out;
}

/**
 * `static DEFINE_RATELIMIT_STATE(rs, HZ, 1);` inside a function defines a variable through a macro
 * tree-sitter cannot read as a declaration; it takes no lock, so it is blanked (lines kept).
 */
function blankStaticDefines(text: string): string {
  const head = /^[ \t]*static[ \t]+(?:DEFINE|DECLARE)_[A-Z0-9_]+[ \t]*\(/gm;
  let out = text;
  let m: RegExpExecArray | null;
  while ((m = head.exec(text))) {
    const end = closeParen(text, m.index + m[0].length - 1);
    if (end < 0 || !/^\s*;/.test(text.slice(end, end + 20))) continue;
    const stop = text.indexOf(';', end) + 1;
    out = out.slice(0, m.index) + blank(text.slice(m.index, stop)) + out.slice(stop);
    head.lastIndex = stop;
  }
  return out;
}

/**
 * A type given to a macro as an argument (`offsetof(struct foo, bar[n])`, `list_entry(p, struct
 * foo, node)`, `sizeof_field(struct foo, f)`) is no expression tree-sitter can read: the keyword
 * goes (same length), leaving the type's name, an identifier. Casts (`(struct foo *)p`) are left.
 */
function blankTypeArguments(text: string): string {
  // tree-sitter reads `offsetof` as a keyword whose member is a plain field: `off[n]` or `a.b` fail.
  // As an ordinary call (same length) it takes any expression.
  return text.replace(/\boffsetof(?=\s*\()/g, 'offset_f').replace(/\b__alignof__(?=\s*\()/g, '_alignof_f_').replace(/([(,]\s*)(struct|union)(\s+[A-Za-z_]\w*\s*)(?=[,)])/g, (_m, before: string, kw: string, rest: string) => `${before}${' '.repeat(kw.length)}${rest}`);
}

/** GNU case ranges (`case 'a' ... 'z':`) as an expression tree-sitter reads, same length. */
function rewriteCaseRanges(text: string): string {
  if (!text.includes(' ...')) return text;
  return text.replace(/^([ \t]*case[^:\n]*?) \.\.\.( |(?=\n))/gm, (_m, head: string, after: string) => `${head} ||${after ? '  ' : ' '}`);
}

/** The top-level arguments of a call's parenthesised group (without the parentheses). */
function splitArgs(group: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of group) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() || out.length) out.push(cur.trim());
  return out;
}

/**
 * Writes `text` over `segment` without moving a line break: its words go, in order, into the
 * segment's lines, a word never split across two. Null when they do not fit.
 */
function overlayKeepingLines(segment: string, text: string): string | null {
  const lines = segment.split('\n');
  const room = lines.map((l) => l.length);
  const out = lines.map(() => '');
  let line = 0;
  for (const word of text.split(' ')) {
    const need = (out[line] ? 1 : 0) + word.length;
    if (out[line].length + need > room[line]) {
      do line++;
      while (line < lines.length && room[line] < word.length);
      if (line >= lines.length) return null;
    }
    out[line] += (out[line] ? ' ' : '') + word;
  }
  return out.map((o, i) => o.padEnd(room[i], ' ')).join('\n');
}

/**
 * `SYSCALL_DEFINE2(name, int, fd, struct page *, page)` becomes `long sys_name(int fd, struct page * page)`
 * in place (same length, same line breaks), so that tree-sitter sees the function it defines.
 */
function rewriteDefineMacros(text: string, { head, globs }: { head: RegExp; globs: { re: RegExp; prefix: string }[] }): string {
  // Only lines that start with one of the macros: a file's thousands of calls are not looked at.
  // Globs are validated names (letters, digits, _, * and ?): their wildcards stand for name characters here.
  head.lastIndex = 0;
  let out = text;
  let m: RegExpExecArray | null;
  while ((m = head.exec(text))) {
    const def = globs.find((g) => g.re.test(m![1]));
    if (!def) continue;
    const open = m.index + m[0].length - 1;
    const end = closeParen(text, open);
    if (end < 0) continue;
    // A definition, not a declaration: the next thing is the body.
    if (!/^\s*\{/.test(text.slice(end, end + 200))) continue;
    const args = splitArgs(text.slice(open + 1, end - 1).replace(/\s+/g, ' '));
    if (args.length === 0 || args.length % 2 !== 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(args[0])) continue;
    const params: string[] = [];
    for (let i = 1; i < args.length; i += 2) params.push(`${args[i]} ${args[i + 1]}`);
    const start = m.index + m[0].length - m[0].trimStart().length;
    const replaced = overlayKeepingLines(text.slice(start, end), `long ${def.prefix}${args[0]}(${params.join(', ') || 'void'})`);
    if (replaced === null) continue;
    out = out.slice(0, start) + replaced + out.slice(end);
    head.lastIndex = end;
  }
  return out;
}

/**
 * Lines of ERROR nodes that break the function's structure. Errors inside one argument list
 * (`container_of(p, struct foo, member)`) are harmless to a lock walk, unless they swallowed
 * statements or braces.
 */
function structuralErrorLines(node: SyntaxNode, hasError: boolean): number[] {
  if (!hasError) return [];
  const lines: number[] = [];
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'ERROR') {
      lines.push(n.startPosition.row + 1);
      return;
    }
    if ((n.type === 'argument_list' || n.type === 'parenthesized_expression' || n.type === 'initializer_list') && !/[;{}]/.test(n.text)) return;
    for (const c of n.children) visit(c);
  };
  visit(node);
  return lines;
}

/**
 * structuralErrorLines read with a cursor on the native tree, so that a function with a syntax error
 * is not copied to JavaScript only to be told it has one (most such functions of a file are never
 * walked: REAL btrfs-progs, a range's parses spent 7% of their CPU copying them). The same nodes are
 * visited: a function with an error is copied with every named node but comments and the insides of
 * opaque ones (copyTree), and ERROR nodes are named.
 */
function nativeErrorLines(fn: Parser.SyntaxNode, source: string, rowOf: (i: number) => number): number[] {
  const cursor = fn.walk();
  if (!gotoField(cursor, 'body')) return [];
  const lines: number[] = [];
  const visit = (): void => {
    const type: string = cursor.nodeType;
    if (type === 'ERROR') {
      lines.push(rowOf(cursor.startIndex) + 1);
      return;
    }
    // What the copy leaves out, left out here too: comments, and the insides of opaque nodes.
    if (type === 'comment' || opaqueType(type)) return;
    if ((type === 'argument_list' || type === 'parenthesized_expression' || type === 'initializer_list') && !/[;{}]/.test(source.slice(cursor.startIndex, cursor.endIndex))) return;
    if (!cursor.gotoFirstChild()) return;
    do visit();
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit();
  return lines;
}

interface DeclNode<T> {
  type: string;
  text: string;
  childForFieldName(name: string): T | null;
}

/** The identifier a declarator declares (through pointers, arrays, parentheses). */
function declaratorName<T extends DeclNode<T>>(node: T | null): string | null {
  let n = node;
  while (n) {
    if (n.type === 'identifier' || n.type === 'field_identifier' || n.type === 'type_identifier') return n.text;
    n = n.childForFieldName('declarator');
  }
  return null;
}

function functionDeclarator<T extends DeclNode<T>>(node: T): T | null {
  let n = node.childForFieldName('declarator');
  while (n && n.type !== 'function_declarator') n = n.childForFieldName('declarator');
  return n;
}

/**
 * Only the functions of the file in use keep their JavaScript copies. A parsed file stays among the
 * recent ones (below) for the checks of its changed functions, and with it every copy its facts
 * made: the copies of four files' functions outlived V8's young generation, and its scavenges spent
 * more time moving them to the old one than the walk took (REAL fs/btrfs and mm: 84 scavenges of
 * 25 ms each). When a function of another file is copied, the copies of the last file's go (one
 * asked for again is copied again); a file's own functions keep theirs while it is in use, as a
 * review walks them more than once.
 */
let copiesOf: object | null = null;
const copied: ParsedFunction[] = [];

/** `file`: what the functions of one file's parse share (its annotation list). */
function keepCopy(f: ParsedFunction, file: object): void {
  if (file !== copiesOf) {
    for (const g of copied) g.dropCopy();
    copied.length = 0;
    copiesOf = file;
  }
  copied.push(f);
}

/** A function definition whose syntax tree is copied to JavaScript only when a walk needs it. */
class ParsedFunction implements CFunction {
  private copy: CNode | null = null;

  constructor(
    private native: Parser.SyntaxNode,
    private source: string,
    private rowOf: (i: number) => number,
    private fileAnnotations: Annotation[],
    readonly name: string,
    readonly startLine: number,
    readonly endLine: number,
    readonly isStatic: boolean,
    private bodyStart: number,
  ) {}

  get node(): CNode {
    if (this.copy === null) {
      this.copy = copyTree(this.native, this.source, this.rowOf, this.native.hasError);
      keepCopy(this, this.fileAnnotations);
    }
    return this.copy;
  }

  /** Lets the copy go (it is made again if asked for). */
  dropCopy(): void {
    this.copy = null;
  }

  get body(): CNode {
    return this.node.childForFieldName('body')!;
  }

  private paramList: CParam[] | null = null;
  private annotationList: Annotation[] | null = null;
  private errors: number[] | null = null;

  get text(): string {
    return this.source.slice(this.native.startIndex, this.native.endIndex);
  }

  // Each detail is computed on its own, from the native tree where it can be: a function that
  // parsed cleanly and takes no lock is never copied to JavaScript.
  get params(): CParam[] {
    this.paramList ??= nativeParams(this.native, this.source);
    return this.paramList;
  }

  /** The parameters as read from a JavaScript copy of the whole definition: what `params` must equal (tests). */
  copiedParams(whole: CNode): CParam[] {
    const params: CParam[] = [];
    for (const p of functionDeclarator(whole)?.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      const pname = declaratorName(p.childForFieldName('declarator'));
      if (pname) params.push({ name: pname, text: p.text });
    }
    return params;
  }

  get annotations(): Annotation[] {
    if (!this.annotationList) {
      const start = this.native.startIndex;
      this.annotationList = this.fileAnnotations.filter((a) => a.offset >= start && a.offset < this.bodyStart);
    }
    return this.annotationList;
  }

  /** Any ERROR node in the definition, even one harmless to the walk (`min_t(unsigned long, a, b)`). */
  get hasError(): boolean {
    return this.native.hasError;
  }

  get errorLines(): number[] {
    // Only the body matters to the walk: an unknown macro before the return type (SQLITE_API) does not.
    this.errors ??= this.native.hasError ? nativeErrorLines(this.native, this.source, this.rowOf) : [];
    return this.errors;
  }

  /** structuralErrorLines over the JavaScript copy: what nativeErrorLines must equal (tests). */
  copiedErrorLines(): number[] {
    return structuralErrorLines(this.body, this.native.hasError);
  }
}

const NAME_TYPES = new Set(['identifier', 'field_identifier', 'type_identifier']);

/**
 * A definition's parameters read with a cursor on the native tree (the copy holds only the body):
 * down its declarator chain to the function declarator, and in each parameter declaration of its
 * parameter list down the declarator chain to the name it declares (none: left out, as `...` or a
 * parenthesised function-pointer declarator is).
 */
function nativeParams(fn: Parser.SyntaxNode, source: string): CParam[] {
  const cursor = fn.walk();
  let found = false;
  while (gotoField(cursor, 'declarator')) {
    if (typeOf(cursor) === 'function_declarator') {
      found = true;
      break;
    }
  }
  if (!found || !gotoField(cursor, 'parameters') || !cursor.gotoFirstChild()) return [];
  const params: CParam[] = [];
  do {
    if (typeOf(cursor) !== 'parameter_declaration') continue;
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    let depth = 0;
    let name: string | null = null;
    while (gotoField(cursor, 'declarator')) {
      depth++;
      if (NAME_TYPES.has(typeOf(cursor))) {
        name = source.slice(cursor.startIndex, cursor.endIndex);
        break;
      }
    }
    for (; depth > 0; depth--) cursor.gotoParent();
    if (name) params.push({ name, text: source.slice(start, end) });
  } while (cursor.gotoNextSibling());
  return params;
}

/** Moves `cursor` to the first child of its node in `field` (true), or leaves it where it was (false). */
function gotoField(cursor: Parser.TreeCursor, field: string): boolean {
  if (!cursor.gotoFirstChild()) return false;
  // Field names by id, learnt when first met: asking for the name makes a string each time.
  do {
    const id = cursor.currentFieldId;
    if (id && (fieldNames[id] ??= cursor.currentFieldName) === field) return true;
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
  return false;
}

/**
 * The function `cursor` is at (a function_definition), read with the cursor: its declarator (through
 * pointers and parentheses) down to the function declarator and the name in it, and its body. The
 * cursor is left where it was. Asking the nodes themselves made a JavaScript object for each, which
 * the binding follows with a weak reference and a finalizer: young-generation collections slowed by them.
 */
function toFunction(cursor: Parser.TreeCursor, source: string, rowOf: (i: number) => number, annotations: Annotation[]): ParsedFunction | null {
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  let bodyStart = -1;
  if (gotoField(cursor, 'body')) {
    bodyStart = cursor.startIndex;
    cursor.gotoParent();
  }
  let depth = 0;
  const back = (): void => {
    for (; depth > 0; depth--) cursor.gotoParent();
  };
  // The declarator chain to the function declarator.
  while (gotoField(cursor, 'declarator')) {
    depth++;
    if (typeOf(cursor) === 'function_declarator') break;
  }
  if (depth === 0 || typeOf(cursor) !== 'function_declarator' || bodyStart < 0) {
    back();
    return null;
  }
  const declStart = cursor.startIndex;
  // Its own declarator chain to the identifier it declares.
  let name: string | null = null;
  while (gotoField(cursor, 'declarator')) {
    depth++;
    const t = typeOf(cursor);
    if (t === 'identifier' || t === 'field_identifier' || t === 'type_identifier') {
      name = source.slice(cursor.startIndex, cursor.endIndex);
      break;
    }
  }
  back();
  if (!name) return null;
  const head = source.slice(start, declStart);
  return new ParsedFunction(cursor.currentNode, source, rowOf, annotations, name, rowOf(start) + 1, rowOf(end) + 1, /\bstatic\b/.test(head), bodyStart);
}

/**
 * The last few files parsed: the facts of a file and the analysis of its changed functions share one
 * parse. Each holds its native tree (TREE_BYTES_PER_SOURCE_BYTE per character, outside V8's heap),
 * so they are kept within the trees' budget (limits.cacheBytes) as well as by count: four of a
 * kernel tree's largest files were a hundred megabytes.
 */
const recent: { text: string; syntax: SyntaxSpec; file: CFile }[] = [];
const RECENT = 4;
let parsesMade = 0;

/** How many texts parseC has parsed (not answered from the recent ones) since the process started: for tests. */
export function parseCount(): number {
  return parsesMade;
}

/** Parse a whole file (or a hunk-only image with blank filler lines) and list its functions. */
export function parseC(text: string, syntax: SyntaxSpec): CFile {
  const hit = recent.find((r) => r.syntax === syntax && r.text === text);
  if (hit) return hit.file;
  const file = parseUncached(text, syntax);
  recent.unshift({ text, syntax, file });
  let bytes = 0;
  let keep = 0;
  // The newest always stays: it is the one in use.
  while (keep < Math.min(recent.length, RECENT) && (keep === 0 || bytes + recent[keep].text.length * TREE_BYTES_PER_SOURCE_BYTE <= treeBudget())) bytes += recent[keep++].text.length * TREE_BYTES_PER_SOURCE_BYTE;
  recent.length = keep;
  return file;
}

/** Parsed files kept for the next parse of the same text, and their trees' estimated native bytes (for tests). */
export function recentParsesKept(): { count: number; bytes: number } {
  return { count: recent.length, bytes: recent.reduce((n, r) => n + r.text.length * TREE_BYTES_PER_SOURCE_BYTE, 0) };
}

/** Line ranges (0-based, end exclusive) of the functions `failed` picks, each up to the next function. */
function rangesOf(functions: ParsedFunction[], failed: (f: ParsedFunction) => boolean): [number, number][] {
  return functions.flatMap((f, i) => (failed(f) ? [[f.startLine - 1, (functions[i + 1]?.startLine ?? Infinity) - 1] as [number, number]] : []));
}

/**
 * The line ranges (0-based, end exclusive) to rewrite: each function with an ERROR node, from the
 * end of the function before it (the macros between two functions are part of what failed) to the
 * start of the next; ranges that meet are merged, so that no line is rewritten twice.
 */
function retryRanges(functions: ParsedFunction[]): [number, number][] {
  const out: [number, number][] = [];
  functions.forEach((f, i) => {
    if (!f.hasError) return;
    const a = i > 0 ? functions[i - 1].endLine : 0;
    const b = (functions[i + 1]?.startLine ?? Infinity) - 1;
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  });
  return out;
}

function parseUncached(text: string, syntax: SyntaxSpec): CFile {
  parsesMade++;
  const { masked, annotations } = maskMacros(text, syntax);
  const rowOf = rowFinder(masked);
  const parser = getParser();
  const tree = parse(parser, masked);
  let functions = functionsOf(tree, masked, rowOf, annotations);
  // A function with an ERROR node in its tree is read again with the statement macros around it
  // rewritten (statement-macros.ts); one whose errors still break its structure, with its #if
  // groups resolved to one arm each (conditionals.ts). The others keep their tree, where both arms
  // of an #if are walked. The rewrites run only where tree-sitter stumbled (over every file they
  // cost a fifth of its parse), and the second parse reuses the first tree for the rest: a rewrite
  // keeps every offset, so only the rewritten stretches are read again.
  const rewritten = rewriteWithin(masked, retryRanges(functions), rewriteStatementMacros, tree, rowOf);
  let last = tree;
  if (rewritten !== masked) functions = functionsOf((last = parse(parser, rewritten, tree)), rewritten, rowOf, annotations);
  const failed = rangesOf(functions, (f) => f.errorLines.length > 0);
  if (failed.length === 0) return { text, functions };
  const resolved = resolveConditionals(rewritten, failed);
  if (resolved === rewritten) return { text, functions };
  // The resolved #if groups keep every offset too: the last tree, told where the text changed,
  // is read again only there (whole files were parsed a third time, a fifth of all parsing).
  markChanges(last, rewritten, resolved, rowOf);
  return { text, functions: functionsOf(parse(parser, resolved, last), resolved, rowOf, annotations) };
}

/** Stretches closer than this are marked as one edit. */
const EDIT_GAP = 256;

/** Marks on `tree` (parsed from `before`) each stretch where `after`, of the same length and lines, differs. */
function markChanges(tree: Parser.Tree, before: string, after: string, rowOf: (i: number) => number): void {
  if (before.length !== after.length) throw new Error('a rewrite moved an offset');
  const at = (i: number): Parser.Point => ({ row: rowOf(i), column: i === 0 ? 0 : i - (before.lastIndexOf('\n', i - 1) + 1) });
  const n = before.length;
  let i = 0;
  while (i < n) {
    if (before.charCodeAt(i) === after.charCodeAt(i)) {
      i++;
      continue;
    }
    const first = i;
    // The stretch ends once EDIT_GAP equal characters follow its last difference.
    let end = i + 1;
    for (let j = end; j < n && j - end < EDIT_GAP; j++) if (before.charCodeAt(j) !== after.charCodeAt(j)) end = j + 1;
    tree.edit({ startIndex: first, oldEndIndex: end, newEndIndex: end, startPosition: at(first), oldEndPosition: at(end), newEndPosition: at(end) });
    i = end;
  }
}

/**
 * The text with `rewrite` applied to each line range alone (rewrites keep every offset and line
 * break). Each stretch that changed is marked on `tree` as edited, for an incremental parse.
 */
function rewriteWithin(text: string, ranges: [number, number][], rewrite: (s: string) => string, tree: Parser.Tree, rowOf: (i: number) => number): string {
  if (ranges.length === 0) return text;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let out = text;
  for (const [a, b] of ranges) {
    const from = lineStarts[a];
    const to = b < lineStarts.length ? lineStarts[b] : text.length;
    if (from === undefined || from >= to) continue;
    const part = text.slice(from, to);
    const done = rewrite(part);
    if (done === part) continue;
    if (done.length !== part.length) throw new Error('a statement-macro rewrite moved an offset');
    let first = 0;
    while (done[first] === part[first]) first++;
    let last = part.length;
    while (done[last - 1] === part[last - 1]) last--;
    out = out.slice(0, from) + done + out.slice(to);
    const at = (i: number): Parser.Point => {
      const row = rowOf(i);
      return { row, column: i - lineStarts[row] };
    };
    tree.edit({ startIndex: from + first, oldEndIndex: from + last, newEndIndex: from + last, startPosition: at(from + first), oldEndPosition: at(from + last), newEndPosition: at(from + last) });
  }
  return out;
}

function parse(parser: Parser, text: string, old?: Parser.Tree): Parser.Tree {
  const tree = parser.parse(text, old, { bufferSize: text.length * 2 + 1024 });
  treeParsed(text.length);
  return tree;
}

/** The nodes whose children may hold function definitions. */
const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'ERROR', 'linkage_specification', 'declaration_list']);
/** Type names by id (a function of the id), as src/c/ast.ts learns them. */
const typeNames: string[] = [];
/** Field names by id, the same way. */
const fieldNames: string[] = [];
/** The type of the cursor's node, its name learnt by id. */
const typeOf = (cursor: Parser.TreeCursor): string => (typeNames[cursor.nodeTypeId] ??= cursor.nodeType);

function functionsOf(tree: Parser.Tree, masked: string, rowOf: (i: number) => number, annotations: Annotation[]): ParsedFunction[] {
  const functions: ParsedFunction[] = [];
  const cursor = tree.walk();
  const visit = (): void => {
    if (!cursor.gotoFirstChild()) return;
    do {
      if (!cursor.nodeIsNamed) continue;
      const id = cursor.nodeTypeId;
      const type = (typeNames[id] ??= cursor.nodeType);
      if (type === 'function_definition') {
        const f = toFunction(cursor, masked, rowOf, annotations);
        if (f) functions.push(f);
      } else if (CONTAINERS.has(type)) visit();
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit();
  return functions;
}
