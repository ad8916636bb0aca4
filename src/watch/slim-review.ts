// What a review thread posts back to the daemon (src/watch/review-thread.ts): a Review without the
// series the daemon handed over, which it puts back from its own objects.
import type { Patch, PatchReview, Review, Series } from '../core/types.js';

/**
 * A Review posted back without what the daemon already holds: the job's series (`series` left
 * undefined) and each patch that is one of the series' own (`patch` undefined, `patchAt` its
 * index). The daemon puts its own objects back (restoreReview, review-threads.ts), so a review made
 * on a thread reaches it as one made on its own thread does, without the series cloned back with
 * every Review (each patch's diff and mail) at a cost to both threads.
 */
export interface SlimReview {
  slim: true;
  series: undefined;
  patches: (Omit<PatchReview, 'patch'> & { patch?: Patch; patchAt?: number })[];
}

export function slimReview(review: Review, series: Series): Review | SlimReview {
  if (review.series !== series) return review;
  const at = new Map<Patch, number>(series.patches.map((p, i) => [p, i]));
  const patches = review.patches.map((pr) => {
    const i = at.get(pr.patch);
    return i === undefined ? pr : { ...pr, patch: undefined, patchAt: i };
  });
  return { ...review, series: undefined, patches, slim: true };
}

/** The Review a slim one stands for, with the daemon's own series and patches put back in place. */
export function restoreReview(posted: Review | SlimReview, series: Series): Review {
  if (!('slim' in posted)) return posted;
  const { slim: _slim, ...review } = posted;
  const patches = review.patches.map((pr) => {
    if (pr.patchAt === undefined) return pr as PatchReview;
    const { patchAt, ...rest } = pr;
    rest.patch = series.patches[patchAt];
    return rest as PatchReview;
  });
  return { ...review, series, patches } as Review;
}
