// Decides where each finding of a Review goes on GitHub: an inline comment on a line of the
// PR diff (RIGHT for head lines, LEFT for lines of a file the PR deletes), or the review body.
import { createHash } from 'node:crypto';
import type { Finding, Patch, Review } from '../core/types.js';
import type { PrDiff } from './pr-diff.js';

/** Carries `line` of `path` as patch `patch` leaves it to the PR head; null when later commits changed it. */
export type LineMapper = (patch: Patch, path: string, line: number) => Promise<number | null>;

export interface PlacedFinding {
  finding: Finding;
  patch: Patch;
  /** Stable across pushes: the same problem in the same place gets the same key. */
  key: string;
  /** File and head-side line, when the finding is about a file line that still exists at head. */
  path: string | null;
  headLine: number | null;
}

export interface InlineComment {
  path: string;
  line: number;
  side: 'RIGHT' | 'LEFT';
  placed: PlacedFinding;
}

export interface Placement {
  comments: InlineComment[];
  /** Findings not on a line of the diff: commit-message trailers, lines changed again later. */
  body: PlacedFinding[];
  all: PlacedFinding[];
}

/** Key of a finding: check id, where, and what it says; not the line number, which moves. */
export function findingKey(f: Finding, patch: Patch): string {
  const where = f.location.kind === 'file' ? f.location.path : `${f.location.kind}:${patch.subject}`;
  return createHash('sha256').update(`${f.id}\0${where}\0${f.message}`).digest('hex').slice(0, 16);
}

export async function placeFindings(review: Review, diff: PrDiff, mapLine: LineMapper): Promise<Placement> {
  const placement: Placement = { comments: [], body: [], all: [] };
  const taken = new Set<string>();
  for (const pr of review.patches) {
    for (const finding of pr.findings) {
      const key = findingKey(finding, pr.patch);
      // The same problem reported by two patches of the series is one comment.
      if (taken.has(key)) continue;
      taken.add(key);
      const placed: PlacedFinding = { finding, patch: pr.patch, key, path: null, headLine: null };
      placement.all.push(placed);
      const loc = finding.location;
      if (loc.kind !== 'file') {
        placement.body.push(placed);
        continue;
      }
      placed.path = loc.path;
      const file = diff.get(loc.path);
      if (file?.status === 'removed') {
        if (file.left.has(loc.line)) {
          placement.comments.push({ path: loc.path, line: loc.line, side: 'LEFT', placed });
        } else placement.body.push(placed);
        continue;
      }
      placed.headLine = await mapLine(pr.patch, loc.path, loc.line);
      if (file && placed.headLine !== null && file.right.has(placed.headLine)) {
        placement.comments.push({ path: loc.path, line: placed.headLine, side: 'RIGHT', placed });
      } else {
        placement.body.push(placed);
      }
    }
  }
  return placement;
}
