// Small Patch/Finding builders for tests of pure code (renderers, filters).
import type { FileDiff, Finding, Patch, PatchReview, Review } from '../../src/core/types.js';

export function makePatch(over: Partial<Patch> = {}): Patch {
  const subject = over.subject ?? '[PATCH 1/1] btrfs: fix the thing';
  return {
    id: 'msg-1@example.org',
    kind: 'mail',
    source: 'test.mbox#1',
    subject,
    prefix: { tags: ['PATCH 1/1'], isPatch: true, isReply: false, version: 1, index: 1, total: 1, rfc: false, resend: false, tree: null, summary: 'btrfs: fix the thing' },
    author: { name: 'Dana Whitfield', email: 'dana@example.com' },
    date: null,
    message: 'btrfs: fix the thing\n\nBody.\n\nFixes: 1234567 ("x")\nSigned-off-by: Dana Whitfield <dana@example.com>',
    trailers: [],
    notes: '',
    files: [],
    baseCommit: null,
    changeId: null,
    commit: null,
    parent: null,
    mail: null,
    warnings: [],
    ...over,
  };
}

/** One file diff with one hunk: `lines` are ['+added', ' context', '-removed'] starting at `start`. */
export function makeFile(path: string, start: number, lines: string[]): FileDiff {
  let o = start;
  let n = start;
  const dl = lines.map((l) => {
    const kind = l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : 'ctx';
    const line = { kind, text: l.slice(1), oldLine: kind === 'add' ? null : o, newLine: kind === 'del' ? null : n } as const;
    if (kind !== 'add') o++;
    if (kind !== 'del') n++;
    return line;
  });
  return {
    oldPath: path,
    newPath: path,
    status: 'modified',
    binary: false,
    oldBlob: null,
    newBlob: null,
    hunks: [{ oldStart: start, oldLines: o - start, newStart: start, newLines: n - start, section: '', lines: dl }],
  };
}

export function makeFinding(over: Partial<Finding> = {}): Finding {
  return { id: 'fixes/short-sha', severity: 'warning', message: 'SHA1 should be at least 12 digits long', location: { kind: 'message', line: 5 }, ...over };
}

export function makeReview(patch: Patch, findings: Finding[], extra: Partial<PatchReview> = {}): Review {
  return {
    series: { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true },
    patches: [{ patch, base: { commit: 'a'.repeat(40), source: 'head', label: 'HEAD of the repository' }, applied: true, findings, notes: [], errors: [], ...extra }],
  };
}
