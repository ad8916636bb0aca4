// Parses the diff part of a patch (git or plain unified) into FileDiffs with exact old/new line numbers.
// Hostile paths drop their file with a warning; hunks whose counts lie keep only the lines that fit them.
import type { DiffLine, FileDiff, Hunk } from '../core/types.js';
import { gitHeaderPaths, headerPath, stripComponent, unsafePathReason } from './diff-paths.js';

export interface ParsedDiff {
  files: FileDiff[];
  warnings: string[];
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
const INDEX_RE = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: [0-7]+)?$/;
const NULL_BLOB = /^0+$/;

/** A file diff while its headers and hunks are read; paths are as written (prefixes still on). */
interface Draft {
  gitPaths: [string, string] | null;
  minus: string | null;
  plus: string | null;
  renameFrom: string | null;
  renameTo: string | null;
  copy: boolean;
  created: boolean;
  removed: boolean;
  binary: boolean;
  oldBlob: string | null;
  newBlob: string | null;
  hunks: Hunk[];
  /** Lines after a hunk's counts ran out that still looked like hunk lines. */
  stray: number;
}

const newDraft = (gitPaths: [string, string] | null): Draft => ({
  gitPaths, minus: null, plus: null, renameFrom: null, renameTo: null, copy: false,
  created: false, removed: false, binary: false, oldBlob: null, newBlob: null, hunks: [], stray: 0,
});

const show = (p: string): string => JSON.stringify(p);

/** Turns a finished draft into a FileDiff, or a warning when its paths are missing or unsafe. */
function finish(d: Draft, warnings: string[]): FileDiff | null {
  const nullable = (p: string | null): string | null => (p === null || p === '/dev/null' ? null : p);
  const minus = d.minus === null ? null : stripComponent(d.minus);
  const plus = d.plus === null ? null : stripComponent(d.plus);
  const gitOld = d.gitPaths ? stripComponent(d.gitPaths[0]) : null;
  const gitNew = d.gitPaths ? stripComponent(d.gitPaths[1]) : null;
  let oldPath = d.renameFrom ?? nullable(minus) ?? gitOld;
  let newPath = d.renameTo ?? nullable(plus) ?? gitNew;
  if (d.created || minus === '/dev/null') oldPath = null;
  if (d.removed || plus === '/dev/null') newPath = null;
  const named = newPath ?? oldPath;
  if (named === null) {
    warnings.push('dropped a diff without file names');
    return null;
  }
  // Every path git apply might use must be safe, not only the one we keep.
  const raw = [d.minus, d.plus, ...(d.gitPaths ?? [])].filter((p): p is string => p !== null && p !== '/dev/null');
  for (const p of raw) {
    if (p.startsWith('/')) {
      warnings.push(`dropped the diff of ${show(p)}: absolute path`);
      return null;
    }
  }
  for (const p of [oldPath, newPath, gitOld, gitNew, d.renameFrom, d.renameTo]) {
    const reason = p === null ? null : unsafePathReason(p);
    if (reason) {
      warnings.push(`dropped the diff of ${show(p!)}: ${reason}`);
      return null;
    }
  }
  if (d.stray > 0) {
    warnings.push(`${named}: ${d.stray} line(s) after a hunk's counts ran out were ignored (hunk counts do not match the lines)`);
  }
  const status: FileDiff['status'] =
    oldPath === null ? 'added' : newPath === null ? 'deleted' : d.renameFrom !== null || d.renameTo !== null ? (d.copy ? 'copied' : 'renamed') : 'modified';
  return {
    oldPath,
    newPath,
    status,
    binary: d.binary,
    oldBlob: d.oldBlob,
    newBlob: d.newBlob,
    hunks: d.hunks,
  };
}

/**
 * Reads one hunk starting at lines[at] (the @@ line). Returns the hunk and the index after it.
 * Lines are taken while the counts allow them; a line that does not fit stops the hunk with a warning.
 */
function readHunk(lines: string[], at: number, m: RegExpExecArray, name: string, warnings: string[]): { hunk: Hunk; next: number } {
  const oldStart = Number(m[1]);
  const oldLines = m[2] === undefined ? 1 : Number(m[2]);
  const newStart = Number(m[3]);
  const newLines = m[4] === undefined ? 1 : Number(m[4]);
  const hunk: Hunk = { oldStart, oldLines, newStart, newLines, section: m[5].trim(), lines: [] };
  let oldLeft = oldLines;
  let newLeft = newLines;
  let oldNo = oldStart;
  let newNo = newStart;
  let i = at + 1;
  let fits = true;
  while ((oldLeft > 0 || newLeft > 0) && i < lines.length) {
    const line = lines[i];
    const c = line[0];
    let dl: DiffLine | null = null;
    // Mailers strip the trailing space of an empty context line; git apply accepts that too.
    if ((c === ' ' || line === '') && oldLeft > 0 && newLeft > 0) {
      dl = { kind: 'ctx', text: line.slice(1), oldLine: oldNo++, newLine: newNo++ };
      oldLeft--;
      newLeft--;
    } else if (c === '-' && oldLeft > 0) {
      dl = { kind: 'del', text: line.slice(1), oldLine: oldNo++, newLine: null };
      oldLeft--;
    } else if (c === '+' && newLeft > 0) {
      dl = { kind: 'add', text: line.slice(1), oldLine: null, newLine: newNo++ };
      newLeft--;
    } else if (c === '\\') {
      i++;
      continue;
    } else {
      fits = false;
      break;
    }
    hunk.lines.push(dl);
    i++;
  }
  if (oldLeft > 0 || newLeft > 0) {
    const ended = fits || lines.slice(i).every((l) => l === '');
    const why = ended ? 'the diff ends first' : `line ${JSON.stringify(lines[i].slice(0, 40))} does not fit`;
    warnings.push(
      `${name}: hunk @@ -${oldStart},${oldLines} +${newStart},${newLines} @@ is short by ${oldLeft} old and ${newLeft} new line(s) (${why}); kept the ${hunk.lines.length} line(s) before`,
    );
  }
  if (i < lines.length && lines[i].startsWith('\\')) i++;
  return { hunk, next: i };
}

/** Parses diff text; never throws. */
export function parseDiff(text: string): ParsedDiff {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const files: FileDiff[] = [];
  const warnings: string[] = [];
  let cur: Draft | null = null;
  let skippingBinary = false;
  const close = (): void => {
    if (cur) {
      const f = finish(cur, warnings);
      if (f) files.push(f);
    }
    cur = null;
    skippingBinary = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('diff --git ')) {
      close();
      cur = newDraft(gitHeaderPaths(line.slice('diff --git '.length)));
      continue;
    }
    if (line.startsWith('diff ')) {
      close();
      cur = newDraft(null);
      continue;
    }
    // The format-patch signature (`-- ` then the git version) ends the diff.
    if (line === '-- ') break;
    if (skippingBinary) continue;
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      // A plain `diff -u` of several files has no `diff` line between them.
      const d: Draft = cur && cur.hunks.length === 0 && cur.minus === null ? cur : (close(), (cur = newDraft(null)));
      d.minus = headerPath(line.slice(4));
      d.plus = headerPath(lines[i + 1].slice(4));
      i++;
      continue;
    }
    const hunkMatch = HUNK_RE.exec(line);
    if (hunkMatch) {
      if (!cur) {
        warnings.push(`ignored a hunk without file headers (${line.slice(0, 40)})`);
        continue;
      }
      const d: Draft = cur;
      const name = d.plus ?? d.gitPaths?.[1] ?? d.minus ?? '?';
      const { hunk, next } = readHunk(lines, i, hunkMatch, stripComponent(name), warnings);
      d.hunks.push(hunk);
      i = next - 1;
      continue;
    }
    if (!cur) continue;
    const d: Draft = cur;
    if (d.hunks.length > 0) {
      if (/^[-+ ]/.test(line)) d.stray++;
      continue;
    }
    const index = INDEX_RE.exec(line);
    if (index) {
      d.oldBlob = NULL_BLOB.test(index[1]) ? null : index[1];
      d.newBlob = NULL_BLOB.test(index[2]) ? null : index[2];
    } else if (line.startsWith('new file mode')) d.created = true;
    else if (line.startsWith('deleted file mode')) d.removed = true;
    else if (line.startsWith('rename from ')) d.renameFrom = headerPath(line.slice(12));
    else if (line.startsWith('rename to ')) d.renameTo = headerPath(line.slice(10));
    else if (line.startsWith('copy from ')) {
      d.renameFrom = headerPath(line.slice(10));
      d.copy = true;
    } else if (line.startsWith('copy to ')) {
      d.renameTo = headerPath(line.slice(8));
      d.copy = true;
    }
    else if (line.startsWith('Binary files ') && line.endsWith(' differ')) d.binary = true;
    else if (line === 'GIT binary patch') {
      d.binary = true;
      skippingBinary = true;
    }
  }
  close();
  return { files, warnings };
}
