// The streamed JSON report writes each patch field by field (src/review/render-json.ts patchAt4)
// instead of through JSON.stringify's indenting walk: the document must stay the one renderJson
// makes, byte for byte, whatever a patch holds (quotes, control characters, non-ASCII names, empty
// and full lists, every applied state, findings with related places), and a field of a shape the
// fast path does not know must still come out as JSON.stringify writes it.
import { describe, expect, it } from 'vitest';
import type { PatchReview, Review } from '../../src/core/types.js';
import { JsonWriter, renderJson } from '../../src/review/render-json.js';
import { sendReview } from '../../src/review/review-stream.js';
import { makeFinding, makePatch, makeReview } from '../helpers/make-patch.js';

function streamed(reviews: Review[], errors: string[] = []): string {
  let out = '';
  const w = new JsonWriter((t) => (out += t), '9.9.9');
  w.begin(reviews.length);
  for (const r of reviews) sendReview(w, r);
  w.end(errors);
  return out;
}

/** One series of commits, each review as given. */
function range(prs: PatchReview[]): Review {
  const patches = prs.map((p) => p.patch);
  return { series: { id: patches[0].id, version: 1, subject: patches[0].subject, cover: null, patches, total: patches.length, missing: [], complete: true }, patches: prs };
}

const commit = (i: number, over: Parameters<typeof makePatch>[0] = {}) =>
  makePatch({ id: `${i}`.padStart(40, 'c'), kind: 'commit', source: `HEAD@${i}`, subject: `net: fix ${i}`, ...over });

describe('the streamed JSON report, patch by patch', () => {
  it('is renderJson byte for byte over varied patches', () => {
    const prs: PatchReview[] = [
      { ...makeReview(commit(1), []).patches[0] },
      { ...makeReview(commit(2, { subject: 'tab\there "quoted" \\ back\u0001slash', author: { name: 'Zoë Łukasz 李', email: 'z@example.org' } }), []).patches[0], applied: null },
      { ...makeReview(commit(3), [makeFinding(), makeFinding({ id: 'fixes/unknown-sha', severity: 'error', suggestion: 'Fixes: x', evidence: ['a', 'b'], confidence: 'low' })]).patches[0], applied: false },
      {
        ...makeReview(commit(4), [
          makeFinding({ location: { kind: 'file', path: 'net/x.c', line: 7 }, related: [{ label: 'taken here', location: { kind: 'file', path: 'net/x.c', line: 3 } }], basis: { path: ['a'], inferred: [], unknown: ['u'] } }),
        ]).patches[0],
        notes: ['one note', 'two "notes"'],
        errors: ['an error'],
        warnings: ['hunk counts differ'],
      },
      { ...makeReview(commit(5), []).patches[0], base: { commit: null, source: 'none', label: 'root commit (no parent)' } },
      // Texts JSON.stringify escapes or leaves as they are: a lone surrogate, a pair, U+2028, DEL.
      {
        ...makeReview(commit(6, { subject: 'lone \ud800 and \udfff, pair \ud83d\ude00, line\u2028sep, del\u007f', author: { name: 'A "B" \\ C', email: 'x\ny@example.org' } }), []).patches[0],
        notes: ['\ud83d alone', 'plain'],
        base: { commit: null, source: 'none', label: 'tab\tlabel' },
      },
    ];
    const reviews = [range(prs), makeReview(makePatch(), [makeFinding()])];
    expect(streamed(reviews, ['x: no such file'])).toBe(renderJson(reviews, ['x: no such file'], '9.9.9'));
  });

  it('writes fields of shapes it does not expect as JSON.stringify does', () => {
    // Extra or reordered keys, a missing base field, a number among notes: all through the generic path.
    const odd = [
      { ...makeReview(commit(6, { author: { email: 'e@example.org', name: 'Reordered' } }), []).patches[0] },
      { ...makeReview(commit(7, { author: { name: 'Extra', email: 'x@example.org', role: 'maintainer' } as never }), []).patches[0] },
      { ...makeReview(commit(8), []).patches[0], base: { commit: 'b'.repeat(40), label: 'no source' } as never },
      { ...makeReview(commit(9), []).patches[0], notes: ['text', 42] as never },
      { ...makeReview(commit(10), []).patches[0], applied: undefined as never },
    ];
    const reviews = [range(odd)];
    expect(streamed(reviews)).toBe(renderJson(reviews, [], '9.9.9'));
  });
});
