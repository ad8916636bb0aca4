// Trailers by git's rules (git-interpret-trailers(1)), and the split of a patch mail body into
// commit message, notes (below `---`) and diff, with b4's `base-commit:` / `change-id:` footers.
import type { Trailer } from '../core/types.js';

/**
 * git's separator rule: a token of letters, digits and dashes, optionally white space, then the colon.
 * (git's find_separator: white space may only follow the token, never start the line.)
 */
const TRAILER_RE = /^([A-Za-z0-9-]+)[ \t]*:(.*)$/;
/** Lines git itself writes into a trailer block; one of them lets a block be only 25% trailers. */
const GIT_GENERATED = ['Signed-off-by: ', '(cherry picked from commit '];
const isBlank = (l: string): boolean => l.trim() === '';
/** git skips comment lines when it looks for trailers. */
const isComment = (l: string): boolean => l.startsWith('#');
const startsIndented = (l: string): boolean => /^[ \t]/.test(l);

/** git's unfolding of a trailer value: each line break and the indentation after it become one space; the ends are trimmed. */
const unfold = (value: string): string => value.replace(/\n\s*/g, ' ').trim();

/**
 * A footnote or link paragraph, which kernel developers put after the trailers (`[0] https://...`,
 * `[1] 4e346baee95f ("btrfs: ...")`, a paragraph of `Link:` lines). git stops at the last paragraph;
 * the trailers above such a paragraph are still the trailers of the message.
 */
const FOOTNOTE_START = /^\[\d+\]/;
const LINK_TRAILER = /^(?:Link|Closes)[ \t]*:/i;
const URL_LINE = /^\s*[a-z][a-z0-9+.-]*:\/\/\S/i;

export interface TrailerBlock {
  /** 0-based index of the block's first line. */
  start: number;
  /** 0-based index one past the last trailer line (where footnote paragraphs, if any, begin). */
  end: number;
  /** 0-based index one past the last line of the message that is not blank or a comment. */
  messageEnd: number;
}

/** Where the title paragraph ends: the first blank line (comment lines skipped), or the end. */
function titleEnd(lines: string[]): number {
  let i = 0;
  while (i < lines.length && (isComment(lines[i]) || !isBlank(lines[i]))) i++;
  return i;
}

/**
 * git's find_trailer_block_start on lines[from, end): scanning up from the end, the last paragraph is
 * the block when it is all trailers, or has a git-generated line and at least 25% trailers
 * (continuation lines of a trailer do not count). null: no block.
 */
function gitBlockStart(lines: string[], from: number, end: number): number | null {
  let onlySpaces = true;
  let recognized = false;
  let trailers = 0;
  let others = 0;
  let continuations = 0;
  for (let i = end - 1; i >= from; i--) {
    const l = lines[i];
    if (isComment(l)) {
      others += continuations;
      continuations = 0;
      continue;
    }
    if (isBlank(l)) {
      if (onlySpaces) continue;
      others += continuations;
      if (recognized && trailers * 3 >= others) return i + 1;
      if (trailers > 0 && others === 0) return i + 1;
      return null;
    }
    onlySpaces = false;
    if (GIT_GENERATED.some((p) => l.startsWith(p))) {
      trailers++;
      continuations = 0;
      recognized = true;
    } else if (TRAILER_RE.test(l)) {
      trailers++;
      continuations = 0;
    } else if (startsIndented(l)) {
      continuations++;
    } else {
      others += 1 + continuations;
      continuations = 0;
    }
  }
  return null;
}

/** Is lines[start, end) a paragraph of footnotes or links, with no other trailer in it? */
function isFootnoteParagraph(lines: string[], start: number, end: number): boolean {
  if (!FOOTNOTE_START.test(lines[start]) && !LINK_TRAILER.test(lines[start])) return false;
  for (let i = start; i < end; i++) {
    const l = lines[i];
    if (FOOTNOTE_START.test(l) || LINK_TRAILER.test(l) || URL_LINE.test(l) || isComment(l)) continue;
    // Wrapped footnote text is fine; another trailer (Signed-off-by:) makes it a trailer paragraph.
    if (TRAILER_RE.test(l)) return false;
  }
  return true;
}

/**
 * The trailer block of a commit message (split into lines) as git finds it, except that footnote or
 * link paragraphs after the trailers (up to three) do not hide them. null: the message has none.
 */
export function findTrailerBlock(lines: string[]): TrailerBlock | null {
  const from = titleEnd(lines);
  let end = lines.length;
  while (end > from && (isBlank(lines[end - 1]) || isComment(lines[end - 1]))) end--;
  let cut = end;
  for (let k = 0; k < 3 && cut > from; k++) {
    let start = cut;
    while (start > from && !isBlank(lines[start - 1])) start--;
    if (start === from || !isFootnoteParagraph(lines, start, cut)) break;
    cut = start;
    while (cut > from && isBlank(lines[cut - 1])) cut--;
    const s = gitBlockStart(lines, from, cut);
    if (s !== null) return { start: s, end: cut, messageEnd: end };
  }
  const s = gitBlockStart(lines, from, end);
  return s === null ? null : { start: s, end, messageEnd: end };
}

/**
 * Lines that projects keep with their tags though git does not take them for trailers: a key of two
 * or three words (DPDK's `Bugzilla ID: 1234`), a bare CVE id, DPDK's older `Coverity issue 302859`.
 */
const TAG_LIKE = [/^[A-Za-z][A-Za-z0-9-]*(?: [A-Za-z0-9-]+){1,2}:[ \t]+\S/, /^CVE-\d{4}-\d+[ \t]*$/, /^Coverity issue:?[ \t]*\d+[ \t]*$/];

/** Where a line stands relative to the trailer block. */
export type Placement = 'trailer-block' | 'own-paragraph' | 'prose';

/**
 * `trailer-block`: inside it; `own-paragraph`: in a paragraph of trailers above it (DPDK puts
 * `Fixes:` and `Cc: stable@dpdk.org` there); `prose`: in a paragraph with other text.
 */
export function placementOf(lines: string[], block: TrailerBlock | null, i: number): Placement {
  if (block && i >= block.start && i < block.end) return 'trailer-block';
  let start = i;
  while (start > 0 && !isBlank(lines[start - 1])) start--;
  let end = i + 1;
  while (end < lines.length && !isBlank(lines[end])) end++;
  for (let j = start; j < end; j++) {
    const l = lines[j];
    if (!TRAILER_RE.test(l) && !TAG_LIKE.some((re) => re.test(l)) && !startsIndented(l) && !isComment(l)) return 'prose';
  }
  return 'own-paragraph';
}

/** Is line i alone in its paragraph (blank lines, or the ends of the message, on both sides)? */
export function standsAlone(lines: string[], i: number): boolean {
  return (i === 0 || isBlank(lines[i - 1])) && (i + 1 >= lines.length || isBlank(lines[i + 1]));
}

/** Trailers of a commit message (summary line, blank line, body), as findTrailerBlock finds the block. Lines are 1-based in `message`. */
export function parseTrailers(message: string): Trailer[] {
  const lines = message.replace(/\r\n?/g, '\n').split('\n');
  const block = findTrailerBlock(lines);
  if (!block) return [];
  const trailers: Trailer[] = [];
  let previous: Trailer | null = null;
  let previousValue = '';
  for (let i = block.start; i < block.end; i++) {
    const line = lines[i];
    // git keeps a comment line as a line of its own (dropped later): an indented line after it
    // continues the comment, not the trailer above it.
    if (isComment(line)) {
      previous = null;
      continue;
    }
    if (startsIndented(line) && previous) {
      // A continuation line belongs to the trailer above it.
      previous.raw += `\n${line}`;
      previousValue += `\n${line}`;
      previous.value = unfold(previousValue);
      continue;
    }
    const m = TRAILER_RE.exec(line);
    if (line.startsWith('(cherry picked from commit ')) {
      previous = { key: '(cherry picked from commit', value: line.slice('(cherry picked from commit '.length).replace(/\)\s*$/, ''), line: i + 1, raw: line };
      trailers.push(previous);
    } else if (m && !startsIndented(line)) {
      previousValue = m[2];
      previous = { key: m[1], value: unfold(previousValue), line: i + 1, raw: line };
      trailers.push(previous);
    } else {
      previous = null;
    }
  }
  return trailers;
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
