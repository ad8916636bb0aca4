// A new file's analysis parses only the functions that can lock: the others are known from the
// file's outline (its facts) to have nothing to walk, and their analysis is the empty one the walk
// would have given.
import { describe, expect, it } from 'vitest';
import { factsFor } from '../../src/c/summaries.js';
import { recentParsesKept } from '../../src/c/parse.js';
import { setTreeBudget, TREE_BYTES_PER_SOURCE_BYTE, treeBudget } from '../../src/c/native-trees.js';
import { analyseImage, type AnalyseContext, type ImageInput } from './analyse.js';
import { matcherFor } from './match.js';
import { loadRules } from './rules-load.js';

// A small driver of our own: two helpers that take no lock, one that takes and drops a spinlock,
// one that keeps a mutex on its error return, and a callback an entry rule may name.
const IDLE_HELPER = `static int ring_sum(struct ring *r)
{
	int n = 0;
	int i;

	for (i = 0; i < r->nr; i++)
		n += r->slots[i];
	return n;
}
`;
const TEXT = `${IDLE_HELPER}
static void ring_refresh(struct ring *r)
{
	spin_lock(&r->lock);
	r->total = ring_sum(r);
	spin_unlock(&r->lock);
}

static bool ring_empty(const struct ring *r)
{
	return r->nr == 0;
}

static int ring_resize(struct ring *r, int want)
{
	mutex_lock(&r->mutex);
	if (want < 0)
		return -EINVAL;
	r->nr = want;
	mutex_unlock(&r->mutex);
	return 0;
}
`;

function context(): AnalyseContext {
  const rules = loadRules();
  return { rules, model: rules.model, matcher: matcherFor(rules), summaries: null };
}

function input(path: string, text: string, outline: boolean): ImageInput {
  const lineCount = text.split('\n').length;
  const ctx = context();
  return {
    path,
    text,
    complete: true,
    lines: Array.from({ length: lineCount }, (_, i) => i + 1),
    hunks: [{ start: 1, count: lineCount, section: '' }],
    ...(outline ? { outline: factsFor(path, text, ctx.model, ctx.rules.hash, null).functions } : {}),
  };
}

describe('a new file with its outline known', () => {
  it('gives the analysis a whole parse gives, function for function', () => {
    const ctx = context();
    const whole = analyseImage(input('drivers/ring.c', TEXT, false), ctx);
    const outlined = analyseImage(input('drivers/ring.c', TEXT, true), ctx);
    expect(outlined.map((f) => f.name)).toEqual(['ring_sum', 'ring_refresh', 'ring_empty', 'ring_resize']);
    expect(outlined).toEqual(whole);
    // The mutex kept on the error return is found either way.
    expect(outlined.find((f) => f.name === 'ring_resize')!.issues.map((i) => i.key)).toEqual(['unbalanced|sleeping|r->mutex']);
  });

  it('parses only the functions that can lock, not the whole file', () => {
    const before = treeBudget();
    // A budget of one byte keeps only the newest parse: the one this analysis made.
    setTreeBudget(1);
    try {
      const text = `${TEXT}\n/* ${Date.now()} */\n`;
      analyseImage(input('drivers/ring2.c', text, true), context());
      const kept = recentParsesKept();
      expect(kept.count).toBe(1);
      // ring_sum and ring_empty are blank lines in what was parsed.
      expect(kept.bytes).toBeLessThan((text.length - IDLE_HELPER.length) * TREE_BYTES_PER_SOURCE_BYTE);
    } finally {
      setTreeBudget(before);
    }
  });

  it('parses nothing when no function can lock', () => {
    const before = treeBudget();
    setTreeBudget(1);
    try {
      const marker = `${IDLE_HELPER}/* ${Date.now()} */\n`;
      // Its outline made first (a parse of it), then something else parsed, then the idle-only
      // file analysed: the newest parse stays the other one.
      const idleInput = input('drivers/ring4.c', marker, true);
      analyseImage(input('drivers/ring3.c', TEXT, false), context());
      const idle = analyseImage(idleInput, context());
      expect(idle).toEqual([{ name: 'ring_sum', key: 'ring_sum', startLine: 1, endLine: 9, errorLines: [], hunkOnly: false, issues: [], unmatched: [], releasedAt: [] }]);
      expect(recentParsesKept().bytes).toBe(TEXT.length * TREE_BYTES_PER_SOURCE_BYTE);
    } finally {
      setTreeBudget(before);
    }
  });
});
