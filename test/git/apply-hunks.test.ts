// The strict hunk applier: exact and offset matches, counts that lie, context that differs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyHunks, hunkOnlyImage, shiftHunks, unshiftLine } from '../../src/git/apply-hunks.js';
import type { DiffLine, Hunk } from '../../src/core/types.js';

/** A hunk from ` ctx` / `-del` / `+add` strings, numbered from the given starts. */
function hunk(oldStart: number, newStart: number, body: string[], counts?: [number, number]): Hunk {
  let o = oldStart;
  let n = newStart;
  const lines: DiffLine[] = body.map((l) => {
    const text = l.slice(1);
    if (l[0] === '-') return { kind: 'del', text, oldLine: o++, newLine: null };
    if (l[0] === '+') return { kind: 'add', text, oldLine: null, newLine: n++ };
    return { kind: 'ctx', text, oldLine: o++, newLine: n++ };
  });
  const oldLines = counts?.[0] ?? lines.filter((l) => l.kind !== 'add').length;
  const newLines = counts?.[1] ?? lines.filter((l) => l.kind !== 'del').length;
  return { oldStart, oldLines, newStart, newLines, section: '', lines };
}

const pre = 'a\nb\nc\nd\ne\n';

describe('applyHunks', () => {
  it('applies at the stated lines', () => {
    expect(applyHunks(pre, [hunk(2, 2, [' b', '-c', '+C', ' d'])])).toMatchObject({ ok: true, text: 'a\nb\nC\nd\ne\n', shifts: [{ old: 0, new: 0 }] });
  });

  it('applies at an offset when the lines moved', () => {
    expect(applyHunks('x\n' + pre, [hunk(2, 2, [' b', '-c', '+C', ' d'])])).toMatchObject({ ok: true, text: 'x\na\nb\nC\nd\ne\n', shifts: [{ old: 1, new: 1 }] });
  });

  it('adds to an empty file and inserts after a line', () => {
    expect(applyHunks('', [hunk(0, 1, ['+new'])])).toMatchObject({ ok: true, text: 'new\n' });
    expect(applyHunks(pre, [hunk(5, 6, ['+f'])])).toMatchObject({ ok: true, text: pre + 'f\n' });
  });

  it('keeps a missing final newline', () => {
    expect(applyHunks('a\nb', [hunk(1, 1, ['-a', '+A', ' b'])])).toMatchObject({ ok: true, text: 'A\nb' });
  });

  it('refuses a hunk whose counts do not match its lines', () => {
    const r = applyHunks(pre, [hunk(2, 2, [' b', '-c', '+C', ' d'], [5, 3])]);
    expect(r).toEqual({ ok: false, reason: 'hunk 1 (@@ -2,5 +2,3 @@) has 3 old and 3 new lines, not the counts it states' });
  });

  it('refuses context that is not in the file', () => {
    const r = applyHunks(pre, [hunk(2, 2, [' b', '-X', '+C', ' d'])]);
    expect(r).toEqual({ ok: false, reason: 'hunk 1 (@@ -2,3 +2,3 @@) does not match the pre-image' });
  });

  it('does not let a later hunk match before an earlier one', () => {
    const r = applyHunks(pre, [hunk(4, 4, [' d', '-e', '+E']), hunk(1, 1, ['-a', '+A'])]);
    expect(r.ok).toBe(false);
  });
});

describe('hunkOnlyImage', () => {
  it('puts hunk lines at their new numbers and blanks elsewhere', () => {
    expect(hunkOnlyImage([hunk(3, 3, [' c', '+C']), hunk(8, 9, [' h'])])).toBe('\n\nc\nC\n\n\n\n\nh\n');
  });
});

describe('shiftHunks / unshiftLine', () => {
  /** Hunks that replace line p (1-based) of `lines` by two new lines, with one line of context each side. */
  function patchAt(lines: string[], positions: number[]): Hunk[] {
    let delta = 0;
    return positions.map((p) => {
      const h = hunk(p - 1, p - 1 + delta, [` ${lines[p - 2]}`, `-${lines[p - 1]}`, `+new ${p}a`, `+new ${p}b`, ` ${lines[p]}`]);
      delta += 1;
      return h;
    });
  }

  it('renumbered hunks name the lines of the images they applied to, and unshifting gives the patch its numbers back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 60 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, extra, count, seed) => {
        const lines = Array.from({ length: n }, (_, i) => `line ${i + 1}`);
        // Non-overlapping positions, each with a line of context on both sides.
        const positions: number[] = [];
        for (let p = 2 + (Math.abs(seed) % 3); p < n && positions.length < count; p += 4) positions.push(p);
        const hunks = patchAt(lines, positions);
        const base = [...Array.from({ length: extra }, (_, i) => `moved ${i}`), ...lines];
        const r = applyHunks(base.join('\n') + '\n', hunks);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const post = r.text.slice(0, -1).split('\n');
        const shifted = shiftHunks(hunks, r.shifts);
        for (const [i, h] of shifted.entries()) {
          for (const [j, l] of h.lines.entries()) {
            if (l.newLine !== null) expect(post[l.newLine - 1]).toBe(l.text);
            if (l.oldLine !== null) expect(base[l.oldLine - 1]).toBe(l.text);
            if (l.newLine !== null) expect(unshiftLine(hunks, r.shifts, l.newLine)).toBe(hunks[i].lines[j].newLine);
          }
        }
        if (extra === 0) expect(shifted).toEqual(hunks);
      }),
      { numRuns: 200 },
    );
  });
});
