// Parses C source with tree-sitter-c (one parser, reused) and lists its function definitions,
// after blanking the attribute and annotation macros tree-sitter cannot read (positions are kept).
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { CNode, copyTree, rowFinder } from './ast.js';
import type { SyntaxSpec } from './lock-model.js';

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

const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** Index just past the parenthesised group opening at `open`, or -1 when unbalanced. */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Blank annotation and attribute macros, collecting the lock annotations. */
export function maskMacros(text: string, syntax: SyntaxSpec): { masked: string; annotations: Annotation[] } {
  const annotations: Annotation[] = [];
  const kindOf = new Map<string, Annotation['kind']>();
  for (const n of syntax.acquires) kindOf.set(n, 'acquires');
  for (const n of syntax.releases) kindOf.set(n, 'releases');
  for (const n of syntax.mustHold) kindOf.set(n, 'must-hold');
  const callNames = [...kindOf.keys(), ...syntax.ignoreCalls];
  let out = text;
  if (callNames.length) {
    const re = new RegExp(`\\b(${callNames.map(escapeRe).join('|')})\\s*\\(`, 'g');
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
  if (syntax.ignoreWords.length) {
    const re = new RegExp(`\\b(${syntax.ignoreWords.map(escapeRe).join('|')})\\b`, 'g');
    out = out.replace(re, (w) => ' '.repeat(w.length));
  }
  return { masked: out, annotations };
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

/** A function definition whose syntax tree is copied to JavaScript only when a walk needs it. */
class ParsedFunction implements CFunction {
  private copy: CNode | null = null;
  private extra: { params: CParam[]; annotations: Annotation[]; errorLines: number[] } | null = null;

  constructor(
    private native: Parser.SyntaxNode,
    private source: string,
    private rowOf: (i: number) => number,
    private fileAnnotations: Annotation[],
    readonly name: string,
    readonly startLine: number,
    readonly endLine: number,
  ) {}

  get node(): CNode {
    this.copy ??= copyTree(this.native, this.source, this.rowOf);
    return this.copy;
  }

  get body(): CNode {
    return this.node.childForFieldName('body')!;
  }

  private details(): { params: CParam[]; annotations: Annotation[]; errorLines: number[] } {
    if (this.extra) return this.extra;
    const node = this.node;
    const params: CParam[] = [];
    for (const p of functionDeclarator(node)?.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      const pname = declaratorName(p.childForFieldName('declarator'));
      if (pname) params.push({ name: pname, text: p.text });
    }
    const bodyStart = this.body.startIndex;
    this.extra = {
      params,
      annotations: this.fileAnnotations.filter((a) => a.offset >= node.startIndex && a.offset < bodyStart),
      // Only the body matters to the walk: an unknown macro before the return type (SQLITE_API) does not.
      errorLines: structuralErrorLines(this.body, this.native.hasError),
    };
    return this.extra;
  }

  get params(): CParam[] {
    return this.details().params;
  }

  get annotations(): Annotation[] {
    return this.details().annotations;
  }

  get errorLines(): number[] {
    return this.details().errorLines;
  }
}

function toFunction(native: Parser.SyntaxNode, source: string, rowOf: (i: number) => number, annotations: Annotation[]): CFunction | null {
  const decl = functionDeclarator(native);
  if (!decl || !native.childForFieldName('body')) return null;
  const name = declaratorName(decl.childForFieldName('declarator'));
  if (!name) return null;
  return new ParsedFunction(native, source, rowOf, annotations, name, rowOf(native.startIndex) + 1, rowOf(native.endIndex) + 1);
}

/** Parse a whole file (or a hunk-only image with blank filler lines) and list its functions. */
export function parseC(text: string, syntax: SyntaxSpec): CFile {
  const { masked, annotations } = maskMacros(text, syntax);
  const tree = getParser().parse(masked, undefined, { bufferSize: masked.length * 2 + 1024 });
  const functions: CFunction[] = [];
  const rowOf = rowFinder(masked);
  const visit = (n: Parser.SyntaxNode): void => {
    for (const c of n.namedChildren) {
      if (c.type === 'function_definition') {
        const f = toFunction(c, masked, rowOf, annotations);
        if (f) functions.push(f);
      } else if (c.type === 'preproc_if' || c.type === 'preproc_ifdef' || c.type === 'preproc_else' || c.type === 'preproc_elif' || c.type === 'ERROR' || c.type === 'linkage_specification' || c.type === 'declaration_list') {
        visit(c);
      }
    }
  };
  visit(tree.rootNode);
  return { text, functions };
}
