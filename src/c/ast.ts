// A plain JavaScript copy of a tree-sitter subtree, made in one cursor pass: the lock walk visits
// nodes several times (loops, labels), and every native node access crosses into C++.
import type Parser from 'tree-sitter';

/** What every node of one copied tree shares: the parsed text and its row lookup. */
interface Source {
  text: string;
  rowOf: (index: number) => number;
}

/** A leaf's children: shared, never written (half the nodes copied are leaves). */
const NONE: readonly CNode[] = Object.freeze([]);

export class CNode {
  /** Children in order (punctuation, keywords and comments left out). */
  children: readonly CNode[] = NONE;
  /** The field this node is in its parent (`condition`, `body`), or null. */
  field: string | null = null;
  private named: readonly CNode[] | null = null;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly source: Source,
  ) {}

  // Rows are computed when asked (a few nodes per statement), not for every node copied: the copy
  // was the largest cost of the check on real files, and most of it allocation.
  get startPosition(): { row: number } {
    return { row: this.source.rowOf(this.startIndex) };
  }

  get endPosition(): { row: number } {
    return { row: this.source.rowOf(this.endIndex) };
  }

  get text(): string {
    return this.source.text.substring(this.startIndex, this.endIndex);
  }

  get namedChildren(): readonly CNode[] {
    if (this.named === null) {
      const kids = this.children;
      let all = true;
      for (let i = 0; i < kids.length && all; i++) all = kids[i].isNamed;
      this.named = all ? kids : kids.filter((c) => c.isNamed);
    }
    return this.named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  childForFieldName(name: string): CNode | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }

  descendantsOfType(type: string): CNode[] {
    const out: CNode[] = [];
    const visit = (n: CNode): void => {
      for (const c of n.children) {
        if (c.type === type) out.push(c);
        visit(c);
      }
    };
    visit(this);
    return out;
  }
}

/** Row (0-based) of a string index, from the sorted offsets of the newlines. */
export function rowFinder(source: string): (index: number) => number {
  const newlines: number[] = [];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) newlines.push(i);
  return (index) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Nodes whose insides never matter to a lock walk (their text is still there). The tokens
 * (identifiers, numbers, `NULL`, `true`) have no named child: the cursor is not asked for one.
 */
const OPAQUE = new Set(['string_literal', 'concatenated_string', 'char_literal', 'type_descriptor', 'struct_specifier', 'union_specifier', 'enum_specifier', 'primitive_type', 'sized_type_specifier', 'type_qualifier', 'storage_class_specifier', 'preproc_arg', 'identifier', 'field_identifier', 'statement_identifier', 'type_identifier', 'number_literal', 'null', 'true', 'false']);

/** A node the copy keeps without its insides (copyTree): what reads the copy never sees below it. */
export function opaqueType(type: string): boolean {
  return OPAQUE.has(type);
}

/**
 * The only parents whose unnamed children anything reads: the operator of a unary or binary
 * expression (walk.ts, conditions), and the `;` of an expression statement, which tree-sitter
 * may have had to invent (a MISSING token: an iterator macro's head). Elsewhere punctuation,
 * keywords and other operators are passed over with one question to the cursor.
 */
const WITH_OPERATOR = new Set(['unary_expression', 'binary_expression']);
const WITH_MISSING = 'expression_statement';

// Type and field names by id, learnt the first time each id is met: asking the cursor for a name
// makes a new string per node, its id is a number (names are a function of the id in tree-sitter).
const typeNames: string[] = [];
const fieldNames: string[] = [];
/** Whether a type id is a named node's (a function of the id, as its name is). */
const namedIds: boolean[] = [];
/** Per type id: a node of it is copied without its insides (OPAQUE), or it may be (PLAIN_WHEN_SIMPLE). */
const opaqueIds: boolean[] = [];
const plainIds: boolean[] = [];
const untestedIds: boolean[] = [];

/**
 * Inside a function body, nodes of these types whose text holds no call, assignment, conditional or
 * block (none of `(` `=` `?` `{`) are copied without their insides: the walk reads only their text
 * (`a->b`, `*p`, `v[i]`, a declaration without initialiser), and nothing below them can take or drop
 * a lock, return, jump or carry a label. A field expression that is the function of a call keeps
 * its insides (the walk names the callee by its field).
 */
const PLAIN_WHEN_SIMPLE = new Set(['field_expression', 'pointer_expression', 'subscript_expression', 'update_expression', 'declaration', 'pointer_declarator', 'array_declarator']);

/**
 * Unary and binary expressions are copied plain under the same rule when their text holds no `!`,
 * `&&`, `||` or `<` either: a condition reads the operator and operands of a negation, a conjunction,
 * a disjunction or a comparison with zero (walk.ts, cond), and of nothing else.
 */
const PLAIN_WHEN_UNTESTED = new Set(['binary_expression', 'unary_expression']);

/** The field the cursor's node is in, or null (names learnt by id). */
function fieldOf(cursor: Parser.TreeCursor): string | null {
  const fieldId = cursor.currentFieldId;
  // The binding answers undefined for no field (typed as a number).
  return fieldId ? (fieldNames[fieldId] ??= cursor.currentFieldName) : null;
}

/** No `!`, `<`, `&&` or `||` in source[s, e). */
function untested(source: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = source.charCodeAt(i);
    if (c === 33 || c === 60) return false;
    if ((c === 38 || c === 124) && source.charCodeAt(i + 1) === c && i + 1 < e) return false;
  }
  return true;
}

/** No `(`, `=`, `?` or `{` in source[s, e). */
function simple(source: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = source.charCodeAt(i);
    if (c === 40 || c === 61 || c === 63 || c === 123) return false;
  }
  return true;
}

/**
 * Words tree-sitter-c reads as something other than an identifier in an expression (keywords,
 * `NULL`, `true`, built-in type names): an argument list holding one is read by the cursor.
 */
const NOT_IDENTIFIERS = new Set([
  ...'NULL nullptr TRUE true FALSE false bool char int float double void signed unsigned long short auto break case const constexpr continue default defined do else enum extern for goto if inline noreturn register restrict return sizeof static struct switch thread_local typedef union volatile while alignas alignof asm offsetof'.split(' '),
  ...'_Alignas _Alignof _Atomic _Generic _Nonnull _Noreturn __alignof __alignof__ __asm __asm__ __attribute __attribute__ __based __cdecl __clrcall __declspec __except __extension__ __fastcall __finally __forceinline __inline __inline__ __leave __restrict__ __stdcall __thiscall __thread __try __unaligned __vectorcall __volatile__ _alignof _unaligned'.split(' '),
]);
const WORD = /^[A-Za-z_]\w*$/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*$/;
const FIELD_CHAIN = /^([A-Za-z_]\w*)(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)+$/;
const POINTER = /^[&*]\s*([A-Za-z_]\w*)(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*$/;

/** The node type tree-sitter-c gives an argument written `t`, when it is one of a few plain shapes, else null. */
function plainArgumentType(t: string): string | null {
  if (WORD.test(t)) return NOT_IDENTIFIERS.has(t) || t.endsWith('_t') ? null : 'identifier';
  if (NUMBER.test(t)) return 'number_literal';
  let m = FIELD_CHAIN.exec(t);
  if (m) return NOT_IDENTIFIERS.has(m[1]) ? null : 'field_expression';
  m = POINTER.exec(t);
  if (m) return NOT_IDENTIFIERS.has(m[1]) ? null : 'pointer_expression';
  return null;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * The arguments of a call's argument list source[s, e), read from the text when every one is an
 * identifier, a number, a field chain (`a->b.c`) or one of those behind `&` or `*`, with no comment,
 * literal, bracket or preprocessor line among them: copied as the cursor would copy them (each a
 * node without children, as a plain field or pointer expression is), without stepping the cursor
 * over each argument and comma. Null when the list is anything else.
 */
function plainArguments(source: string, s: number, e: number, src: Source): CNode[] | null {
  if (source.charCodeAt(s) !== 40 || source.charCodeAt(e - 1) !== 41) return null;
  const out: CNode[] = [];
  let from = s + 1;
  for (let i = s + 1; i < e; i++) {
    const c = source.charCodeAt(i);
    // ( ) { } [ ] = ? " ' / # \ : a shape the text alone does not tell.
    if (c === 40 || (c === 41 && i !== e - 1) || c === 123 || c === 125 || c === 91 || c === 93 || c === 61 || c === 63 || c === 34 || c === 39 || c === 47 || c === 35 || c === 92) return null;
    if (c !== 44 && i !== e - 1) continue;
    let a = from;
    let b = i;
    while (a < b && isSpace(source.charCodeAt(a))) a++;
    while (b > a && isSpace(source.charCodeAt(b - 1))) b--;
    if (a === b) {
      // `f()`: no argument; an empty one between commas is no C.
      if (c === 41 && out.length === 0 && from === s + 1) return out;
      return null;
    }
    const type = plainArgumentType(source.substring(a, b));
    if (type === null) return null;
    out.push(new CNode(type, true, false, a, b, src));
    from = i + 1;
  }
  return out;
}

/**
 * Copy `node` (a function definition) and everything below it (comments dropped). `source` is the
 * string that was parsed. `hasError`: the definition holds an ERROR node, then every node is copied
 * whole (the error lines are searched for in the copy).
 */
export function copyTree(node: Parser.SyntaxNode, source: string, rowOf: (index: number) => number, hasError = true): CNode {
  const src: Source = { text: source, rowOf };
  const cursor = node.walk();
  const root = new CNode(cursor.nodeType, cursor.nodeIsNamed, false, cursor.startIndex, cursor.endIndex, src);
  const stack: CNode[][] = [];
  let kids: CNode[] = [];
  const parents: CNode[] = [root];
  // The body's range once met (the last child of the definition): where nodes may be copied plain.
  let bodyStart = -1;
  let bodyEnd = -1;
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    // Each question to the cursor crosses into C++ (about a tenth of a microsecond): the type id is
    // asked first, and tells whether the node is named; an unnamed one is asked more only under
    // the parents whose unnamed children are read.
    const typeId = cursor.nodeTypeId;
    let type = typeNames[typeId];
    if (type === undefined) {
      type = typeNames[typeId] = cursor.nodeType;
      namedIds[typeId] = cursor.nodeIsNamed;
      opaqueIds[typeId] = OPAQUE.has(type);
      plainIds[typeId] = PLAIN_WHEN_SIMPLE.has(type);
      untestedIds[typeId] = PLAIN_WHEN_UNTESTED.has(type);
    }
    const named = namedIds[typeId];
    if (named) {
      // Of the definition itself only its body is copied: its head (return type, name, parameters)
      // is read from the native tree (parse.ts, the parameters) and by nothing else.
      if (type !== 'comment' && (parents.length > 1 || fieldOf(cursor) === 'body')) {
        let descend = true;
        const fieldId = cursor.currentFieldId;
        // The binding answers undefined for no field (typed as a number).
        const field = fieldId ? (fieldNames[fieldId] ??= cursor.currentFieldName) : null;
        const s = cursor.startIndex;
        const e = cursor.endIndex;
        const n = new CNode(type, true, s === e, s, e, src);
        n.field = field;
        kids.push(n);
        if (field === 'body' && parents.length === 1) {
          bodyStart = s;
          bodyEnd = e;
        }
        const inBody = !hasError && s >= bodyStart && e <= bodyEnd && bodyStart >= 0;
        const plain = (plainIds[typeId] || (untestedIds[typeId] && untested(source, s, e))) && inBody && field !== 'function' && simple(source, s, e);
        if (inBody && field === 'arguments' && type === 'argument_list') {
          const args = plainArguments(source, s, e, src);
          if (args !== null) {
            if (args.length) n.children = args;
            descend = false;
          }
        }
        if (descend && !plain && !opaqueIds[typeId] && cursor.gotoFirstChild()) {
          stack.push(kids);
          parents.push(n);
          kids = [];
          continue;
        }
      }
    } else {
      const parentType = parents[parents.length - 1].type;
      if (WITH_OPERATOR.has(parentType)) {
        const fieldId = cursor.currentFieldId;
        const field = fieldId ? (fieldNames[fieldId] ??= cursor.currentFieldName) : null;
        const s = cursor.startIndex;
        const e = cursor.endIndex;
        if (field !== null || s === e) {
          const n = new CNode(type, false, s === e, s, e, src);
          n.field = field;
          kids.push(n);
        }
      } else if (parentType === WITH_MISSING && cursor.nodeIsMissing) {
        const s = cursor.startIndex;
        kids.push(new CNode(type, false, true, s, s, src));
      }
    }
    while (!cursor.gotoNextSibling()) {
      const parent = parents.pop()!;
      if (kids.length) parent.children = kids;
      if (!cursor.gotoParent() || parents.length === 0) return root;
      kids = stack.pop()!;
    }
  }
}
