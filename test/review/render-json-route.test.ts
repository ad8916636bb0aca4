// A routed series' tree and base are a status of the series in kreview's JSON: "does not apply"
// is shown there, never as a finding.
import { describe, expect, it } from 'vitest';
import { toJsonReport } from '../../src/review/render-json.js';
import { makePatch, makeReview } from '../helpers/make-patch.js';

describe('JSON route status', () => {
  it('carries the trees, the base, why it was chosen, whether the series applied and what was tried', () => {
    const review = makeReview(makePatch(), []);
    const route = { trees: ['linux'], kernel: true, base: 'b'.repeat(40), baseWhy: "the list's default master", applies: false, tried: ['base-commit: 1234: not in the repository'] };
    const json = toJsonReport([{ ...review, route }], [], '0.1.0');
    expect(json.series[0].route).toEqual(route);
    expect(json.series[0].patches[0].findings).toEqual([]);
    expect(toJsonReport([review], [], '0.1.0').series[0]).not.toHaveProperty('route');
  });
});
