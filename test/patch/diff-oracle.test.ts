// Differential test: on well-formed diffs parseDiff reads the same lines and numbers as parse-diff.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import parseDiffLib from 'parse-diff';
import { parseDiff } from '../../src/patch/diff.js';

const hunkLines = fc.array(fc.tuple(fc.constantFrom(' ', '-', '+'), fc.stringMatching(/^[ -~]{0,20}$/)), { minLength: 1, maxLength: 12 });

/** Renders hunks with true counts, each starting past the previous one. */
function render(files: { path: string; hunks: [string, string][][] }[]): string {
  const out: string[] = [];
  for (const f of files) {
    out.push(`diff --git a/${f.path} b/${f.path}`, 'index 1111111..2222222 100644', `--- a/${f.path}`, `+++ b/${f.path}`);
    let oldAt = 1;
    let newAt = 1;
    for (const h of f.hunks) {
      const oldN = h.filter(([k]) => k !== '+').length;
      const newN = h.filter(([k]) => k !== '-').length;
      out.push(`@@ -${oldAt},${oldN} +${newAt},${newN} @@ fn()`, ...h.map(([k, t]) => k + t));
      oldAt += oldN + 3;
      newAt += newN + 3;
    }
  }
  return `${out.join('\n')}\n-- \n2.43.0\n`;
}

describe('parseDiff agrees with parse-diff', () => {
  it('on random well-formed diffs', () => {
    const file = fc.record({ path: fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}\.c$/), hunks: fc.array(hunkLines, { minLength: 1, maxLength: 4 }) });
    fc.assert(
      fc.property(fc.uniqueArray(file, { minLength: 1, maxLength: 4, selector: (f) => f.path }), (files) => {
        const text = render(files);
        const ours = parseDiff(text);
        expect(ours.warnings).toEqual([]);
        const theirs = parseDiffLib(text);
        expect(ours.files.map((f) => f.newPath)).toEqual(theirs.map((f) => f.to));
        ours.files.forEach((f, i) => {
          const mine = f.hunks.flatMap((h) => h.lines.map((l) => `${l.kind}:${l.oldLine}:${l.newLine}:${l.text}`));
          const lib = theirs[i].chunks.flatMap((c) =>
            c.changes.map((ch) =>
              ch.type === 'add' ? `add:null:${ch.ln}:${ch.content.slice(1)}` : ch.type === 'del' ? `del:${ch.ln}:null:${ch.content.slice(1)}` : `ctx:${ch.ln1}:${ch.ln2}:${ch.content.slice(1)}`,
            ),
          );
          expect(mine).toEqual(lib);
        });
      }),
      { numRuns: 200 },
    );
  });
});
