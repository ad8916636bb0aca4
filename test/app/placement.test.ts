// Where findings go on GitHub: PR diff lines, line mapping through later commits, body fallback.
import { describe, expect, it } from 'vitest';
import type { Finding, Hunk, Patch, Review } from '../../src/core/types.js';
import { hunkHeaders, mapLineThroughHunks } from '../../src/app/line-map.js';
import { placeFindings } from '../../src/app/placement.js';
import { prDiffFromFiles } from '../../src/app/pr-diff.js';

const PATCH = ['@@ -1,3 +1,4 @@', ' a', '-b', '+B', '+C', ' d', '@@ -10,2 +11,2 @@ func', ' x', '-y', '+Y'].join('\n');

function patch(subject: string, commit: string): Patch {
  return {
    id: commit, kind: 'commit', source: commit, subject,
    prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: subject },
    author: { name: 'A', email: 'a@example.org' }, date: null, message: subject, trailers: [], notes: '', files: [],
    baseCommit: null, changeId: null, commit, parent: null, mail: null, warnings: [],
  };
}

function finding(over: Partial<Finding>): Finding {
  return { id: 'lock/x', severity: 'warning', message: 'm', location: { kind: 'patch' }, ...over };
}

describe('prDiffFromFiles', () => {
  it('knows added, context and deleted lines per side, and nothing for files without a patch', () => {
    const d = prDiffFromFiles([
      { filename: 'f.c', status: 'modified', patch: PATCH },
      { filename: 'bin.dat', status: 'modified' },
    ]);
    const f = d.get('f.c')!;
    expect([...f.added].sort((a, b) => a - b)).toEqual([2, 3, 12]);
    expect([...f.right].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 11, 12]);
    expect([...f.left].sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 11]);
    expect(d.get('bin.dat')!.right.size).toBe(0);
  });
});

describe('mapLineThroughHunks', () => {
  const u0 = hunkHeaders('@@ -3 +3,2 @@\n-old\n+n1\n+n2\n@@ -10,0 +12,3 @@\n+a\n+b\n+c\n@@ -20,2 +24,0 @@\n-x\n-y\n');
  it('maps lines of a -U0 diff by its headers', () => {
    expect(mapLineThroughHunks(u0, 1)).toBe(1);
    expect(mapLineThroughHunks(u0, 3)).toBeNull();
    expect(mapLineThroughHunks(u0, 4)).toBe(5);
    expect(mapLineThroughHunks(u0, 10)).toBe(11);
    expect(mapLineThroughHunks(u0, 11)).toBe(15);
    expect(mapLineThroughHunks(u0, 20)).toBeNull();
    expect(mapLineThroughHunks(u0, 22)).toBe(24);
  });
  it('walks hunks with context lines', () => {
    const hunk: Hunk = {
      oldStart: 5, oldLines: 3, newStart: 5, newLines: 4, section: '',
      lines: [
        { kind: 'ctx', text: 'a', oldLine: 5, newLine: 5 },
        { kind: 'add', text: 'new', oldLine: null, newLine: 6 },
        { kind: 'del', text: 'b', oldLine: 6, newLine: null },
        { kind: 'add', text: 'B', oldLine: null, newLine: 7 },
        { kind: 'ctx', text: 'c', oldLine: 7, newLine: 8 },
      ],
    };
    expect(mapLineThroughHunks([hunk], 5)).toBe(5);
    expect(mapLineThroughHunks([hunk], 6)).toBeNull();
    expect(mapLineThroughHunks([hunk], 7)).toBe(8);
    expect(mapLineThroughHunks([hunk], 9)).toBe(10);
    expect(mapLineThroughHunks([hunk], 2)).toBe(2);
  });
});

describe('placeFindings', () => {
  const diff = prDiffFromFiles([
    { filename: 'f.c', status: 'modified', patch: PATCH },
    { filename: 'gone.c', status: 'removed', patch: '@@ -1,2 +0,0 @@\n-a\n-b' },
  ]);
  const p1 = patch('one', '1'.repeat(40));
  const p2 = patch('two', '2'.repeat(40));

  it('puts file findings on head lines of the diff, message findings and lines off the diff in the body', async () => {
    const review: Review = {
      series: { id: 's', version: 1, subject: 's', cover: null, patches: [p1, p2], total: 2, missing: [], complete: true },
      patches: [
        {
          patch: p1, base: { commit: null, source: 'none', label: 'none' }, applied: null, notes: [], errors: [],
          findings: [
            finding({ id: 'lock/a', location: { kind: 'file', path: 'f.c', line: 1 } }),
            finding({ id: 'fixes/b', location: { kind: 'message', line: 5 }, suggestion: 'Fixes: 123456789012 ("x")' }),
            finding({ id: 'lock/c', location: { kind: 'file', path: 'f.c', line: 40 } }),
            finding({ id: 'lock/d', location: { kind: 'file', path: 'gone.c', line: 2 } }),
          ],
        },
        {
          patch: p2, base: { commit: null, source: 'none', label: 'none' }, applied: null, notes: [], errors: [],
          // The same problem again in patch 2 is one comment.
          findings: [finding({ id: 'lock/a', location: { kind: 'file', path: 'f.c', line: 1 } })],
        },
      ],
    };
    // Patch 1's line 1 became line 2 at head (patch 2 added a line above it).
    const mapped: string[] = [];
    const placement = await placeFindings(review, diff, async (p, path, line) => {
      mapped.push(`${p.subject}:${path}:${line}`);
      return p === p1 ? line + 1 : line;
    });
    expect(placement.comments.map((c) => [c.placed.finding.id, c.path, c.line, c.side])).toEqual([
      ['lock/a', 'f.c', 2, 'RIGHT'],
      ['lock/d', 'gone.c', 2, 'LEFT'],
    ]);
    expect(placement.body.map((b) => b.finding.id)).toEqual(['fixes/b', 'lock/c']);
    expect(placement.all).toHaveLength(4);
    expect(mapped).toEqual(['one:f.c:1', 'one:f.c:40']);
  });
});
