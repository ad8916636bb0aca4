// Carries a post-image line of one commit of a PR forward to the PR's head, through the
// diff between the two, so a finding on patch 2 of 5 lands on the right line of the PR diff.
import type { Hunk } from '../core/types.js';

/**
 * Map `line` of the old side of `hunks` to the new side; null when the line itself was
 * changed or deleted. Hunks with their lines are walked; hunks without lines (from a
 * `-U0` diff) are mapped by their headers, which is exact when there is no context.
 */
export function mapLineThroughHunks(hunks: Hunk[], line: number): number | null {
  let shift = 0;
  for (const h of [...hunks].sort((a, b) => a.oldStart - b.oldStart)) {
    if (h.lines.length > 0) {
      const hit = h.lines.find((l) => l.oldLine === line);
      if (hit) return hit.kind === 'ctx' ? hit.newLine : null;
    }
    // An insertion after line a is written `-a,0`: it covers no old line and shifts those after a.
    const lastOld = h.oldLines === 0 ? h.oldStart : h.oldStart + h.oldLines - 1;
    if (h.lines.length === 0 && h.oldLines > 0 && line >= h.oldStart && line <= lastOld) return null;
    if (line > lastOld) shift += h.newLines - h.oldLines;
    else break;
  }
  return line + shift;
}

const U0_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm;

/** The hunk headers of a unified diff of one file, as line-less hunks. */
export function hunkHeaders(diffText: string): Hunk[] {
  const hunks: Hunk[] = [];
  for (const m of diffText.matchAll(U0_HEADER)) {
    hunks.push({
      oldStart: Number(m[1]),
      oldLines: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newLines: m[4] === undefined ? 1 : Number(m[4]),
      section: '',
      lines: [],
    });
  }
  return hunks;
}
