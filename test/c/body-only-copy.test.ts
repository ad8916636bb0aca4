// A function's JavaScript copy (src/c/ast.ts, copyTree) holds only its body: the head of the
// definition (storage class, return type, declarator, parameter list) is read by nothing but the
// parameters, which parse.ts reads from the native tree. Those must be what a copy of the whole
// definition gave. The functions below are written for this test, in the shapes C and the kernel
// write parameters (pointers, arrays, function pointers, `...`, K&R, a macro-made definition).
import Parser from 'tree-sitter';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { CNode, rowFinder } from '../../src/c/ast.js';
import { parseC, type CParam } from '../../src/c/parse.js';

const model = loadRules().model;

/** Every named node of `node` but comments, with its field: the copy as it was made of the whole definition. */
function wholeCopy(node: Parser.SyntaxNode, text: string): CNode {
  const src = { text, rowOf: rowFinder(text) };
  const copy = (n: Parser.SyntaxNode, field: string | null): CNode => {
    const c = new CNode(n.type, n.isNamed, n.startIndex === n.endIndex, n.startIndex, n.endIndex, src);
    c.field = field;
    const kids: CNode[] = [];
    const cursor = n.walk();
    if (cursor.gotoFirstChild()) {
      do {
        const child = cursor.currentNode;
        if (child.isNamed && child.type !== 'comment') kids.push(copy(child, cursor.currentFieldName ?? null));
      } while (cursor.gotoNextSibling());
    }
    if (kids.length) c.children = kids;
    return c;
  };
  return copy(node, null);
}

const SOURCE = `
static int demo_plain(struct demo_fs *fs, int n, unsigned long flags)
{
	return n;
}

int *demo_arrays(char buf[16], const struct demo_entry *const *list, size_t len)
{
	return 0;
}

void demo_callback(struct demo_fs *fs, int (*fill)(struct demo_fs *, void *), void *data, ...)
{
	fill(fs, data);
}

int demo_old(a, b)
	int a;
	char *b;
{
	return a;
}

static inline void demo_void(void)
{
}

int demo_unnamed(int, struct demo_fs *)
{
	return 1;
}

SYSCALL_DEFINE3(demo_call, unsigned int, fd, struct demo_fs __user *, fs, int, mode)
{
	return demo_plain(fs, fd, mode);
}

static int demo_broken(struct demo_fs *fs, int n)
{
	if (n > ) {
		return fs->n;
	}
	return 0;
}
`;

interface Internals {
  native: Parser.SyntaxNode;
  source: string;
  copiedParams(whole: CNode): CParam[];
}

describe("a function's copy", () => {
  it('holds its body only (the old copy held the whole head as well)', () => {
    const fns = parseC(SOURCE, model.syntax).functions;
    expect(fns.length).toBe(8);
    for (const fn of fns) {
      expect(fn.node.children.map((c) => c.field)).toEqual(['body']);
      expect(fn.body.type).toBe('compound_statement');
    }
  });

  it('gives the parameters a copy of the whole definition gave', () => {
    const fns = parseC(SOURCE, model.syntax).functions;
    const seen: string[] = [];
    for (const fn of fns) {
      const f = fn as unknown as Internals;
      expect(fn.params).toEqual(f.copiedParams(wholeCopy(f.native, f.source)));
      seen.push(`${fn.name}(${fn.params.map((p) => p.name).join(',')})`);
    }
    expect(seen).toEqual([
      'demo_plain(fs,n,flags)',
      'demo_arrays(buf,list,len)',
      'demo_callback(fs,data)',
      'demo_old()',
      'demo_void()',
      'demo_unnamed()',
      'sys_demo_call(fd,fs,mode)',
      'demo_broken(fs,n)',
    ]);
    expect(fns[1].params[1].text).toBe('const struct demo_entry *const *list');
  });
});
