// A plain JavaScript copy of a tree-sitter subtree, made in one cursor pass: the lock walk visits
// nodes several times (loops, labels), and every native node access crosses into C++.
import type Parser from 'tree-sitter';

export class CNode {
  readonly children: CNode[] = [];
  /** Field name of each child (`condition`, `body`), or null. */
  readonly fields: (string | null)[] = [];
  private named: CNode[] | null = null;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly source: string,
    private readonly rowOf: (index: number) => number,
  ) {}

  // Rows are computed when asked (a few nodes per statement), not for every node copied: the copy
  // was the largest cost of the check on real files, and most of it allocation.
  get startPosition(): { row: number } {
    return { row: this.rowOf(this.startIndex) };
  }

  get endPosition(): { row: number } {
    return { row: this.rowOf(this.endIndex) };
  }

  get text(): string {
    return this.source.substring(this.startIndex, this.endIndex);
  }

  get namedChildren(): CNode[] {
    this.named ??= this.children.filter((c) => c.isNamed);
    return this.named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  childForFieldName(name: string): CNode | null {
    const i = this.fields.indexOf(name);
    return i < 0 ? null : this.children[i];
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

/** Copy `node` and everything below it (comments dropped). `source` is the string that was parsed. */
export function copyTree(node: Parser.SyntaxNode, source: string, rowOf: (index: number) => number): CNode {
  const cursor = node.walk();
  const root = new CNode(cursor.nodeType, cursor.nodeIsNamed, false, cursor.startIndex, cursor.endIndex, source, rowOf);
  const stack: CNode[] = [root];
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1];
    const type = cursor.nodeType;
    if (type !== 'comment') {
      const named = cursor.nodeIsNamed;
      const s = cursor.startIndex;
      const e = cursor.endIndex;
      const field = cursor.currentFieldName ?? null;
      // Punctuation and keywords are not copied: the walk reads only named nodes, operators (a
      // field) and tokens tree-sitter made up (MISSING ";", zero-width). Their text stays in `text`.
      if (named || field !== null || s === e) {
        const n = new CNode(type, named, s === e, s, e, source, rowOf);
        parent.children.push(n);
        parent.fields.push(field);
        if (named && !OPAQUE.has(type) && cursor.gotoFirstChild()) {
          stack.push(n);
          continue;
        }
      }
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || stack.length === 1) return root;
      stack.pop();
    }
  }
}
