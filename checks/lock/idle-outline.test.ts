// A commit that changes a few functions of a file whose outline (its facts) is known: when none of
// those functions can take, drop or hold a lock, their analyses are the empty ones without any
// parse (analyse.ts, idleByOutline); any sign of locking in them and they are parsed and walked.
import { describe, expect, it } from 'vitest';
import { factsFor } from '../../src/c/summaries.js';
import { extendLockModel } from '../../src/c/lock-model.js';
import { parseC, recentParsesKept } from '../../src/c/parse.js';
import { setTreeBudget, TREE_BYTES_PER_SOURCE_BYTE, treeBudget } from '../../src/c/native-trees.js';
import { analyseImage, type AnalyseContext, type FunctionAnalysis, type ImageInput } from './analyse.js';
import { matcherFor } from './match.js';
import { loadRules } from './rules-load.js';

// A small driver of our own: helpers that take no lock, one that takes and drops a spinlock, one
// that keeps a mutex on its error return, one that calls a helper of its tree that takes a mutex,
// and one that asserts its caller holds a spinlock and then waits.
const TEXT = `static int pool_sum(struct pool *p)
{
	int n = 0;
	int i;

	for (i = 0; i < p->nr; i++)
		n += p->slots[i];
	return n;
}

static void pool_refresh(struct pool *p)
{
	spin_lock(&p->lock);
	p->total = pool_sum(p);
	spin_unlock(&p->lock);
}

static bool pool_empty(const struct pool *p)
{
	return p->nr == 0;
}

static int pool_resize(struct pool *p, int want)
{
	mutex_lock(&p->mutex);
	if (want < 0)
		return -EINVAL;
	p->nr = want;
	mutex_unlock(&p->mutex);
	return 0;
}

static int pool_grow(struct pool *p, int want)
{
	pool_enter(p);
	if (want < 0)
		return -EINVAL;
	p->nr = want;
	pool_leave(p);
	return 0;
}

static void pool_confirm(struct pool *p)
{
	lockdep_assert_held(&p->lock);
	p->nr++;
	msleep(10);
}
`;

function context(): AnalyseContext {
  const rules = loadRules();
  return { rules, model: rules.model, matcher: matcherFor(rules), summaries: null };
}

/** `text` changed at `lines` (not most of it), its outline known or not. */
function input(text: string, lines: number[], outline: boolean, ctx: AnalyseContext): ImageInput {
  const path = 'drivers/pool.c';
  return {
    path,
    text,
    complete: true,
    lines,
    hunks: lines.map((l) => ({ start: Math.max(1, l - 3), count: 7, section: '' })),
    ...(outline ? { outline: factsFor(path, text, ctx.model, ctx.rules.hash, null).functions } : {}),
  };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

/** The analysis of `lines` with the outline, whether it parsed anything, and the analysis without. */
function both(lines: (text: string) => number[], ctx = context()): { outlined: FunctionAnalysis[]; parsed: boolean; whole: FunctionAnalysis[] } {
  const before = treeBudget();
  // A budget of one byte keeps only the newest parse.
  setTreeBudget(1);
  try {
    const text = `${TEXT}/* ${Date.now()} ${Math.random()} */\n`;
    const at = lines(text);
    const image = input(text, at, true, ctx);
    // Something else parsed last: the newest parse stays that one unless the analysis parses.
    const other = `int other_${Date.now()}(void) { return ${Math.floor(Math.random() * 1e9)}; }\n`;
    parseC(other, ctx.model.syntax);
    const outlined = analyseImage(image, ctx);
    const parsed = recentParsesKept().bytes !== other.length * TREE_BYTES_PER_SOURCE_BYTE;
    return { outlined, parsed, whole: analyseImage(input(text, at, false, ctx), ctx) };
  } finally {
    setTreeBudget(before);
  }
}

describe('a change to functions that cannot lock, the outline known', () => {
  it('is analysed without a parse, as the parse would have it', () => {
    const r = both((t) => [lineOf(t, 'n += p->slots[i]'), lineOf(t, 'return p->nr == 0')]);
    expect(r.parsed).toBe(false);
    expect(r.outlined.map((f) => f.name)).toEqual(['pool_sum', 'pool_empty']);
    expect(r.outlined).toEqual(r.whole);
    expect(r.outlined.every((f) => f.issues.length === 0 && f.errorLines.length === 0)).toBe(true);
  });

  it('a change outside any function: nothing to analyse, and no parse', () => {
    const r = both((t) => [t.split('\n').length - 1]);
    expect(r.parsed).toBe(false);
    expect(r.outlined).toEqual([]);
    expect(r.whole).toEqual([]);
  });
});

describe('a change to a function that can lock is parsed and walked', () => {
  it('a primitive of the rules', () => {
    const r = both((t) => [lineOf(t, 'n += p->slots[i]'), lineOf(t, 'p->nr = want;\n\tmutex_unlock')]);
    expect(r.parsed).toBe(true);
    expect(r.outlined).toEqual(r.whole);
    expect(r.outlined.find((f) => f.name === 'pool_resize')!.issues.map((i) => i.key)).toEqual(['unbalanced|sleeping|p->mutex']);
  });

  it("a helper of the tree the summaries made a primitive (repository mode's extended model)", () => {
    const base = context();
    const model = extendLockModel(base.model, [
      { kind: 'sleeping', op: 'acquire', name: 'pool_enter', arg: 0 },
      { kind: 'sleeping', op: 'release', name: 'pool_leave', arg: 0 },
    ]);
    const r = both((t) => [lineOf(t, 'p->nr = want;\n\tpool_leave')], { ...base, model });
    expect(r.parsed).toBe(true);
    expect(r.outlined).toEqual(r.whole);
    expect(r.outlined.map((f) => f.issues.length)).toEqual([1]);
    // The rules alone know neither helper: the same change is idle to them.
    const plain = both((t) => [lineOf(t, 'p->nr = want;\n\tpool_leave')], base);
    expect(plain.parsed).toBe(false);
    expect(plain.outlined).toEqual(plain.whole);
  });

  it('a lockdep assertion, with no primitive in the function', () => {
    const r = both((t) => [lineOf(t, 'msleep(10)')]);
    expect(r.parsed).toBe(true);
    expect(r.outlined).toEqual(r.whole);
    expect(r.outlined.map((f) => f.issues.length)).toEqual([1]);
  });
});

describe('a new file (most of it wanted), the outline known', () => {
  it('walks a function whose only sign of locking is a lockdep assertion (activeOnly kept it idle: no issue)', () => {
    const r = both((t) => t.split('\n').map((_, i) => i + 1));
    expect(r.outlined).toEqual(r.whole);
    expect(r.outlined.find((f) => f.name === 'pool_confirm')!.issues.length).toBe(1);
  });
});
