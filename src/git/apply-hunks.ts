// A small, strict hunk applier: every context and removed line must match the pre-image (at the
// stated line or, like git apply, shifted by an offset), and the hunk's counts must match its lines.
import type { Hunk } from '../core/types.js';
import { DEFAULT_LIMITS } from '../core/limits.js';

/**
 * `shifts[n]`: how far hunk n landed from where it says it applies, on the old side (the pre-image)
 * and the new side (the post-image); both 0 when the patch applied exactly where it says.
 */
export type ApplyResult =
  | {
      ok: true;
      text: string;
      shifts: { old: number; new: number }[];
      /**
       * With `minContext`: the hunks as they were placed, in the patch's own numbering, each without
       * the context lines that had to be dropped for it to match; `dropped` is how many in all.
       */
      placed?: { hunks: Hunk[]; dropped: number };
    }
  | { ok: false; reason: string };

/** Context lines before the first and after the last added or removed line of a hunk. */
function contextEnds(h: Hunk): { leading: number; trailing: number } {
  let leading = 0;
  while (leading < h.lines.length && h.lines[leading].kind === 'ctx') leading++;
  let trailing = 0;
  while (trailing < h.lines.length - leading && h.lines[h.lines.length - 1 - trailing].kind === 'ctx') trailing++;
  return { leading, trailing };
}

/** `h` without its first `lead` and last `trail` lines (context lines: both sides lose them). */
function trimHunk(h: Hunk, lead: number, trail: number): Hunk {
  if (lead === 0 && trail === 0) return h;
  return {
    ...h,
    oldStart: h.oldStart + lead,
    newStart: h.newStart + lead,
    oldLines: h.oldLines - lead - trail,
    newLines: h.newLines - lead - trail,
    lines: h.lines.slice(lead, h.lines.length - trail),
  };
}

const header = (h: Hunk) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;

/**
 * Applies `hunks` to `pre`. Time is linear in the pre-image and the hunks (lines are compared by
 * rolling hash, the search for a moved hunk is bounded); an image that would pass `maxLines`
 * lines is refused rather than built.
 *
 * `minContext` (like `git apply -C<n>`): a hunk whose context does not match is tried again with
 * fewer context lines, the longer end first, down to `minContext` lines at each end, the way git
 * apply reduces context. Only for locating hunks that git itself already placed (workspace.ts
 * compares the two results): never the ground a patch is judged to apply on.
 */
export function applyHunks(pre: string, hunks: Hunk[], maxLines = DEFAULT_LIMITS.linesPerFile, minContext?: number): ApplyResult {
  const eofNewline = pre === '' || pre.endsWith('\n');
  const lines = pre === '' ? [] : (eofNewline ? pre.slice(0, -1) : pre).split('\n');
  let size = lines.length;
  for (const h of hunks) size += h.newLines - h.oldLines;
  if (lines.length > maxLines || size > maxLines) {
    return { ok: false, reason: `the file would have ${Math.max(lines.length, size)} lines, past the limit of ${maxLines} (limits.linesPerFile)` };
  }
  const index = new LineIndex(lines);
  // Bounded search: a patch whose hunks all sit far from where they say cannot cost more than this.
  let budget = 8 * (lines.length + hunks.length) + 100_000;
  const out: string[] = [];
  const shifts: { old: number; new: number }[] = [];
  let cursor = 0;
  let offset = 0;
  const placed: Hunk[] = [];
  let dropped = 0;
  for (const [n, whole] of hunks.entries()) {
    const olds = whole.lines.filter((l) => l.kind !== 'add').length;
    const news = whole.lines.length - whole.lines.filter((l) => l.kind === 'del').length;
    if (olds !== whole.oldLines || news !== whole.newLines) {
      return { ok: false, reason: `hunk ${n + 1} (${header(whole)}) has ${olds} old and ${news} new lines, not the counts it states` };
    }
    let { leading, trailing } = contextEnds(whole);
    let h = whole;
    let found = { at: -1, tried: 0 };
    for (;;) {
      const oldSeq = h.lines.filter((l) => l.kind !== 'add').map((l) => l.text);
      const statedOld = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
      found = index.find(oldSeq, statedOld + offset, cursor, budget);
      budget -= found.tried;
      if (found.at >= 0 || minContext === undefined || budget <= 0) break;
      if (leading <= minContext && trailing <= minContext) break;
      // git apply's order: the longer end loses a line; both when they are equal.
      if (leading >= trailing) leading--;
      if (trailing > leading) trailing--;
      const { leading: l0, trailing: t0 } = contextEnds(whole);
      h = trimHunk(whole, l0 - leading, t0 - trailing);
    }
    if (h !== whole) dropped += whole.lines.length - h.lines.length;
    placed.push(h);
    const newSeq = h.lines.filter((l) => l.kind !== 'del').map((l) => l.text);
    // Where the hunk says its lines are, 0-based: a side with no lines (-N,0) names the line before it.
    // It was looked for where the previous hunk's offset puts it, then nearest to that.
    const statedOld = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
    const statedNew = h.newLines === 0 ? h.newStart : h.newStart - 1;
    if (found.at < 0) {
      const why = budget <= 0 ? 'cannot be placed within the search bound (its lines are far from where it says)' : 'does not match the pre-image';
      return { ok: false, reason: `hunk ${n + 1} (${header(h)}) ${why}` };
    }
    const at = found.at;
    for (let i = cursor; i < at; i++) out.push(lines[i]);
    offset = at - statedOld;
    shifts.push({ old: offset, new: out.length - statedNew });
    for (const l of newSeq) out.push(l);
    cursor = at + h.oldLines;
  }
  for (let i = cursor; i < lines.length; i++) out.push(lines[i]);
  const text = out.length === 0 ? '' : out.join('\n') + (eofNewline ? '\n' : '');
  return minContext === undefined ? { ok: true, text, shifts } : { ok: true, text, shifts, placed: { hunks: placed, dropped } };
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

// Two moduli below 2^26, so every product stays exact in a double; a window matches only when
// both hashes agree and then its lines are compared, so a collision costs time, never a wrong place.
const P1 = 67_108_859;
const P2 = 67_108_837;
const BASE = 1_000_003;

/** The lines of a pre-image with prefix hashes: a window of any length is compared in O(1). */
class LineIndex {
  private ids = new Map<string, number>();
  private h1: Float64Array;
  private h2: Float64Array;
  private pow1: Float64Array;
  private pow2: Float64Array;

  constructor(private lines: string[]) {
    const n = lines.length;
    this.h1 = new Float64Array(n + 1);
    this.h2 = new Float64Array(n + 1);
    this.pow1 = new Float64Array(n + 1);
    this.pow2 = new Float64Array(n + 1);
    this.pow1[0] = 1;
    this.pow2[0] = 1;
    for (let i = 0; i < n; i++) {
      const id = this.id(lines[i], true);
      this.h1[i + 1] = (this.h1[i] * BASE + id) % P1;
      this.h2[i + 1] = (this.h2[i] * BASE + id) % P2;
      this.pow1[i + 1] = (this.pow1[i] * BASE) % P1;
      this.pow2[i + 1] = (this.pow2[i] * BASE) % P2;
    }
  }

  private id(line: string, add: boolean): number {
    let v = this.ids.get(line);
    if (v === undefined) {
      if (!add) return -1;
      v = this.ids.size + 1;
      this.ids.set(line, v);
    }
    return v;
  }

  private window(at: number, len: number): [number, number] {
    const a = (this.h1[at + len] - ((this.h1[at] * this.pow1[len]) % P1) + P1) % P1;
    const b = (this.h2[at + len] - ((this.h2[at] * this.pow2[len]) % P2) + P2) % P2;
    return [a, b];
  }

  /**
   * The position nearest to `expected` (not before `min`) where `seq` occurs, or -1; `tried`
   * counts the positions looked at, and the search stops after `budget` of them.
   */
  find(seq: string[], expected: number, min: number, budget: number): { at: number; tried: number } {
    const lines = this.lines;
    const max = lines.length - seq.length;
    if (max < min) return { at: -1, tried: 0 };
    let s1 = 0;
    let s2 = 0;
    for (const l of seq) {
      const id = this.id(l, false);
      if (id < 0) return { at: -1, tried: 0 };
      s1 = (s1 * BASE + id) % P1;
      s2 = (s2 * BASE + id) % P2;
    }
    const matches = (at: number): boolean => {
      const [a, b] = this.window(at, seq.length);
      if (a !== s1 || b !== s2) return false;
      for (let i = 0; i < seq.length; i++) if (lines[at + i] !== seq[i]) return false;
      return true;
    };
    // d runs only over distances that put lo = expected - d or hi = expected + d inside [min, max].
    const ranges = [
      [expected - max, expected - min],
      [min - expected, max - expected],
    ].filter(([, hi]) => hi >= 0);
    const first = Math.min(...ranges.map(([lo]) => Math.max(0, lo)));
    const last = Math.max(...ranges.map(([, hi]) => hi));
    let tried = 0;
    for (let d = first; d <= last && tried < budget; d++) {
      const lo = expected - d;
      const hi = expected + d;
      if (lo >= min && lo <= max) {
        tried++;
        if (matches(lo)) return { at: lo, tried };
      }
      if (d > 0 && hi >= min && hi <= max) {
        tried++;
        if (matches(hi)) return { at: hi, tried };
      }
    }
    return { at: -1, tried };
  }
}

/** The hunks whose lines all lie within `maxLines` on both sides, and the rest. */
export function hunksWithin(hunks: Hunk[], maxLines: number): { within: Hunk[]; past: Hunk[] } {
  const within: Hunk[] = [];
  const past: Hunk[] = [];
  for (const h of hunks) {
    const end = Math.max(h.oldStart + h.oldLines, h.newStart + h.newLines) - 1;
    const fits = end <= maxLines && h.lines.every((l) => (l.oldLine ?? 0) <= maxLines && (l.newLine ?? 0) <= maxLines);
    (fits ? within : past).push(h);
  }
  return { within, past };
}

/**
 * The post-image as far as the hunks show it: their context and added lines at their new line
 * numbers, blank lines everywhere else, so line numbers stay true. Lines past `maxLines` are left
 * out (the caller says so), so a hunk header naming line 150,000,000 costs nothing.
 */
export function hunkOnlyImage(hunks: Hunk[], maxLines = DEFAULT_LIMITS.linesPerFile): string {
  return sparseImage(hunks, (l) => l.newLine, maxLines);
}

/** The pre-image as far as the hunks show it (context and removed lines at their old numbers). */
export function hunkOnlyPreImage(hunks: Hunk[], maxLines = DEFAULT_LIMITS.linesPerFile): string {
  return sparseImage(hunks, (l) => l.oldLine, maxLines);
}

function sparseImage(hunks: Hunk[], lineOf: (l: Hunk['lines'][number]) => number | null, maxLines: number): string {
  let last = 0;
  for (const h of hunks) {
    for (const l of h.lines) {
      const n = lineOf(l);
      if (n !== null && n >= 1 && n <= maxLines && n > last) last = n;
    }
  }
  if (last === 0) return '';
  const lines = new Array<string>(last).fill('');
  for (const h of hunks) {
    for (const l of h.lines) {
      const n = lineOf(l);
      if (n !== null && n >= 1 && n <= last) lines[n - 1] = l.text;
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Where in the post-image the hunks delete lines: for each run of removed lines, the new-side
 * number of the line that follows it (or, at the end of a hunk, of the line before it). A patch
 * that only deletes (an unlock, say) changes the code at these lines.
 */
export function deletionPoints(hunks: Hunk[]): number[] {
  const out: number[] = [];
  for (const h of hunks) {
    let pending = false;
    let lastNew: number | null = null;
    for (const l of h.lines) {
      if (l.kind === 'del') {
        pending = true;
        continue;
      }
      if (pending && l.newLine !== null) out.push(l.newLine);
      pending = false;
      lastNew = l.newLine ?? lastNew;
    }
    if (pending) out.push(lastNew ?? Math.max(1, h.newStart));
  }
  return out;
}
