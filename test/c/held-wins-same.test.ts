// analyseFunction walks a function with a goto a second time with checkpoints 'held-wins' (paths
// meeting at a label keep a lock one of them definitely holds) for its leaks through shared labels.
// That walk differs from the first only where such a meeting happens: sameUnderHeldWins tells,
// from the first walk, that there was none, and the second walk is then skipped. These functions,
// written for this test, have error labels of the usual kernel shapes.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { parseC } from '../../src/c/parse.js';
import { sameUnderHeldWins, walkFunction, type WalkResult } from '../../src/c/walk.js';

const model = loadRules().model;

const SOURCE = `
static int demo_same(struct demo_fs *fs, int n)
{
	int ret;

	if (n < 0)
		goto out;
	spin_lock(&fs->lock);
	ret = demo_work(fs, n);
	if (ret)
		goto out_unlock;
	demo_more(fs);
out_unlock:
	spin_unlock(&fs->lock);
out:
	return ret;
}

static int demo_kept(struct demo_fs *fs, int n)
{
	int ret = 0;

	spin_lock(&fs->lock);
	if (n < 0) {
		spin_unlock(&fs->lock);
		goto out;
	}
	ret = demo_work(fs, n);
	if (ret)
		goto out;
	spin_unlock(&fs->lock);
	return 0;
out:
	return ret;
}
`;

const withoutLeaves = (w: WalkResult): WalkResult => ({ ...w, leaves: [] });

describe('a walk the same under held-wins', () => {
  const [same, kept] = parseC(SOURCE, model.syntax).functions;

  it('is told when no label met a lock held on one path only, and the held-wins walk finds the same', () => {
    const walk = walkFunction(same, model);
    expect(sameUnderHeldWins(walk)).toBe(true);
    expect(walk.releases.length).toBeGreaterThan(0);
    expect(withoutLeaves(walkFunction(same, model, { checkpoints: 'held-wins' }))).toEqual(withoutLeaves(walk));
  });

  it('is not told where a label meets a path that dropped the lock and one that holds it', () => {
    const walk = walkFunction(kept, model);
    expect(sameUnderHeldWins(walk)).toBe(false);
    expect(withoutLeaves(walkFunction(kept, model, { checkpoints: 'held-wins' }))).not.toEqual(withoutLeaves(walk));
  });

  it('is never told of a walk made with checkpoints', () => {
    expect(sameUnderHeldWins(walkFunction(same, model, { checkpoints: 'merge' }))).toBe(false);
    expect(sameUnderHeldWins(walkFunction(same, model, { checkpoints: 'held-wins' }))).toBe(false);
  });
});
