// A review thread posts its Review back without the series the daemon handed over (slimReview);
// the daemon puts its own series and patches back (restoreReview): the same Review, field for
// field and in the same key order, holding the daemon's own objects as a review on its own thread does.
import { describe, expect, it } from 'vitest';
import type { Patch, PatchReview, Review, Series } from '../../src/core/types.js';
import { restoreReview, slimReview } from '../../src/watch/slim-review.js';
import { ReviewThreads } from '../../src/watch/review-threads.js';
import type { SeriesJob } from '../../src/queue/series-job.js';

const patch = (n: number): Patch => ({ id: `p${n}@x`, subject: `[PATCH ${n}/2] x`, files: [{ path: 'fs/a.c', hunks: [] }], message: `diff ${n}` }) as unknown as Patch;
const series = (): Series => ({ id: 's@x', version: 1, cover: null, patches: [patch(1), patch(2)], missing: [], complete: true }) as unknown as Series;
const reviewOf = (s: Series): Review => ({
  series: s,
  patches: s.patches.map((p, i): PatchReview => ({ patch: i === 1 ? { ...p, baseCommit: 'abc' } : p, base: { commit: null, why: 'none' }, applied: null, findings: [], notes: [`n${i}`], errors: [] }) as unknown as PatchReview),
  route: { trees: ['linux'], kernel: true, base: null, baseWhy: 'none' },
}) as unknown as Review;

describe('slim reviews from review threads', () => {
  it('round-trips through a clone to the same Review, with the daemon’s own series and patches in it', () => {
    const mine = series();
    const onThread = structuredClone(mine);
    const review = reviewOf(onThread);
    const posted = structuredClone(slimReview(review, onThread));
    // What crosses between the threads: no series, the series' own patch by index, a copied patch whole.
    expect(JSON.stringify(posted)).not.toContain('diff 1');
    expect(JSON.stringify(posted)).toContain('diff 2');
    const back = restoreReview(posted, mine);
    expect(JSON.stringify(back)).toBe(JSON.stringify(review));
    expect(Object.keys(back)).toEqual(Object.keys(review));
    expect(Object.keys(back.patches[0])).toEqual(Object.keys(review.patches[0]));
    expect(back.series).toBe(mine);
    expect(back.patches[0].patch).toBe(mine.patches[0]);
    expect(back.patches[1].patch).not.toBe(mine.patches[1]);
  });

  it('leaves a Review of another series whole', () => {
    const s = series();
    const other = reviewOf(series());
    expect(slimReview(other, s)).toBe(other);
    expect(restoreReview(other, s)).toBe(other);
  });

  it('the pool hands the daemon a thread’s slim Review with its own series put back', async () => {
    // A stand-in thread answering as the real one does: the series left out, its patch by index.
    const script = `
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if ('close' in m) return parentPort.close();
        parentPort.postMessage({ id: m.id, review: { series: undefined, patches: [{ patch: undefined, findings: [], patchAt: 0 }], slim: true } });
      });`;
    const pool = new ReviewThreads(1, 5_000, script);
    try {
      const s = series();
      const job = { key: 'series/one', messageId: 's@x', series: s, limitMs: 60_000 } as unknown as SeriesJob;
      const review = await pool.review(job);
      expect(review.series).toBe(s);
      expect(review.patches[0].patch).toBe(s.patches[0]);
      expect(review.patches[0]).toEqual({ patch: s.patches[0], findings: [] });
    } finally {
      await pool.close();
    }
  });
});
