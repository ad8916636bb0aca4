// Finds the text a finding points at: the commit-message line, or the diff line of an
// added (or context) line, so every renderer can quote what the note is about.
import type { FileDiff, Finding, Location, Patch } from '../core/types.js';

export interface QuotedLine {
  /** The line as a reviewer quotes it: `+code`, ` context`, or a message line as is. */
  text: string;
  kind: 'message' | 'add' | 'ctx';
}

export function messageLine(patch: Patch, line: number): string | null {
  const lines = patch.message.split('\n');
  return line >= 1 && line <= lines.length ? lines[line - 1] : null;
}

/** The diff line (with its +/space marker) at a post-image line of a file, or null. */
export function diffLineAt(files: FileDiff[], path: string, line: number): QuotedLine | null {
  for (const f of files) {
    if (f.newPath !== path) continue;
    for (const h of f.hunks)
      for (const l of h.lines)
        if (l.newLine === line && l.kind !== 'del') return { text: (l.kind === 'add' ? '+' : ' ') + l.text, kind: l.kind };
  }
  return null;
}

export function quoteLocation(patch: Patch, files: FileDiff[], loc: Location): QuotedLine | null {
  if (loc.kind === 'message') {
    const t = messageLine(patch, loc.line);
    return t === null ? null : { text: t, kind: 'message' };
  }
  if (loc.kind === 'file') return diffLineAt(files, loc.path, loc.line);
  return null;
}

/** `fs/btrfs/inode.c:2614` or `commit message:14`. */
export function describeLocation(loc: Location): string {
  if (loc.kind === 'file') return `${loc.path}:${loc.line}`;
  if (loc.kind === 'message') return `commit message:${loc.line}`;
  return 'patch';
}

export function countBySeverity(findings: Finding[]): Record<'error' | 'warning' | 'note', number> {
  const c = { error: 0, warning: 0, note: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}
