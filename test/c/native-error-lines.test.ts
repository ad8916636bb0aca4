// A function's syntax-error lines are read on the native tree (src/c/parse.ts, nativeErrorLines): the
// same lines the JavaScript copy gives, and no copy made to find them. Shapes written for this test.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { parseC } from '../../src/c/parse.js';

const syntax = loadRules().model.syntax;

const TEXT = `static int demo_stray(struct demo *d)
{
	int n = 0 +;
	if (d->ready)
		n = demo_count(d, FOO BAR);
	return n;
}

static void demo_string(struct demo *d)
{
	/* a comment with ) ( and { */
	pr_info("demo " DEMO_FMT " ready\\n", d->n);
	demo_flush(d);
}

static int demo_block(struct demo *d)
{
	demo_each(d, x) {
		x->n = ;
	}
	return 0;
}

static int demo_clean(struct demo *d)
{
	return d->n;
}
`;

describe('syntax-error lines from the native tree', () => {
  it('equal those of the copy, function by function', () => {
    const fns = parseC(`${TEXT}/* ${Math.random()} */\n`, syntax).functions;
    expect(fns.map((f) => f.name)).toEqual(['demo_stray', 'demo_string', 'demo_block', 'demo_clean']);
    expect(fns.some((f) => f.errorLines.length > 0)).toBe(true);
    for (const f of fns) expect(f.errorLines).toEqual((f as unknown as { copiedErrorLines(): number[] }).copiedErrorLines());
  });

  it('are found without copying the function to JavaScript', () => {
    const fns = parseC(`${TEXT}/* ${Math.random()} */\n`, syntax).functions;
    const stray = fns[0] as unknown as { copy: unknown; errorLines: number[]; hasError: boolean };
    expect(stray.hasError).toBe(true);
    expect(stray.errorLines.length).toBeGreaterThan(0);
    expect(stray.copy).toBeNull();
  });
});
