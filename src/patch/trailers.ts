// Trailers by git's rules (git-interpret-trailers(1)), and the split of a patch mail body into
// commit message, notes (below `---`) and diff, with b4's `base-commit:` / `change-id:` footers.
import type { Trailer } from '../core/types.js';

/** `Key: value`: the key is letters, digits and dashes, optionally followed by white space before the colon. */
const TRAILER_RE = /^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:(.*)$/;
/** Lines git itself writes into a trailer block; one of them lets a block be only 25% trailers. */
const GIT_GENERATED = [/^Signed-off-by:/i, /^\(cherry picked from commit /];
const isBlank = (l: string): boolean => l.trim() === '';

/** git's unfolding of a trailer value: each line break and the indentation after it become one space; the ends are trimmed. */
const unfold = (value: string): string => value.replace(/\n\s*/g, ' ').trim();

/**
 * Trailers of a commit message (summary line, blank line, body): the last paragraph, if it is all
 * trailers, or at least 25% trailers with one git-generated. Lines are 1-based in `message`.
 */
export function parseTrailers(message: string): Trailer[] {
  const lines = message.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  while (end > 0 && isBlank(lines[end - 1])) end--;
  let start = end;
  while (start > 0 && !isBlank(lines[start - 1])) start--;
  // The first paragraph is the title: never a trailer block.
  let first = 0;
  while (first < lines.length && isBlank(lines[first])) first++;
  if (start <= first) return [];

  const trailers: Trailer[] = [];
  let trailerLines = 0;
  let otherLines = 0;
  let generated = false;
  let previous: Trailer | null = null;
  let previousValue = '';
  for (let i = start; i < end; i++) {
    const line = lines[i];
    if (/^[ \t]/.test(line)) {
      // A continuation line belongs to the trailer above it; after anything else it is just text.
      if (previous) {
        previous.raw += `\n${line}`;
        previousValue += `\n${line}`;
        previous.value = unfold(previousValue);
        // As in git, a trailer's continuation lines do not count towards the 25% rule.
      } else {
        otherLines++;
      }
      continue;
    }
    const m = TRAILER_RE.exec(line);
    if (m || line.startsWith('(cherry picked from commit ')) {
      previousValue = m ? m[2] : '';
      previous = m
        ? { key: m[1], value: unfold(previousValue), line: i + 1, raw: line }
        : { key: '(cherry picked from commit', value: line.slice('(cherry picked from commit '.length).replace(/\)\s*$/, ''), line: i + 1, raw: line };
      trailers.push(previous);
      trailerLines++;
      if (GIT_GENERATED.some((re) => re.test(line))) generated = true;
    } else {
      previous = null;
      otherLines++;
    }
  }
  if (trailers.length === 0) return [];
  if (otherLines === 0) return trailers;
  return generated && trailerLines * 4 >= trailerLines + otherLines ? trailers : [];
}

export interface SplitMessage {
  /** Everything above the first `---` line (or above the diff when there is none). */
  message: string;
  /** Between the `---` line and the diff: change log, diffstat. */
  notes: string;
  /** From the first diff header to the end (signature and footers included). */
  diff: string;
}

/** Where a diff starts: a git header, an `Index:` line, or a `--- x` / `+++ y` pair. */
export function findDiffStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('diff --git ') || l.startsWith('diff -') || l.startsWith('Index: ')) return i;
    if (l.startsWith('--- ') && i + 1 < lines.length && lines[i + 1].startsWith('+++ ')) return i;
  }
  return -1;
}

/** Splits a patch mail body (after in-body headers) the way `git am` does. */
export function splitCommitMessage(body: string): SplitMessage {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const diffAt = findDiffStart(lines);
  const limit = diffAt === -1 ? lines.length : diffAt;
  let fold = -1;
  for (let i = 0; i < limit; i++) {
    // git am's rule: `---` alone (trailing white space allowed), or `--- ` and a word.
    if (/^---(?:[ \t]*$| \S)/.test(lines[i])) {
      fold = i;
      break;
    }
  }
  const messageEnd = fold === -1 ? limit : fold;
  return {
    message: lines.slice(0, messageEnd).join('\n'),
    notes: fold === -1 ? '' : lines.slice(fold + 1, limit).join('\n'),
    diff: diffAt === -1 ? '' : lines.slice(diffAt).join('\n'),
  };
}

export interface Footers {
  baseCommit: string | null;
  changeId: string | null;
}

/** `base-commit:` (git format-patch --base, b4) and `change-id:` (b4) lines at the start of a line below the fold. */
export function parseFooters(text: string): Footers {
  const base = /^base-commit:[ \t]*([0-9a-f]{7,64})[ \t]*$/m.exec(text);
  const change = /^change-id:[ \t]*([\x21-\x7e]+)[ \t]*$/m.exec(text);
  return { baseCommit: base ? base[1] : null, changeId: change ? change[1] : null };
}
