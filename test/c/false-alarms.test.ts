// The false alarms of test/c/false-alarm-cases.ts through the real check: one repository, one
// commit adding every case as a new file (as the real-tree bench reviews files), and each file's
// findings must be exactly its case's `fire` list. Plus code moved between functions (issue 11).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from './lock-harness.js';
import { FALSE_ALARM_CASES as FIRST_ROUND } from './false-alarm-cases.js';
import { REAL_TREE_CASES } from './real-tree-cases.js';
import { PRECISION_CASES } from './precision-cases.js';

const FALSE_ALARM_CASES = [...FIRST_ROUND, ...REAL_TREE_CASES, ...PRECISION_CASES];

const casePath = (i: number): string => `${FALSE_ALARM_CASES[i].dir}/false-alarm-${i}.c`;
const text = (i: number): string => `// SPDX-License-Identifier: GPL-2.0\n#include <linux/fs.h>\n${FALSE_ALARM_CASES[i].code.replace(/\bFN\b/g, `case_${i}`).replace(/\bFN_/g, `case_${i}_`)}\n`;
const lockFindings = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/.test(f.message));

describe('lock false alarms on correct kernel code, by cause', () => {
  const byPath = new Map<string, Finding[]>();

  beforeAll(async () => {
    const after: Record<string, string> = {};
    FALSE_ALARM_CASES.forEach((_, i) => (after[casePath(i)] = text(i)));
    for (const f of await runLockCase({ before: { README: 'base\n' }, after })) {
      const path = f.location.kind === 'file' ? f.location.path : '(patch)';
      byPath.set(path, [...(byPath.get(path) ?? []), f]);
    }
  });

  FALSE_ALARM_CASES.forEach((c, i) => {
    it(c.name, () => {
      const got = lockFindings(byPath.get(casePath(i)) ?? []);
      expect(got.map((f) => f.id).sort(), JSON.stringify(got, null, 1)).toEqual([...c.fire].sort());
    });
  });
});

describe('code moved, not added (issue 11)', () => {
  const BEFORE = `// SPDX-License-Identifier: GPL-2.0
static int fill_stats(struct stat_ctx *ctx, int n)
{
	int ret = 0;

	spin_lock(&ctx->lock);
	ctx->buf = kmalloc(n, GFP_KERNEL);
	if (!ctx->buf)
		ret = -ENOMEM;
	spin_unlock(&ctx->lock);
	return ret;
}
`;
  const AFTER = `// SPDX-License-Identifier: GPL-2.0
static int alloc_stats_buf(struct stat_ctx *ctx, int n)
{
	int ret = 0;

	spin_lock(&ctx->lock);
	ctx->buf = kmalloc(n, GFP_KERNEL);
	if (!ctx->buf)
		ret = -ENOMEM;
	spin_unlock(&ctx->lock);
	return ret;
}

static int fill_stats(struct stat_ctx *ctx, int n)
{
	return alloc_stats_buf(ctx, n);
}
`;

  it('a problem that was already there and only moved to a new helper is not reported again', async () => {
    const findings = await runLockCase({ before: { 'kernel/stats.c': BEFORE }, after: { 'kernel/stats.c': AFTER } });
    expect(lockFindings(findings)).toEqual([]);
  });
});

describe('unparsed functions (real 6.1 shapes, re-told)', () => {
  it('brace-less iterator bodies, GNU case ranges and function-local static DEFINE_* macros parse, and the walk sees inside', async () => {
    const { loadRules } = await import('../../checks/lock/rules-load.js');
    const { parseC } = await import('../../src/c/parse.js');
    const { walkFunction } = await import('../../src/c/walk.js');
    const rules = loadRules();
    const file = parseC(
      `static long count_items(struct counter *c)
{
	static DEFINE_RATELIMIT_STATE(rs, HZ, 1);
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(c->items, cpu);
	switch (c->mode) {
	case 1 ... 3:
		spin_lock(&c->lock);
		sum += c->extra;
		spin_unlock(&c->lock);
		break;
	}
	return sum;
}
`,
      rules.model.syntax,
    );
    expect(file.functions.map((f) => [f.name, f.errorLines])).toEqual([['count_items', []]]);
    const walk = walkFunction(file.functions[0], rules.model);
    expect(walk.calls.map((c) => c.callee)).toContain('per_cpu');
    expect(walk.acquires.map((a) => a.lock.key)).toEqual(['c->lock']);
  });
});
