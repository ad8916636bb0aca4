// On GitHub a routed series' status (its tree, its base, "does not apply") is shown as the JSON and
// the daemon's state show it: a line of the check run's summary and of the review body, never a
// finding row, and it does not change how many findings there are.
import { describe, expect, it } from 'vitest';
import { renderReviewBody, renderSummary, routeLines } from '../../src/app/render.js';
import type { Finding, SeriesRoute } from '../../src/core/types.js';
import { makePatch, makeReview } from '../helpers/make-patch.js';

const finding: Finding = {
  id: 'fixes/format',
  severity: 'warning',
  message: 'Fixes: tag should use 12 characters of the commit id',
  location: { kind: 'message', line: 5 },
};

const notApplied: SeriesRoute = {
  trees: ['linux'],
  kernel: true,
  base: 'b'.repeat(40),
  baseWhy: "the list's default master",
  applies: false,
  tried: ['[PATCH net-next] net-next/main (cccccccccccc): does not apply: patch failed: net/core/dev.c:120'],
};

describe('GitHub route status', () => {
  it('says in the summary that the series does not apply, outside the findings table', () => {
    const review = { ...makeReview(makePatch(), [finding]), route: notApplied };
    const summary = renderSummary({ review, headSha: 'a'.repeat(40), total: 1, failOn: 'error', notes: [] });
    expect(summary).toContain("> The series does not apply to the list's default master (bbbbbbbbbbbb): only its hunks were read.");
    expect(summary).toContain('> Also tried: [PATCH net-next] net-next/main (cccccccccccc): does not apply: patch failed: net/core/dev.c:120');
    const rows = summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| severity'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('`fixes/format`');
    expect(summary).toMatch(/^1 finding in 1 commit/);
  });

  it('says it in the review body as a note', () => {
    const body = renderReviewBody({ headSha: 'a'.repeat(40), patchCount: 1, total: 0, inline: 0, notes: routeLines(notApplied), body: [] });
    expect(body).toContain('0 findings');
    expect(body).toContain("> The series does not apply to the list's default master (bbbbbbbbbbbb): only its hunks were read.");
  });

  it('names the tree a series not reviewed with kernel rules is for; says nothing without a route', () => {
    expect(routeLines({ ...notApplied, kernel: false, trees: ['btrfs-progs'], applies: null })).toEqual([
      'Not reviewed with kernel rules: the series is for btrfs-progs, a tree kreview has no rules for.',
    ]);
    expect(routeLines(undefined)).toEqual([]);
    const plain = renderSummary({ review: makeReview(makePatch(), []), headSha: 'a'.repeat(40), total: 0, failOn: 'error', notes: [] });
    expect(plain).not.toContain('apply');
  });
});
