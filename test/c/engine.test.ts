// The generic C engine on its own: parsing kernel macros, the per-path lock walk, and the
// on-disk facts cache. Text is fed directly; the lock knowledge comes from the bundled rules.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { parseC } from '../../src/c/parse.js';
import { sliceFunctions } from '../../src/c/slice.js';
import { decodeFacts, encodeFacts } from '../../src/c/facts-store.js';
import { clearFactsMemory, factsFor, SummaryIndex } from '../../src/c/summaries.js';
import { normaliseLockExpr, walkFunction, type CallEvent } from '../../src/c/walk.js';

const rules = loadRules();
const model = rules.model;

/** Held locks (kind:key, `?` when only possibly held) before each call to `callee`. */
function heldAt(src: string, callee: string, fnName?: string): string[][] {
  const file = parseC(src, model.syntax);
  const fn = fnName ? file.functions.find((f) => f.name === fnName)! : file.functions[0];
  const walk = walkFunction(fn, model);
  return walk.calls.filter((c: CallEvent) => c.callee === callee).map((c) => c.held.map((h) => `${h.kind}:${h.key}${h.definite ? '' : '?'}`).sort());
}

describe('parsing kernel C', () => {
  it('reads types given to macros as arguments and offsetof of an indexed member (fscrypt, dcache, bpf, ecryptfs)', () => {
    const src = `static void *name_buf(struct qstr *name, struct list_head *p, int n)
{
	size_t size = offsetof(struct ext_name, name[n]);
	struct item *it = list_entry(p, struct item, node);

	if (size > sizeof_field(struct item, data))
		return NULL;
	return it;
}
`;
    const file = parseC(src, model.syntax);
    expect(file.functions.map((f) => [f.name, f.errorLines])).toEqual([['name_buf', []]]);
  });

  it('sees through __acquires(), attributes and __cold/noinline, keeping line numbers', () => {
    const src = `static void __cold noinline take(struct foo *f) __acquires(&f->lock)\n{\n\tspin_lock(&f->lock);\n}\n\nstatic int __attribute__((unused)) other(void)\n{\n\treturn 0;\n}\n`;
    const file = parseC(src, model.syntax);
    expect(file.functions.map((f) => [f.name, f.startLine, f.endLine, f.errorLines.length])).toEqual([
      ['take', 1, 4, 0],
      ['other', 6, 9, 0],
    ]);
    expect(file.functions[0].annotations.map((a) => [a.kind, a.expr])).toEqual([['acquires', '&f->lock']]);
  });

  it('sees the functions SYSCALL_DEFINEn() and BPF_CALL_n() define, even split over lines, keeping line numbers and the next function', () => {
    const src = [
      'SYSCALL_DEFINE3(fixup, unsigned int, fd,',
      '\t\tstruct page __user *, page, int, flags)',
      '{',
      '\tlock_page(page);',
      '\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);',
      '\tunlock_page(page);',
      '\treturn 0;',
      '}',
      '',
      'COMPAT_SYSCALL_DEFINE0(getit)',
      '{',
      '\treturn 0;',
      '}',
      '',
      'BPF_CALL_2(bpf_thing, struct bpf_map *, map, void *, key)',
      '{',
      '\treturn 0;',
      '}',
      '',
      'SYSCALL_DEFINE1(declared_only, int, x);',
      'static int __init after(void)',
      '{',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const file = parseC(src, model.syntax);
    expect(file.functions.map((f) => [f.name, f.startLine, f.endLine, f.errorLines.length])).toEqual([
      ['sys_fixup', 1, 8, 0],
      ['compat_sys_getit', 10, 13, 0],
      ['bpf_thing', 15, 18, 0],
      ['after', 21, 24, 0],
    ]);
    expect(file.functions[0].params.map((p) => p.name)).toEqual(['fd', 'page', 'flags']);
    expect(file.text).toBe(src);
    expect(heldAt(src, 'btrfs_delalloc_reserve_space', 'sys_fixup')).toEqual([['page:page']]);
  });

  it('container_of(p, struct x, member) inside an argument list is not a broken function', () => {
    const file = parseC(`void f(struct work *w)\n{\n\tstruct x *p = container_of(w, struct x, work);\n\tg(p);\n}\n`, model.syntax);
    expect(file.functions[0].errorLines).toEqual([]);
  });

  it('a function tree-sitter cannot read is reported with the line, not guessed', () => {
    const file = parseC(`void f(void)\n{\n\tlock_page(page);\n\tif (x {\n\t\t@@@ ;\n\t}\n}\n`, model.syntax);
    expect(file.functions.length).toBeGreaterThan(0);
    expect(file.functions[0].errorLines.length).toBeGreaterThan(0);
  });

  it('normalises lock expressions', () => {
    expect(normaliseLockExpr(' &( inode->lock ) ')).toBe('inode->lock');
    expect(normaliseLockExpr('page_folio(page)', ['page_folio'])).toBe('page');
  });
});

describe('the lock walk', () => {
  it('switch: a lock taken in one case is possibly held after the switch, definitely in a fall-through', () => {
    const src = `void f(struct page *page, int x)\n{\n\tswitch (x) {\n\tcase 1:\n\t\tlock_page(page);\n\tcase 2:\n\t\ta();\n\t\tbreak;\n\tdefault:\n\t\treturn;\n\t}\n\tb();\n}\n`;
    expect(heldAt(src, 'a')).toEqual([['page:page?']]);
    expect(heldAt(src, 'b')).toEqual([['page:page?']]);
  });

  it('do/while and for(;;) with break carry the lock state out of the loop', () => {
    const src = `void f(struct page *page)\n{\n\tdo {\n\t\tlock_page(page);\n\t\tif (ok(page))\n\t\t\tbreak;\n\t\tunlock_page(page);\n\t} while (1);\n\tafter_do();\n\tfor (;;) {\n\t\tunlock_page(page);\n\t\tbreak;\n\t}\n\tafter_for();\n}\n`;
    expect(heldAt(src, 'after_do')).toEqual([['page:page']]);
    expect(heldAt(src, 'after_for')).toEqual([[]]);
  });

  it('an iterator macro without braces loops over the next statement only', () => {
    const src = `void f(struct list_head *head, spinlock_t *l)\n{\n\tstruct item *it;\n\n\tspin_lock(l);\n\tlist_for_each_entry(it, head, list)\n\t\tvisit(it);\n\tspin_unlock(l);\n\tdone();\n}\n`;
    expect(heldAt(src, 'visit')).toEqual([['atomic:l']]);
    expect(heldAt(src, 'done')).toEqual([[]]);
  });

  it('a conditional acquire in a while condition holds inside the body only', () => {
    const src = `void f(struct mutex *m)\n{\n\twhile (mutex_trylock(m)) {\n\t\tinside();\n\t\tmutex_unlock(m);\n\t}\n\toutside();\n}\n`;
    expect(heldAt(src, 'inside')).toEqual([['sleeping:m']]);
    expect(heldAt(src, 'outside')).toEqual([[]]);
  });

  it('a transaction handle is held after the IS_ERR() check fails', () => {
    const src = `int f(struct btrfs_root *root)\n{\n\tstruct btrfs_trans_handle *trans = btrfs_start_transaction(root, 1);\n\n\tif (IS_ERR(trans)) {\n\t\tin_error();\n\t\treturn PTR_ERR(trans);\n\t}\n\tin_trans();\n\treturn btrfs_end_transaction(trans);\n}\n`;
    expect(heldAt(src, 'in_error')).toEqual([[]]);
    expect(heldAt(src, 'in_trans')).toEqual([['transaction:trans']]);
  });

  it('&& conditions: the lock is held only where both parts held', () => {
    const src = `void f(struct page *page, int x)\n{\n\tif (x && trylock_page(page)) {\n\t\tboth();\n\t\tunlock_page(page);\n\t} else {\n\t\tneither();\n\t}\n}\n`;
    expect(heldAt(src, 'both')).toEqual([['page:page']]);
    expect(heldAt(src, 'neither')).toEqual([[]]);
  });
});

describe('facts and summaries', () => {
  const helpers = `int deep(struct inode *i)\n{\n\treturn btrfs_delalloc_reserve_space(BTRFS_I(i), NULL, 0, 4096);\n}\n\nint middle(struct inode *i)\n{\n\treturn deep(i);\n}\n\nvoid grab(struct page *page)\n{\n\tlock_page(page);\n}\n`;
  const tagger = (callee: string): string[] => (callee === 'btrfs_delalloc_reserve_space' ? ['reserve'] : []);

  it('a tag climbs one call per level of depth, with the chain', () => {
    const facts = factsFor('fs/btrfs/h.c', helpers, model, 'test', null);
    const idx = new SummaryIndex([facts], tagger, 3);
    expect(idx.get('middle')?.tags.get('reserve')).toEqual(['deep', 'btrfs_delalloc_reserve_space']);
    expect(new SummaryIndex([facts], tagger, 1).get('middle')?.tags.has('reserve')).toBe(false);
  });

  it('a helper that returns with its argument locked becomes an acquire primitive', () => {
    const facts = factsFor('fs/btrfs/h.c', helpers, model, 'test', null);
    const derived = new SummaryIndex([facts], tagger, 3).derivedPrimitives(() => false);
    expect(derived).toContainEqual({ kind: 'page', op: 'acquire', name: 'grab', arg: 0, inferred: expect.stringMatching(/^fs\/btrfs\/h.c:\d+$/) });
  });

  it('facts are cached on disk by content hash and read back warm', () => {
    const cache = mkdtempSync(join(tmpdir(), 'kreview-facts-'));
    const first = factsFor('a.c', helpers, model, 'salt', cache);
    const files = readdirSync(join(cache, 'lock-facts'), { recursive: true }).map(String).filter((f) => f.endsWith('.facts'));
    expect(files).toHaveLength(1);
    const onDisk = join(cache, 'lock-facts', files[0]);
    expect(existsSync(onDisk)).toBe(true);
    // Mark the cached copy: a warm read must come from disk, not from a new parse.
    const marked = decodeFacts(readFileSync(onDisk), 'a.c');
    marked.functions[0].name = 'from_cache';
    writeFileSync(onDisk, encodeFacts(marked));
    clearFactsMemory();
    expect(factsFor('b.c', helpers, model, 'salt', cache).functions[0].name).toBe('from_cache');
    expect(first.functions[0].name).toBe('deep');
    clearFactsMemory();
    expect(factsFor('a.c', helpers, model, 'other-rules', cache).functions[0].name).toBe('deep');
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('slicing out the changed functions', () => {
  const file = `#include <x.h>\n\nstatic int a(void)\n{\n\treturn 1;\n}\n\nstatic int b(struct page *page,\n\t     int x)\n{\n\tlock_page(page);\n\treturn x;\n}\n`;

  it('keeps the header and body of the function around a line, blanks the rest, keeps line numbers', () => {
    const sliced = sliceFunctions(file, [11])!;
    expect(sliced.split('\n')).toHaveLength(file.split('\n').length);
    expect(sliced).not.toContain('return 1');
    expect(sliced.split('\n').slice(7, 13).join('\n')).toBe(file.split('\n').slice(7, 13).join('\n'));
    expect(parseC(sliced, model.syntax).functions.map((f) => [f.name, f.startLine, f.endLine])).toEqual([['b', 8, 13]]);
  });

  it('gives up (null) on a line outside any column-0 braced body', () => {
    expect(sliceFunctions(file, [1])).toBeNull();
    expect(sliceFunctions('int f(void) {\n\treturn 0;\n}\n', [2])).toBeNull();
  });
});

describe('hostile input', () => {
  it('deeply nested loops stay linear: eight levels walk quickly and keep the state', () => {
    let body = '\t\tinner();\n';
    for (let i = 0; i < 8; i++) body = `for (i${i} = 0; i${i} < n; i${i}++) {\n\tlock_page(page);\n${body}\tunlock_page(page);\n}\n`;
    const src = `void f(struct page *page, int n)\n{\n${body}\tafter();\n}\n`;
    const t0 = Date.now();
    expect(heldAt(src, 'inner')[0]).toEqual(['page:page']);
    expect(heldAt(src, 'after')[0]).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('binary junk and unbalanced braces parse without throwing', () => {
    const junk = '\u0000\u0001{{{ int f( { ))) ;; } @@ \uFFFD'.repeat(50);
    expect(() => parseC(junk, model.syntax)).not.toThrow();
    const file = parseC(`int f(void)\n{\n${junk}\n}\n`, model.syntax);
    for (const fn of file.functions) expect(() => walkFunction(fn, model)).not.toThrow();
  });
});
