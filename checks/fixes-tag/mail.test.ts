// The check on real patch mails (git format-patch output parsed by parseMail), against the
// history they were cut from: To/Cc headers, the notes below `---`, base-commit: footers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { parseMail } from '../../src/patch/mail.js';
import { BOB, buildFixture, type Fixture } from './fixture-repo.js';
import { runFixes } from './test-support.js';

let x: Fixture;
let history: History;

beforeAll(async () => {
  x = buildFixture();
  history = await openHistory(x.repo.dir);
}, 120_000);

afterAll(async () => {
  await history?.close();
  x?.repo.remove();
});

let mails = 0;

/** A fix on a branch of its own off master's head, mailed with format-patch --base. */
async function mail(messageText: string, ...extra: string[]) {
  mails++;
  x.repo.git('checkout', '-q', '-b', `mail-${mails}`, x.c.head);
  const oid = x.repo.commit(messageText, { files: { 'foo.c': `int foo_mail_${mails};\n` } });
  const text = x.repo.formatPatch(`${oid}^!`, '--base', x.c.head, ...extra);
  x.repo.git('checkout', '-q', 'master');
  return parseMail(text, 'test.patch');
}

describe('Fixes: tags in patch mails', () => {
  it('the blamed author in Cc is reached; left out, the note names them', async () => {
    const msg = `foo: fix the frobnicator\n\nIt frobs twice.\n\n${x.line('bug')}\nCc: stable@vger.kernel.org\nSigned-off-by: Pat Sender <pat@example.org>\n`;
    const withBob = await mail(msg, `--cc=${BOB.name} <${BOB.email}>`, '--to=alice@example.org');
    expect((await runFixes(withBob, history, null)).map((f) => f.id)).toEqual([]);
    const without = await mail(msg, '--to=alice@example.org');
    const f = await runFixes(without, history, null);
    expect(f.map((y) => [y.id, y.location])).toEqual([['fixes/author-not-cced', { kind: 'message', line: 5 }]]);
    expect(f[0].suggestion).toBe(x.line('bug'));
  });

  it('a tag written below the --- line is an error, and still checked', async () => {
    const withNotes = await mail('foo: fix the frobnicator\n\nIt frobs twice.\n\nSigned-off-by: Pat Sender <pat@example.org>\n', '--to=x@example.org');
    const p = { ...withNotes, notes: `Fixes: ${x.c.bug.slice(0, 8)} ("foo: add the frobnicator")\n${withNotes.notes}` };
    const f = await runFixes(p, history, null);
    const placement = f.find((y) => y.id === 'fixes/placement');
    expect(placement?.severity).toBe('error');
    expect(placement?.suggestion).toBe(x.line('bug'));
    expect(f.map((y) => y.id)).toContain('fixes/short-sha');
  });
});

describe('Fixes: tags above a footnote paragraph (a real linux-btrfs mail)', () => {
  const text = readFileSync(new URL('./fixtures/btrfs-footnote.eml', import.meta.url), 'utf8');

  it('a tag directly above Cc:/Signed-off-by: is in the trailer block although a [0] footnote follows', async () => {
    const patch = await parseMail(text, 'btrfs-footnote.eml');
    expect(patch.trailers.map((t) => t.key)).toEqual(['Fixes', 'Cc', 'Signed-off-by', 'Reviewed-by']);
    expect((await runFixes(patch, null, null)).map((f) => f.id)).toEqual([]);
  });

  it('a link-only paragraph after the trailers hides them no more than a footnote does', async () => {
    const withLink = text.replace(/^\[0\] .*$/m, 'Link: https://lore.kernel.org/linux-btrfs/20260201071346.130641-1-inwardvessel@gmail.com/');
    expect((await runFixes(await parseMail(withLink, 'link.eml'), null, null)).map((f) => f.id)).toEqual([]);
  });

  it('a tag in the text above a footnote is still outside the block, and says where it stands', async () => {
    const inText = text.replace('Fixes: 9d9ea1e68a05', 'It is the bug of\nFixes: 9d9ea1e68a05').replace(/^Cc: stable.*\n/m, '\n');
    const f = await runFixes(await parseMail(inText, 'text.eml'), null, null);
    expect(f.map((y) => [y.id, y.message])).toEqual([['fixes/placement', 'Fixes tag is outside the trailer block: it stands in the text of the message']]);
  });
});
