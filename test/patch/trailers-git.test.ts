// Differential test: parseTrailers must find exactly the trailers `git interpret-trailers --parse` finds.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { parseTrailers } from '../../src/patch/trailers.js';

const gitTrailers = (message: string): string[] =>
  execFileSync('git', ['interpret-trailers', '--parse'], { input: message, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/\s+$/, ''));

const line = fc.oneof(
  fc.constantFrom('Signed-off-by: Jane Dev <jane@example.org>', 'Fixes: 0123456789ab ("btrfs: old")', 'Cc: stable@vger.kernel.org # 6.1+', 'Link: https://lore.kernel.org/r/x@y', 'Reviewed-by: R <r@x>'),
  fc.constantFrom('https://example.org/bug', '[ dave: fixed a typo ]', 'Some prose line.', 'Key : spaced', 'Not a: trailer because of spaces', 'a-b-c:x', '-x: dash first', '#include <linux/fs.h>'),
  fc.constantFrom('  continued value', '\tcontinued with a tab'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}: [ -~]{0,30}$/),
  fc.stringMatching(/^[A-Za-z][a-z ,.]{0,40}$/),
);

describe('parseTrailers agrees with git interpret-trailers', () => {
  it('on random last paragraphs', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.boolean(), (last, withBody) => {
        const message = ['subsys: subject', '', ...(withBody ? ['Body text.', ''] : []), ...last, ''].join('\n');
        const ours = parseTrailers(message).map((t) => `${t.key}: ${t.value}`.replace(/\s+$/, ''));
        expect(ours).toEqual(gitTrailers(message));
      }),
      {
        numRuns: 120,
        // The 25% boundary, continuation after prose, and a block that is all prose.
        examples: [
          [['Signed-off-by: a', 'one', 'two', 'three'], false],
          [['Signed-off-by: a', 'one', 'two', 'three', 'four'], true],
          [['Some prose line.', '  continued value', 'Signed-off-by: a'], false],
          [['Reviewed-by: R <r@x>', 'Some prose line.'], true],
          // Found by a random run: a continuation after a comment line is not the trailer's.
          [['a: ', '#include <linux/fs.h>', '  continued value', 'Signed-off-by: Jane Dev <jane@example.org>', 'A: '], false],
        ],
      },
    );
  });
});
