// The strict hunk applier: exact and offset matches, counts that lie, context that differs.
import { describe, expect, it } from 'vitest';
import { applyHunks, hunkOnlyImage } from '../../src/git/apply-hunks.js';
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
    expect(applyHunks(pre, [hunk(2, 2, [' b', '-c', '+C', ' d'])])).toMatchObject({ ok: true, text: 'a\nb\nC\nd\ne\n', offsets: [0] });
  });

  it('applies at an offset when the lines moved', () => {
    expect(applyHunks('x\n' + pre, [hunk(2, 2, [' b', '-c', '+C', ' d'])])).toMatchObject({ ok: true, text: 'x\na\nb\nC\nd\ne\n', offsets: [1] });
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
