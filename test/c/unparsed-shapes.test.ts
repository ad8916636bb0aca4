// Shapes of real 6.1 functions tree-sitter could not read before kreview prepared the text
// (bench/kernel-lock-bench.ts lists them by cause), each re-told in our own words: the function
// must parse whole, and the walk must see the lock inside it.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { parseC } from '../../src/c/parse.js';
import { walkFunction } from '../../src/c/walk.js';

const rules = loadRules();

function parsed(code: string): { names: [string, number[]][]; locks: string[][] } {
  const file = parseC(code, rules.model.syntax);
  return {
    names: file.functions.map((f) => [f.name, f.errorLines]),
    locks: file.functions.map((f) => (f.errorLines.length ? [] : walkFunction(f, rules.model).acquires.map((a) => a.lock.key))),
  };
}

const SHAPES: { name: string; code: string; fn: string; locks: string[] }[] = [
  {
    name: 'an `} else` closed by `#endif`, the else body after it (the most common shape: 54 of 153)',
    fn: 'pick_queue',
    locks: ['q->lock'],
    code: `static void pick_queue(struct queue *q, int cpu)
{
#ifdef CONFIG_SPREAD
	if (q->spread) {
		spread_to(q, cpu);
	} else
#endif
	{
		spin_lock(&q->lock);
		q->local++;
		spin_unlock(&q->lock);
	}
}
`,
  },
  {
    name: 'an `else if` arm that only some configurations compile, inside a file-wide #ifdef',
    fn: 'choose_mode',
    locks: ['mode_lock'],
    code: `#ifdef CONFIG_MODES
static int choose_mode(const char *s)
{
	if (!s)
		return -EINVAL;
	if (0)
		;
#ifdef CONFIG_MODE_FAST
	else if (!strcmp(s, "fast"))
		mode = 1;
#endif
	else
		mode = 0;
	mutex_lock(&mode_lock);
	apply_mode(mode);
	mutex_unlock(&mode_lock);
	return 0;
}
#endif
`,
  },
  {
    name: 'an #if inside an expression, and a closing brace only a debug configuration has',
    fn: 'sum_sizes',
    locks: ['t->lock'],
    code: `static long sum_sizes(struct table *t)
{
	long n;

	spin_lock(&t->lock);
	for (n = 0; n < t->count; n++) {
#ifdef DEBUG_TABLE
		if (t->check) {
#endif
			t->total += t->size[n];
#ifdef DEBUG_TABLE
		}
#endif
	}
	spin_unlock(&t->lock);
	return t->total
#if defined(CONFIG_EXTRA)
		+ t->extra
#endif
		;
}
`,
  },
  {
    name: 'a debug macro given statements as its argument, a semicolon-less macro statement, a do-loop closed by a macro',
    fn: 'drop_entry',
    locks: ['e->lock'],
    code: `static void drop_entry(struct entry *e)
{
	struct entry *t = e;

	CHECK_OR_DUMP(e->refs > 0, dump_entry(e); dump_owner(e););
	DEBUG_ONLY(if (e->flags) {
		pr_warn("odd flags\\n");
	});
	COUNT_DROP(e)
	do {
		t->visited = 1;
	} while_each_entry(e, t);
	spin_lock(&e->lock);
	e->refs--;
	spin_unlock(&e->lock);
}
`,
  },
  {
    name: 'computed types, keyword types and string macros as macro arguments',
    fn: 'read_flags',
    locks: ['p->lock'],
    code: `static unsigned int read_flags(struct proc *p)
{
	typeof(p->flags) val = READ_ONCE(p->flags);
	typeof_member(struct proc_ops, read) reader;
	DECLARE_BITMAP(seen, 64) = { 0 };

	typecheck(unsigned long, p->total);
	spin_lock(&p->lock);
	val |= min_t(unsigned int, p->extra, 0xf);
	spin_unlock(&p->lock);
	printk(KERN_ERR PREFIX "flags %x\\n", val);
	return val;
}
`,
  },
  {
    name: 'an iterator macro with braces right after a label, an upper-case iterator without braces, a case range across lines',
    fn: 'undo_cpus',
    locks: ['s->lock'],
    code: `static int undo_cpus(struct state *s, int failed)
{
	int cpu, i;

	if (setup(s))
		goto err;
	return 0;
err:
	for_each_possible_cpu(cpu) {
		if (cpu == failed)
			break;
		teardown(s, cpu);
	}
	BITS_FOR_EACH_WORD(i)
		s->words[i] = 0;
	switch (s->off) {
	case offsetof(struct state, a) ...
	     offsetof(struct state, b) - 1:
		spin_lock(&s->lock);
		s->hits++;
		spin_unlock(&s->lock);
		break;
	}
	return -ENOMEM;
}
`,
  },
];

describe('functions tree-sitter could not read, by cause (real 6.1 shapes, re-told)', () => {
  for (const s of SHAPES) {
    it(s.name, () => {
      const got = parsed(s.code);
      expect(got.names).toEqual([[s.fn, []]]);
      expect(got.locks[0]).toEqual(s.locks);
    });
  }

  it('an #if/#else that parses is still walked as two alternatives (control)', () => {
    const file = parseC(
      `static void flush_one(struct buf *b)
{
#ifdef CONFIG_FAST
	spin_lock(&b->lock);
#else
	mutex_lock(&b->mutex);
#endif
	b->dirty = 0;
}
`,
      rules.model.syntax,
    );
    expect(file.functions[0].errorLines).toEqual([]);
    const walk = walkFunction(file.functions[0], rules.model);
    expect(walk.acquires.map((a) => a.lock.key).sort()).toEqual(['b->lock', 'b->mutex']);
  });
});
