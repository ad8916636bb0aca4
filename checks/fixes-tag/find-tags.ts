// Finds the Fixes: tags of a patch in its message (and below the `---` line, where `git am` drops
// them), joins a tag wrapped over several lines into one, and judges where each one stands.
import type { Patch } from '../../src/core/types.js';
import type { FixesConfig } from '../../src/core/config.js';
import { isFixesLine, parseFixesLine, type FormatProblem, type ParsedFixesLine } from './parse-line.js';
import { normalizeSubject } from '../../src/patch/subject-match.js';
import type { FixesRules } from '../../src/git/conventions.js';
import { findTrailerBlock, placementOf, standsAlone, type Placement } from '../../src/patch/trailers.js';

export interface FixesTag {
  /** 1-based line in Patch.message; null for a tag below the `---` line (in Patch.notes). */
  line: number | null;
  /** The line(s) as written. */
  raw: string;
  /** How many lines the tag spans (more than one: it was wrapped). */
  span: number;
  parsed: ParsedFixesLine;
  /** Format problems, placement and split included; each id at most once. */
  problems: FormatProblem[];
}

/** A line that starts another trailer (`Signed-off-by:`, `Cc:`) ends a wrapped tag. */
const TRAILER_START = /^[A-Za-z0-9][A-Za-z0-9-]*\s?:/;
const MAX_CONTINUATION = 4;

export function findFixesTags(patch: Patch, cfg: FixesConfig, placementRule: FixesRules['placement'] = 'trailer-block'): FixesTag[] {
  // Most commits of a whole-history review name no commit at all: skip the line scan for them.
  if (!/fixes/i.test(patch.message) && !/fixes/i.test(patch.notes)) return [];
  const lines = patch.message.split('\n');
  const block = findTrailerBlock(lines);
  const tags: FixesTag[] = [];
  // Line 1 is the summary line: "Fixes: ..." there is a subject, not a tag.
  for (let i = 1; i < lines.length; i++) {
    if (!isFixesLine(lines[i])) continue;
    const placement = placementOf(lines, block, i);
    // An indented Fixes line inside the prose is a quotation of another commit, not this patch's tag.
    if (placement !== 'trailer-block' && /^\s/.test(lines[i])) continue;
    const tag = readTag(lines, i, i + 1, cfg.minShaLength);
    if (placement !== 'trailer-block' && !placementAccepted(placement, placementRule)) {
      tag.problems.push({ id: 'fixes/placement', data: { where: whereText(placement, standsAlone(lines, i)) } });
    }
    tags.push(tag);
    i += tag.span - 1;
  }
  const notes = patch.notes.split('\n');
  for (let i = 0; i < notes.length; i++) {
    if (!isFixesLine(notes[i])) continue;
    const tag = readTag(notes, i, null, cfg.minShaLength);
    // Below the fold only a tag that names an id counts: change logs mention "Fixes:" in prose.
    if (tag.parsed.ids.length === 0) continue;
    tag.problems.push({ id: 'fixes/placement', data: { where: "is below the '---' line, where git am drops it" } });
    tags.push(tag);
    i += tag.span - 1;
  }
  return tags;
}

/** May a tag stand outside the trailer block, where it stands? */
function placementAccepted(placement: Placement, rule: FixesRules['placement']): boolean {
  if (rule === 'anywhere-above-fold') return true;
  return rule === 'own-paragraph' && placement === 'own-paragraph';
}

function whereText(placement: Placement, alone: boolean): string {
  if (alone) return 'is outside the trailer block: empty lines surround the Fixes tag';
  return placement === 'own-paragraph'
    ? 'is outside the trailer block: it stands in a paragraph of its own above the last one'
    : 'is outside the trailer block: it stands in the text of the message';
}

function readTag(lines: string[], i: number, line: number | null, minSha: number): FixesTag {
  const first = parseFixesLine(lines[i], minSha);
  const wrappedBeforeSubject =
    first.problems.some((p) => p.id === 'fixes/missing-subject') && /^\s*[("“'‘]/.test(lines[i + 1] ?? '');
  if (!first.unterminated && !wrappedBeforeSubject) {
    return { line, raw: lines[i], span: 1, parsed: first, problems: [...first.problems] };
  }
  let joined = lines[i];
  let span = 1;
  let parsed = first;
  while (span <= MAX_CONTINUATION) {
    const next = lines[i + span];
    if (next === undefined || next.trim() === '' || TRAILER_START.test(next) || isFixesLine(next)) break;
    joined = `${joined.trimEnd()} ${next.trim()}`;
    span++;
    parsed = parseFixesLine(joined, minSha);
    if (!parsed.unterminated) break;
  }
  const why =
    span > 1
      ? 'Please do not split Fixes tags over more than one line'
      : 'Subject has leading but no trailing parentheses / quotes';
  const problems = parsed.problems.filter((p) => p.id !== 'fixes/split');
  problems.unshift({ id: 'fixes/split', data: { why } });
  return { line, raw: lines.slice(i, i + span).join('\n'), span, parsed, problems };
}

/** The subject a tag quotes, normalised, or null when it has none or it was cut. */
export function usableSubject(tag: FixesTag): string | null {
  if (tag.parsed.unterminated || tag.parsed.subject === null) return null;
  const s = normalizeSubject(tag.parsed.subject);
  return s === '' ? null : s;
}

export const isSplit = (tag: FixesTag): boolean => tag.problems.some((p) => p.id === 'fixes/split');
