// The web view's record of a review keeps a patch's decoding warnings (hunk counts that do not
// match) with its notes, not among its errors: the patch was reviewed.
import { describe, expect, it } from 'vitest';
import { openState } from '../../src/state/open-state.js';
import { ReviewStore } from '../../src/state/review-store.js';
import { makePatch, makeReview } from '../helpers/make-patch.js';

describe('ReviewStore and decoding warnings', () => {
  it('shows them as notes marked warning, not as errors', () => {
    const db = openState(':memory:');
    try {
      const patch = makePatch();
      const warning = "x.eml: fs/ext4/super.c: 1 line(s) after a hunk's counts ran out were ignored (hunk counts do not match the lines)";
      const review = makeReview(patch, [], { warnings: [warning] });
      const store = new ReviewStore(db);
      store.record('k#v1', 'identity', 'linux-ext4', review, () => false, 0);
      const view = store.patch(patch.id);
      expect(view?.notes).toContain(`warning: ${warning}`);
      expect(view?.errors).toEqual([]);
    } finally {
      db.close();
    }
  });
});
