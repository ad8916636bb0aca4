// A small, strict hunk applier: every context and removed line must match the pre-image (at the
// stated line or, like git apply, shifted by an offset), and the hunk's counts must match its lines.
import type { Hunk } from '../core/types.js';

/**
 * `shifts[n]`: how far hunk n landed from where it says it applies, on the old side (the pre-image)
 * and the new side (the post-image); both 0 when the patch applied exactly where it says.
 */
export type ApplyResult = { ok: true; text: string; shifts: { old: number; new: number }[] } | { ok: false; reason: string };

const header = (h: Hunk) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;

export function applyHunks(pre: string, hunks: Hunk[]): ApplyResult {
  const eofNewline = pre === '' || pre.endsWith('\n');
  const lines = pre === '' ? [] : (eofNewline ? pre.slice(0, -1) : pre).split('\n');
  const out: string[] = [];
  const shifts: { old: number; new: number }[] = [];
  let cursor = 0;
  let offset = 0;
  for (const [n, h] of hunks.entries()) {
    const oldSeq = h.lines.filter((l) => l.kind !== 'add').map((l) => l.text);
    const newSeq = h.lines.filter((l) => l.kind !== 'del').map((l) => l.text);
    if (oldSeq.length !== h.oldLines || newSeq.length !== h.newLines) {
      return { ok: false, reason: `hunk ${n + 1} (${header(h)}) has ${oldSeq.length} old and ${newSeq.length} new lines, not the counts it states` };
    }
    // Where the hunk says its lines are, 0-based: a side with no lines (-N,0) names the line before it.
    const statedOld = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
    const statedNew = h.newLines === 0 ? h.newStart : h.newStart - 1;
    // Looked for where the previous hunk's offset puts it, then nearest to that.
    const at = findMatch(lines, oldSeq, statedOld + offset, cursor);
    if (at < 0) return { ok: false, reason: `hunk ${n + 1} (${header(h)}) does not match the pre-image` };
    for (let i = cursor; i < at; i++) out.push(lines[i]);
    offset = at - statedOld;
    shifts.push({ old: offset, new: out.length - statedNew });
    out.push(...newSeq);
    cursor = at + oldSeq.length;
  }
  for (let i = cursor; i < lines.length; i++) out.push(lines[i]);
  const text = out.length === 0 ? '' : out.join('\n') + (eofNewline ? '\n' : '');
  return { ok: true, text, shifts };
}

/** The hunks renumbered to where they applied, so that their line numbers name lines of the images. */
export function shiftHunks(hunks: Hunk[], shifts: { old: number; new: number }[]): Hunk[] {
  return hunks.map((h, i) => {
    const d = shifts[i] ?? { old: 0, new: 0 };
    if (d.old === 0 && d.new === 0) return h;
    return {
      ...h,
      oldStart: h.oldStart + d.old,
      newStart: h.newStart + d.new,
      lines: h.lines.map((l) => ({ ...l, oldLine: l.oldLine === null ? null : l.oldLine + d.old, newLine: l.newLine === null ? null : l.newLine + d.new })),
    };
  });
}

/**
 * Maps a line of the post-image back to the patch's own numbering: a line of hunk n (or after it,
 * before the next) moves back by hunk n's new-side shift.
 */
export function unshiftLine(hunks: Hunk[], shifts: { old: number; new: number }[], line: number): number {
  let d = 0;
  for (const [i, h] of hunks.entries()) {
    const s = shifts[i]?.new ?? 0;
    if (h.newStart + s > line) break;
    d = s;
  }
  return line - d;
}

/** The position nearest to `expected` (not before `min`) where `seq` occurs in `lines`, or -1. */
function findMatch(lines: string[], seq: string[], expected: number, min: number): number {
  const max = lines.length - seq.length;
  if (max < min) return -1;
  const matches = (at: number) => {
    for (let i = 0; i < seq.length; i++) if (lines[at + i] !== seq[i]) return false;
    return true;
  };
  for (let d = 0; ; d++) {
    const lo = expected - d;
    const hi = expected + d;
    if (lo < min && hi > max) return -1;
    if (lo >= min && lo <= max && matches(lo)) return lo;
    if (d > 0 && hi >= min && hi <= max && matches(hi)) return hi;
  }
}

/**
 * The post-image as far as the hunks show it: their context and added lines at their new line
 * numbers, blank lines everywhere else, so line numbers stay true.
 */
export function hunkOnlyImage(hunks: Hunk[]): string {
  const lines: string[] = [];
  for (const h of hunks) {
    for (const l of h.lines) {
      if (l.newLine === null) continue;
      while (lines.length < l.newLine) lines.push('');
      lines[l.newLine - 1] = l.text;
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The pre-image as far as the hunks show it (context and removed lines at their old numbers). */
export function hunkOnlyPreImage(hunks: Hunk[]): string {
  const lines: string[] = [];
  for (const h of hunks) {
    for (const l of h.lines) {
      if (l.oldLine === null) continue;
      while (lines.length < l.oldLine) lines.push('');
      lines[l.oldLine - 1] = l.text;
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
