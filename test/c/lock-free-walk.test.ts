// A function in which no call can take, drop or guard a lock, and that holds nothing on entry
// (most of a tree's functions, as the rules alone see them), is walked with every loop body once:
// its lock states are all empty, so the trial passes a loop otherwise makes to find its head state
// (twice the work per loop, 2^depth for nested ones) cannot change anything. The walk must report
// exactly what the full walk does. The functions below are written for this test.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import type { LockModel } from '../../src/c/lock-model.js';
import { parseC } from '../../src/c/parse.js';
import { walkFunction } from '../../src/c/walk.js';

const model = loadRules().model;

/** The rules' model, counting how often each callee is looked up; `names` may be told to say yes to every name (no function is then lock-free). */
function counting(base: LockModel, namesEverything = false): { model: LockModel; lookups: Map<string, number> } {
  const lookups = new Map<string, number>();
  return {
    lookups,
    model: {
      kinds: base.kinds,
      syntax: base.syntax,
      lookup(callee, args) {
        lookups.set(callee, (lookups.get(callee) ?? 0) + 1);
        return base.lookup(callee, args);
      },
      names: (callee) => namesEverything || base.names(callee),
    },
  };
}

const NESTED = `
static int demo_sum(struct demo_table *t)
{
	int i, j, k, sum = 0;

	for (i = 0; i < t->rows; i++) {
		for (j = 0; j < t->cols; j++) {
			while (k < t->depth) {
				sum += demo_cell(t, i, j, k);
				k++;
			}
		}
	}
	return sum;
}
`;

// Labels reached only by goto, a label inside a loop entered from unreachable code, `while (1)`
// left by break, a do-while(0), a switch with fall-through and iterator macros without a `;`.
const SHAPES = `
static int demo_scan(struct demo_fs *fs, struct list_head *head, int mode)
{
	struct demo_entry *e;
	int ret = 0, n = 0;

	if (mode < 0)
		goto retry;
	return demo_prepare(fs);
	while (n < 3) {
retry:
		n = demo_count(fs, n);
		if (n > 10)
			goto out;
	}
	list_for_each_entry(e, head, list) {
		if (!e->busy)
			continue;
		demo_touch(e);
	}
	while (1) {
		if (demo_done(fs))
			break;
		demo_wait(fs);
	}
	do {
		ret = demo_commit(fs, true);
	} while (0);
	switch (mode) {
	case 1:
		demo_one(fs);
	case 2:
		demo_two(fs);
		break;
	default:
		for (;;) {
			if (demo_step(fs) < 0)
				goto out;
		}
	}
	fs->ops->sync(fs, mode);
out:
	demo_finish(fs, ret);
	return ret;
}
`;

describe('the walk of a function that cannot lock', () => {
  it('walks nested loop bodies once each (the old walk looked the innermost call up 2^3 times)', () => {
    const fn = parseC(NESTED, model.syntax).functions[0];
    const { model: m, lookups } = counting(model);
    const walk = walkFunction(fn, m);
    expect(walk.calls.map((c) => c.callee)).toEqual(['demo_cell']);
    expect(lookups.get('demo_cell')).toBe(1);
  });

  it('finds what the full walk finds, with trial passes, for every shape of loop and jump', () => {
    for (const src of [NESTED, SHAPES]) {
      const fn = parseC(src, model.syntax).functions[0];
      const quick = walkFunction(fn, counting(model).model);
      const full = walkFunction(fn, counting(model, true).model);
      expect(quick.calls.length).toBeGreaterThan(0);
      expect(quick).toEqual(full);
    }
  });

  it('still makes the trial passes where a lock may be taken', () => {
    const src = NESTED.replace('sum += demo_cell(t, i, j, k);', 'spin_lock(&t->lock);\n\t\t\t\tsum += demo_cell(t, i, j, k);\n\t\t\t\tspin_unlock(&t->lock);');
    const fn = parseC(src, model.syntax).functions[0];
    const { model: m, lookups } = counting(model);
    walkFunction(fn, m);
    expect(lookups.get('demo_cell')).toBeGreaterThan(1);
  });

  it('still makes them when a lock is held on entry', () => {
    const fn = parseC(NESTED, model.syntax).functions[0];
    const { model: m, lookups } = counting(model);
    const held = { key: 't->lock', kind: 'spinlock', cls: 'lock', line: 2, via: 'entry', status: 'held' as const, definite: true, entry: true };
    walkFunction(fn, m, { entry: [held] });
    expect(lookups.get('demo_cell')).toBeGreaterThan(1);
  });
});
