// The check on real patch mails (git format-patch output parsed by parseMail), against the
// history they were cut from: To/Cc headers, the notes below `---`, base-commit: footers.
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
