// The copy of a function's tree (src/c/ast.ts) leaves out what no walk reads, so that it asks the
// native tree as little as it can. Whatever it leaves out, a walk over it must find what a walk over
// a whole copy (every named node, every token with a field or none of its own width) finds: the
// same calls, acquires, releases, exits and passes. The functions below are shaped as kernel code
// is (iterator macros without a `;`, trylocks under `if`, error labels, guards), written for this test.
import Parser from 'tree-sitter';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { CNode, rowFinder } from '../../src/c/ast.js';
import { collectFacts } from '../../src/c/facts.js';
import { parseC, type CFunction } from '../../src/c/parse.js';
import { walkFunction } from '../../src/c/walk.js';

const model = loadRules().model;

/** Every node below `node`, tokens included when they have a field or no width: the copy as it was before any was left out. */
function wholeCopy(node: Parser.SyntaxNode, text: string, rowOf: (i: number) => number): CNode {
  const src = { text, rowOf };
  const copy = (n: Parser.SyntaxNode, field: string | null): CNode => {
    const c = new CNode(n.type, n.isNamed, n.startIndex === n.endIndex, n.startIndex, n.endIndex, src);
    c.field = field;
    const kids: CNode[] = [];
    const cursor = n.walk();
    if (cursor.gotoFirstChild()) {
      do {
        const child = cursor.currentNode;
        const f = cursor.currentFieldName ?? null;
        if (child.type === 'comment') continue;
        if (child.isNamed || f !== null || child.startIndex === child.endIndex) kids.push(copy(child, f));
      } while (cursor.gotoNextSibling());
    }
    if (kids.length) c.children = kids;
    return c;
  };
  return copy(node, null);
}

const SOURCE = `
static int demo_flush_all(struct demo_fs *fs, struct list_head *head)
{
	struct demo_entry *e, *tmp;
	int ret = 0;

	if (!mutex_trylock(&fs->flush_mutex))
		return -EAGAIN;
	list_for_each_entry_safe(e, tmp, head, list) {
		spin_lock(&e->lock);
		if (e->state == DEMO_DIRTY && !e->busy)
			ret = demo_write_one(fs, e, e->len + 1, NULL);
		spin_unlock(&e->lock);
		if (unlikely(ret < 0))
			goto out;
	}
	do {
		ret = demo_commit(fs, true);
	} while (0);
	while (1) {
		if (READ_ONCE(fs->done) != false)
			break;
		cond_resched();
	}
out:
	mutex_unlock(&fs->flush_mutex);
	return ret;
}

struct demo_entry *demo_lookup_locked(struct demo_fs *fs, u64 key)
{
	struct demo_entry *e = demo_find(fs, key);

	if (e == NULL)
		return ERR_PTR(-ENOENT);
	if (IS_ERR(e))
		return e;
	mutex_lock(&e->mutex);
	return e;
}

void demo_drop(struct demo_entry *e, int flags)
{
	switch (flags & DEMO_MASK) {
	case DEMO_A:
		e->count -= 2;
		spin_unlock(&e->lock);
		break;
	default:
		demo_warn(e, flags >> 1, -EINVAL);
		spin_unlock(&e->lock);
	}
}

static long demo_ioctl(struct demo_fs *fs, unsigned long arg)
{
	long err = -ENOTTY;

	scoped_guard(mutex, &fs->ioctl_mutex) {
		err = demo_do_ioctl(fs, arg ? arg : 0, *fs->table[arg & 3]);
	}
	guard(spinlock)(&fs->stat_lock);
	fs->stats[2]++;
	return err < 0 ? err : demo_finish(fs);
}
`;

describe('lean copy of a function tree', () => {
  it('walks to the same calls, locks and exits as a whole copy', () => {
    const file = parseC(SOURCE, model.syntax);
    expect(file.functions.map((f) => f.name)).toEqual(['demo_flush_all', 'demo_lookup_locked', 'demo_drop', 'demo_ioctl']);
    for (const fn of file.functions) {
      // The parse's own native node and text (private to parse.ts).
      const { native, source } = fn as unknown as { native: Parser.SyntaxNode; source: string };
      const node = wholeCopy(native, source, rowFinder(source));
      const whole: CFunction = { name: fn.name, startLine: fn.startLine, endLine: fn.endLine, node, body: node.childForFieldName('body')!, params: fn.params, annotations: fn.annotations, errorLines: fn.errorLines, isStatic: fn.isStatic, text: fn.text };
      for (const entry of [[], [{ key: 'e->lock', kind: 'spinlock', cls: 'lock', line: fn.startLine, via: 'entry', status: 'held' as const, definite: true, entry: true }]]) {
        expect(walkFunction(fn, model, { entry, checkpoints: 'held-wins' }), fn.name).toEqual(walkFunction(whole, model, { entry, checkpoints: 'held-wins' }));
      }
    }
  });

  it('leaves out the tokens no walk reads, and keeps the operators and a missing `;`', () => {
    const file = parseC(SOURCE, model.syntax);
    const flush = file.functions[0].body;
    const tokens: string[] = [];
    const visit = (n: CNode): void => {
      for (const c of n.children) {
        if (!c.isNamed) tokens.push(`${n.type}:${c.type}${c.isMissing ? ':missing' : ''}`);
        visit(c);
      }
    };
    visit(flush);
    // The operators of unary and binary expressions, and the `;` tree-sitter invented after the
    // iterator macro's head; no `(`, `,`, `->`, `=` or keyword.
    expect(tokens).toEqual(['unary_expression:!', 'unary_expression:-', 'expression_statement:;:missing', 'binary_expression:==', 'binary_expression:&&', 'unary_expression:!', 'binary_expression:+', 'binary_expression:<', 'binary_expression:!=']);
  });

  it('reads plain argument lists from the text as the cursor reads them', () => {
    const text = `${SOURCE}
static void demo_args(struct demo_fs *fs, int *p)
{
	demo_a(fs, fs->sb.s_flags, &fs->lock, *p, 0x1fUL, 42);
	demo_b( );
	demo_c(NULL, true, size, u64_t, -1, fs->tab[2], 'x', "s", a /* c */);
	demo_d(
		fs,
		&fs -> lock
	);
	demo_e(sizeof_x, intx, if_x, p.q->r);
}

static void demo_words(struct demo_fs *fs, int *p)
{
	demo_f(fs, NULL);
	demo_g(false, p);
	demo_h(uint32_t, p);
	demo_i(*p, &fs, TRUE);
}
`;
    const file = parseC(text, model.syntax);
    const shape = (n: CNode): string => `${n.type}@${n.startIndex}-${n.endIndex}${n.field ? `:${n.field}` : ''}${n.isNamed ? '' : '~'}${n.isMissing ? '!' : ''}/${n.children.length}`;
    let lists = 0;
    for (const fn of file.functions) {
      const { native, source } = fn as unknown as { native: Parser.SyntaxNode; source: string };
      const whole = wholeCopy(native, source, rowFinder(source)).descendantsOfType('argument_list');
      const lean = fn.node.descendantsOfType('argument_list');
      expect(lean.map(shape)).toEqual(whole.map(shape));
      // Each argument as tree-sitter has it (type and range); below it, a plain one has no children either way.
      for (const [i, l] of lean.entries()) expect(l.namedChildren.map((c) => `${c.type}@${c.startIndex}-${c.endIndex}`)).toEqual(whole[i].namedChildren.map((c) => `${c.type}@${c.startIndex}-${c.endIndex}`));
      lists += lean.length;
    }
    expect(lists).toBeGreaterThan(20);
  });

  it('copies arithmetic plain, and keeps what a condition reads', () => {
    const fn = parseC('int demo_sum(struct demo *d, int n)\n{\n\tif (!d->ready && n < 0)\n\t\treturn -EINVAL;\n\treturn d->base + n * 2;\n}\n', model.syntax).functions[0];
    const [test, sum] = fn.body.namedChildren;
    const and = test.childForFieldName('condition')!.namedChildren[0];
    expect(and.childForFieldName('operator')?.text).toBe('&&');
    expect(and.namedChildren.map((c) => `${c.type}/${c.children.length}`)).toEqual(['unary_expression/2', 'binary_expression/3']);
    // `-EINVAL` and `d->base + n * 2`: nothing below them is read.
    expect(test.childForFieldName('consequence')!.namedChildren[0].children).toEqual([]);
    expect(sum.namedChildren[0].type).toBe('binary_expression');
    expect(sum.namedChildren[0].children).toEqual([]);
  });

  it('gives these facts', () => {
    const facts = collectFacts('demo.c', SOURCE, model);
    const flush = facts.functions[0];
    expect(flush.calls.map((c) => `${c.callee}(${c.args.join(', ')})@${c.line}${c.conditional ? '?' : ''}`)).toEqual([
      'mutex_trylock(&fs->flush_mutex)@7',
      'spin_lock(&e->lock)@10?',
      'demo_write_one(fs, e, e->len + 1, NULL)@12?',
      'spin_unlock(&e->lock)@13?',
      'demo_commit(fs, true)@18?',
      'READ_ONCE(fs->done)@21?',
      'cond_resched()@23?',
      'mutex_unlock(&fs->flush_mutex)@26',
    ]);
    expect(facts.functions[2].releases).toMatchObject({ arg: 0, always: true });
  });
});

describe('copies kept', () => {
  it("lets the copies of one file's functions go when another file's are copied, and copies one again when asked", () => {
    const source = (tag: string): string => Array.from({ length: 20 }, (_, i) => `static int keep_${tag}_${i}(struct demo *d)\n{\n\tspin_lock(&d->lock);\n\td->n += ${i};\n\tspin_unlock(&d->lock);\n\treturn 0;\n}\n`).join('\n');
    const fns = parseC(source('a'), model.syntax).functions;
    const first = fns[0].node;
    // Its own file's functions copied after it: it keeps its copy.
    for (const f of fns.slice(1)) expect(f.body.type).toBe('compound_statement');
    expect(fns[0].node).toBe(first);
    // Another file's: it goes, and a new one is made, the same tree.
    const other = parseC(source('b'), model.syntax).functions;
    expect(other[0].body.type).toBe('compound_statement');
    const again = fns[0].node;
    expect(again).not.toBe(first);
    expect(again.text).toBe(first.text);
    expect(walkFunction(fns[0], model)).toEqual(walkFunction({ ...fns[0], name: fns[0].name, node: first, body: first.childForFieldName('body')!, params: fns[0].params, annotations: fns[0].annotations, errorLines: fns[0].errorLines, text: fns[0].text, startLine: fns[0].startLine, endLine: fns[0].endLine }, model));
  });
});

describe('native nodes asked for', () => {
  it('makes one JavaScript object of the native tree per function found, not one per node looked at', () => {
    // Each such object is followed by the binding with a weak reference and a finalizer.
    const text = `#include <linux/demo.h>\nstatic int table[4];\nstruct demo { int a; };\n#ifdef CONFIG_DEMO\n` + Array.from({ length: 12 }, (_, i) => `static inline struct demo **pick_${i}(struct demo *d, int n)\n{\n\treturn d->n > ${i} ? NULL : NULL;\n}\n`).join('\n') + `#endif\n`;
    const tree = (Parser as unknown as { Tree: { prototype: { _cacheNode: (n: unknown) => void } } }).Tree.prototype;
    const original = tree._cacheNode;
    let made = 0;
    tree._cacheNode = function (this: unknown, n: unknown) {
      made++;
      return original.call(this, n);
    };
    try {
      const fns = parseC(`${text}/* ${Math.random()} */\n`, model.syntax).functions;
      expect(fns.map((f) => f.name)).toEqual(Array.from({ length: 12 }, (_, i) => `pick_${i}`));
      expect(fns.every((f) => f.isStatic)).toBe(true);
      // And the root node, which the binding makes for a cursor over the tree.
      expect(made).toBeLessThanOrEqual(fns.length + 1);
    } finally {
      tree._cacheNode = original;
    }
  });
});
