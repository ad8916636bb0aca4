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

/** Nodes whose insides never matter to a lock walk (their text is still there). */
const OPAQUE = new Set(['string_literal', 'concatenated_string', 'char_literal', 'type_descriptor', 'struct_specifier', 'union_specifier', 'enum_specifier', 'primitive_type', 'sized_type_specifier', 'type_qualifier', 'storage_class_specifier', 'preproc_arg']);

// Type and field names by id, learnt the first time each id is met: asking the cursor for a name
// makes a new string per node, its id is a number (names are a function of the id in tree-sitter).
const typeNames: string[] = [];
const fieldNames: string[] = [];

/** Copy `node` and everything below it (comments dropped). `source` is the string that was parsed. */
export function copyTree(node: Parser.SyntaxNode, source: string, rowOf: (index: number) => number): CNode {
  const src: Source = { text: source, rowOf };
  const cursor = node.walk();
  const root = new CNode(cursor.nodeType, cursor.nodeIsNamed, false, cursor.startIndex, cursor.endIndex, src);
  const stack: CNode[][] = [];
  let kids: CNode[] = [];
  const parents: CNode[] = [root];
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const typeId = cursor.nodeTypeId;
    const type = (typeNames[typeId] ??= cursor.nodeType);
    if (type !== 'comment') {
      const named = cursor.nodeIsNamed;
      const s = cursor.startIndex;
      const e = cursor.endIndex;
      const fieldId = cursor.currentFieldId;
      // The binding answers undefined for no field (typed as a number).
      const field = fieldId ? (fieldNames[fieldId] ??= cursor.currentFieldName) : null;
      // Punctuation and keywords are not copied: the walk reads only named nodes, operators (a
      // field) and tokens tree-sitter made up (MISSING ";", zero-width). Their text stays in `text`.
      if (named || field !== null || s === e) {
        const n = new CNode(type, named, s === e, s, e, src);
        n.field = field;
        kids.push(n);
        if (named && !OPAQUE.has(type) && cursor.gotoFirstChild()) {
          stack.push(kids);
          parents.push(n);
          kids = [];
          continue;
        }
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
