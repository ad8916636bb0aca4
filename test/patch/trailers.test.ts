import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFooters, parseTrailers, splitCommitMessage } from '../../src/patch/trailers.js';

const msg = (...lines: string[]): string => lines.join('\n');

describe('parseTrailers', () => {
  it('reads the last paragraph with exact 1-based lines', () => {
    const m = msg('btrfs: fix it', '', 'Body text.', '', 'Fixes: 0123456789ab ("btrfs: old")', 'Cc: stable@vger.kernel.org', 'Signed-off-by: A <a@x.org>');
    expect(parseTrailers(m)).toEqual([
      { key: 'Fixes', value: '0123456789ab ("btrfs: old")', line: 5, raw: 'Fixes: 0123456789ab ("btrfs: old")' },
      { key: 'Cc', value: 'stable@vger.kernel.org', line: 6, raw: 'Cc: stable@vger.kernel.org' },
      { key: 'Signed-off-by', value: 'A <a@x.org>', line: 7, raw: 'Signed-off-by: A <a@x.org>' },
    ]);
  });

  it('joins continuation lines into the trailer above', () => {
    const m = msg('s', '', 'Fixes: 0123456789ab ("a very long', '  subject")', 'Signed-off-by: A <a@x.org>');
    const t = parseTrailers(m);
    expect(t[0]).toEqual({ key: 'Fixes', value: '0123456789ab ("a very long subject")', line: 3, raw: 'Fixes: 0123456789ab ("a very long\n  subject")' });
    expect(t).toHaveLength(2);
  });

  it('unfolds a continuation the way git does: white space before the line break is kept', () => {
    // Found by the randomized comparison with git interpret-trailers --parse.
    expect(parseTrailers(msg('subsys: subject', '', 'A: ! ', '  continued value')).map((t) => t.value)).toEqual(['!  continued value']);
  });

  it('does not count a trailer\'s continuation lines towards the 25% rule, as git does not', () => {
    // Found by the randomized comparison: 1 trailer (plus its continuation) against 4 prose lines is under 25%.
    const m = msg('subsys: subject', '', '  continued value', 'A', 'Signed-off-by: Jane Dev <jane@example.org>', '  continued value', 'A', 'Some prose line.');
    expect(parseTrailers(m)).toEqual([]);
  });

  it('accepts a block of 25% trailers when one is git-generated', () => {
    const m = msg('s', '', 'Reported-by: R <r@x>', '[ dave: reworded the message', 'and the comment ]', 'Signed-off-by: A <a@x>');
    expect(parseTrailers(m).map((t) => t.key)).toEqual(['Reported-by', 'Signed-off-by']);
  });

  it('rejects a mostly-prose last paragraph even with a Signed-off-by', () => {
    const m = msg('s', '', 'one', 'two', 'three', 'four', 'five', 'six', 'Signed-off-by: A <a@x>');
    expect(parseTrailers(m)).toEqual([]);
  });

  it('rejects a mixed paragraph without a git-generated trailer', () => {
    expect(parseTrailers(msg('s', '', 'Fixes: abc ("x")', 'some prose here'))).toEqual([]);
  });

  it('never takes the title paragraph as trailers', () => {
    expect(parseTrailers('Fixes: abc')).toEqual([]);
    expect(parseTrailers(msg('Fixes: abc', 'Signed-off-by: x'))).toEqual([]);
  });

  it('takes only the last paragraph', () => {
    const m = msg('s', '', 'Fixes: aaaaaaaaaaaa ("x")', '', 'Some prose.', '', 'Signed-off-by: A <a@x>', '', '');
    expect(parseTrailers(m)).toEqual([{ key: 'Signed-off-by', value: 'A <a@x>', line: 7, raw: 'Signed-off-by: A <a@x>' }]);
  });

  it('allows white space before the colon and keeps cherry-pick lines', () => {
    const m = msg('s', '', 'Link : https://lore.kernel.org/r/1', '(cherry picked from commit 0123456789abcdef)');
    expect(parseTrailers(m).map((t) => [t.key, t.value])).toEqual([
      ['Link', 'https://lore.kernel.org/r/1'],
      ['(cherry picked from commit', '0123456789abcdef'],
    ]);
  });

  it('never loses or invents a trailer in a random block', () => {
    const key = fc.constantFrom('Fixes', 'Signed-off-by', 'Reviewed-by', 'Acked-by', 'Cc', 'Link', 'Reported-by', 'Closes', 'X-Custom-1');
    const value = fc.stringMatching(/^[A-Za-z0-9<>@.()" :/-]{0,60}$/).map((v) => v.trim());
    const trailer = fc.record({ key, value, cont: fc.option(fc.stringMatching(/^[A-Za-z0-9<>@.()"-]{1,20}$/), { nil: undefined }) });
    const prose = fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z ,.]{0,50}$/), { maxLength: 4 });
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,10}: [a-z ]{1,30}$/), prose, fc.array(trailer, { minLength: 1, maxLength: 12 }), (subject, body, trailers) => {
        const lines = [subject, ''];
        if (body.length) lines.push(...body, '');
        const want: { key: string; value: string; line: number }[] = [];
        for (const t of trailers) {
          want.push({ key: t.key, value: t.cont ? `${t.value} ${t.cont}`.trim() : t.value, line: lines.length + 1 });
          lines.push(`${t.key}: ${t.value}`);
          if (t.cont) lines.push(`  ${t.cont}`);
        }
        const got = parseTrailers(lines.join('\n')).map(({ key, value, line }) => ({ key, value, line }));
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('splitCommitMessage', () => {
  const body = msg(
    'The body.',
    '',
    'Signed-off-by: A <a@x>',
    '--- ',
    'v2: changed things',
    '',
    ' fs/a.c | 2 +-',
    '',
    'diff --git a/fs/a.c b/fs/a.c',
    '--- a/fs/a.c',
    '+++ b/fs/a.c',
    '@@ -1 +1 @@',
    '-x',
    '+y',
    '',
    'base-commit: 0123456789abcdef0123456789abcdef01234567',
    'change-id: 20240101-foo-bar-0123456789ab',
    '',
    'Best regards,',
    '-- ',
    'A <a@x>',
  );

  it('splits at a bare --- line with trailing space', () => {
    const s = splitCommitMessage(body);
    expect(s.message).toBe('The body.\n\nSigned-off-by: A <a@x>');
    expect(s.notes).toBe('v2: changed things\n\n fs/a.c | 2 +-\n');
    expect(s.diff.startsWith('diff --git a/fs/a.c b/fs/a.c\n')).toBe(true);
  });

  it('reads base-commit and change-id footers', () => {
    expect(parseFooters(splitCommitMessage(body).diff)).toEqual({
      baseCommit: '0123456789abcdef0123456789abcdef01234567',
      changeId: '20240101-foo-bar-0123456789ab',
    });
    expect(parseFooters('nothing here')).toEqual({ baseCommit: null, changeId: null });
  });

  it('handles a message without a fold or a diff', () => {
    expect(splitCommitMessage('just words\r\nmore')).toEqual({ message: 'just words\nmore', notes: '', diff: '' });
  });

  it('ends the message at a diff that has no --- fold', () => {
    const s = splitCommitMessage(msg('text', 'diff --git a/x b/x', '@@ -1 +1 @@'));
    expect(s).toEqual({ message: 'text', notes: '', diff: 'diff --git a/x b/x\n@@ -1 +1 @@' });
  });

  it('does not fold at a line that only starts with dashes', () => {
    expect(splitCommitMessage(msg('a', '----', 'b')).message).toBe('a\n----\nb');
  });
});
