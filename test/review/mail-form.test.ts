// How a reply reads, judged the way a list's reviewers write: notes under the lines they are about,
// functions rather than line numbers, commits as sha12 ("subject"), the base only where it matters,
// a one-line signature, and a bounded mail however many problems a patch has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import type { BaseInfo, Finding, PatchReview, Series } from '../../src/core/types.js';
import { parseMail } from '../../src/patch/mail.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { renderEmailReply, signatureLine, type EmailContext } from '../../src/review/render-email.js';
import { parsePolicy } from '../../src/watch/policy.js';
import { mailText } from '../watch/mail-fixtures.js';

const SOB = 'Signed-off-by: Jane Developer <jane@example.org>';

/** Two hunks of one file, in two functions: the lock is taken in the first, the call is in the second. */
const TWO_FUNCTIONS = [
  'diff --git a/fs/btrfs/inode.c b/fs/btrfs/inode.c',
  'index 1111111..2222222 100644',
  '--- a/fs/btrfs/inode.c',
  '+++ b/fs/btrfs/inode.c',
  '@@ -10,3 +10,4 @@ static int btrfs_prepare_page(struct page *page)',
  ' {',
  '+\tlock_page(page);',
  ' \treturn 0;',
  ' }',
  '@@ -40,3 +41,4 @@ static void btrfs_fill_page(struct page *page)',
  ' {',
  '+\tbtrfs_reserve_for_page(page);',
  ' \tput_page(page);',
  ' }',
].join('\n');

async function review(body: string, findings: Finding[], base: BaseInfo, applied: boolean | null = true, diff = TWO_FUNCTIONS) {
  const patch = await parseMail(mailText({ messageId: 'p.jane@example.org', subject: '[PATCH] btrfs: reserve before locking', body, diff }), 'p.eml');
  const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
  const pr: PatchReview = { patch, base, applied, findings, notes: [], errors: [] };
  return { series, pr };
}

const ctx = (series: Series): EmailContext => ({
  series,
  policy: { replyAll: true },
  bot: { name: 'kreview', address: 'kreview@bots.example.org', optOut: 'mail jo@example.org to stop these mails' },
  date: new Date('2026-11-24T12:00:00Z'),
});

const HEAD: BaseInfo = { commit: 'a'.repeat(40), source: 'base-commit', label: 'base-commit aaaaaaaaaaaa' };
const NO_REPO: BaseInfo = { commit: null, source: 'none', label: 'no repository' };
const lockFinding: Finding = {
  id: 'lock/reserve-under-page-lock',
  severity: 'error',
  confidence: 'high',
  message: 'btrfs_reserve_for_page() is called with the page locked',
  explanation: 'The reservation can wait for writeback of this page, which needs the page lock. Could it move before lock_page()?',
  location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 42 },
  related: [{ location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 11 }, label: 'lock_page() takes the lock here' }],
  evidence: ['1234567890ab', '1234567890ab ("btrfs: do not reserve under the page lock")'],
};

/** The text between the attribution line and the signature. */
const bodyOf = (text: string) => text.slice(text.indexOf('\n') + 1, text.indexOf('\n-- \n'));

describe('the mail reads like a reviewer wrote it', () => {
  it('a place outside the quote is named by its function and one copied line, never by file:line; bare ids are not cited', async () => {
    const { series, pr } = await review(`btrfs: reserve before locking\n\nReserve.\n\n${SOB}`, [lockFinding], HEAD);
    const text = renderEmailReply(pr, ctx(series))!.text;
    expect(text).toContain('lock_page() takes the lock here, in btrfs_prepare_page():\n\tlock_page(page);\n');
    expect(text).not.toMatch(/inode\.c:\d+|line \d+/);
    expect(text).toContain('  1234567890ab ("btrfs: do not reserve under the page lock")');
    expect(text).not.toMatch(/^ *1234567890ab$/m);
    // The lock finding does not depend on which base was read: no base line at all.
    expect(text).not.toContain('aaaaaaaaaaaa');
  });

  it('the base is named where a finding depends on it: an id looked up in history, or code read without its file', async () => {
    const unknown: Finding = { id: 'fixes/unknown-sha', severity: 'error', confidence: 'high', message: 'Fixes tag: Target SHA1 does not exist', location: { kind: 'message', line: 5 } };
    const body = `btrfs: reserve before locking\n\nReserve.\n\nFixes: 0123456789ab ("btrfs: old")\n${SOB}`;
    const a = await review(body, [unknown], HEAD);
    expect(renderEmailReply(a.pr, ctx(a.series))!.text).toContain('Commit ids were looked up at base-commit aaaaaaaaaaaa.');
    const b = await review(body, [lockFinding], HEAD, false);
    expect(renderEmailReply(b.pr, ctx(b.series))!.text.replace(/\s+/g, ' ')).toContain('The patch did not apply to base-commit aaaaaaaaaaaa, so only its hunks were read.');
  });

  it('without a repository the mail says once that the Fixes: ids were not looked up', async () => {
    const noSha = (line: number): Finding => ({ id: 'fixes/no-sha', severity: 'error', confidence: 'high', message: 'Fixes tag: No SHA1 recognised', location: { kind: 'message', line } });
    const body = `btrfs: reserve before locking\n\nReserve.\n\nFixes: the old bug\nFixes: the other bug\n${SOB}`;
    const { series, pr } = await review(body, [noSha(5), noSha(6)], NO_REPO);
    const text = renderEmailReply(pr, ctx(series))!.text;
    expect(text.match(/were not looked up/g)).toHaveLength(1);
    expect(text).not.toMatch(/base tree|Reviewed against|no base/i);
    // No Fixes: tag, nothing to say about ids.
    const lock = await review(`btrfs: reserve before locking\n\nReserve.\n\n${SOB}`, [lockFinding], NO_REPO);
    expect(renderEmailReply(lock.pr, ctx(lock.series))!.text).not.toContain('looked up');
  });

  it('the signature is one line that says it is a bot and how to stop it, each once, with the documented example policy', () => {
    const doc = readFileSync(new URL('../../docs/mail.md', import.meta.url), 'utf8');
    const bot = parsePolicy(/```yaml\n([\s\S]*?)```/.exec(doc)![1], '/srv/kreview/policy.yml').bot;
    const line = signatureLine(bot);
    expect(line).toBe('kreview is a bot run by Jo Maintainer; mail jo@example.org to stop these mails.');
    expect(signatureLine({ name: 'kreview', address: 'k@x.org', optOut: 'jo@example.org' })).toBe('kreview is a bot; to stop these mails: jo@example.org.');
    expect(signatureLine({ name: 'kreview', address: 'k@x.org', human: 'Jo <jo@example.org>' })).toBe('kreview is a bot run by Jo <jo@example.org>; write to jo@example.org to stop these mails.');
    expect(signatureLine({ name: 'kreview', address: 'k@x.org' })).toMatch(/^kreview is a bot; .*stop these mails\.$/);
  });

  it('each note sits right under its quote and is at most seven lines', async () => {
    const { series, pr } = await review(`btrfs: reserve before locking\n\nReserve.\n\n${SOB}`, [lockFinding], HEAD);
    const lines = bodyOf(renderEmailReply(pr, ctx(series))!.text).split('\n');
    const call = lines.indexOf('> +\tbtrfs_reserve_for_page(page);');
    expect(lines[call + 1]).toBe('');
    const note = lines.slice(call + 2);
    const end = note.findIndex((l) => l === '' || l.startsWith('>'));
    expect(note.slice(0, end === -1 ? undefined : end).length).toBeLessThanOrEqual(7);
  });
});

describe('lock notes from the real lock check, framed for the mail', () => {
  it('a path that returns with the lock held: the note is a sentence naming the function, without line numbers or a second hedge', async () => {
    const diff = [
      'diff --git a/fs/foo/bar.c b/fs/foo/bar.c',
      'index 1111111..2222222 100644',
      '--- a/fs/foo/bar.c',
      '+++ b/fs/foo/bar.c',
      '@@ -10,3 +10,8 @@ static int foo_update(struct foo *f)',
      ' {',
      '+\tspin_lock(&f->lock);',
      '+\tif (f->dead)',
      '+\t\treturn -ENOENT;',
      '+\tf->count++;',
      '+\tspin_unlock(&f->lock);',
      ' \treturn 0;',
      ' }',
    ].join('\n');
    const patch = await parseMail(mailText({ messageId: 'lock.jane@example.org', subject: '[PATCH] foo: count updates', body: `foo: count updates\n\nCount them.\n\n${SOB}`, diff }), 'lock.eml');
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    const pr = (await reviewSeries(series, { repo: null, config: { ...defaultConfig(), enable: ['lock'] } })).patches[0];
    expect(pr.findings.map((f) => f.id)).toEqual(['lock/unbalanced']);
    const lines = bodyOf(renderEmailReply(pr, ctx(series))!.text).split('\n');
    const note = lines.slice(lines.indexOf('> +\t\treturn -ENOENT;') + 2).join(' ');
    expect(note).toMatch(/^foo_update\(\) [a-z]+ .*spinlock on f->lock/);
    expect(note).not.toMatch(/line \d+/);
    expect((note.match(/\bmay be\b/g) ?? []).length).toBeLessThanOrEqual(1);
  });

  it('a commit cited in the prose stays on one line when the note is wrapped', async () => {
    const cite = '1234567890ab ("btrfs: do not do delalloc reservation under page lock")';
    for (const pad of ['', 'x ', 'xx ', 'a b ', 'words ', 'more words ', 'even more words ']) {
      const cited: Finding = { ...lockFinding, evidence: [], explanation: `The writeback it starts waits for this page's lock ${pad}in the worker: the two threads wait for each other. Compare ${cite}.` };
      const { series, pr } = await review(`btrfs: reserve before locking\n\nReserve.\n\n${SOB}`, [cited], HEAD);
      expect(renderEmailReply(pr, ctx(series))!.text).toContain(cite);
    }
  });

  it('two hedges on one note become one', async () => {
    const unsure: Finding = {
      ...lockFinding,
      explanation: 'The lock is held on some paths to this call only, so this may be a false alarm. Only the hunk and its context were seen, not the whole function, so the lock state may be incomplete.',
    };
    const { series, pr } = await review(`btrfs: reserve before locking\n\nReserve.\n\n${SOB}`, [unsure], HEAD);
    const text = renderEmailReply(pr, ctx(series))!.text.replace(/\s+/g, ' ');
    expect(text).toContain('so this may be a false alarm.');
    expect(text).not.toContain('may be incomplete');
  });
});

describe('a patch with 10,000 Fixes: tags (issue 9, row 13)', () => {
  it('gets one mail of a few kilobytes: the first findings in full, the rest summarised in a few lines', async () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => `Fixes: the bug number ${i}`);
    const body = ['btrfs: fix everything', '', 'Fix all of them.', '', ...tags, SOB].join('\n');
    const patch = await parseMail(mailText({ messageId: 'many.jane@example.org', subject: '[PATCH] btrfs: fix everything', body, diff: TWO_FUNCTIONS }), 'many.eml');
    const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
    const reviewed = await reviewSeries(series, { repo: null, config: { ...defaultConfig(), enable: ['fixes'] } });
    const pr = reviewed.patches[0];
    expect(pr.findings.filter((f) => f.id === 'fixes/no-sha')).toHaveLength(10_000);
    const reply = renderEmailReply(pr, { ...ctx(series), findingsPerMail: 5 })!;
    expect(reply.raw.length).toBeLessThan(8_000);
    expect(reply.text.match(/^> Fixes:/gm)).toHaveLength(5);
    expect(reply.text.replace(/\n/g, ' ')).toContain('And 9,995 more Fixes: problems of the same kinds: fixes/no-sha (9,995). They are not quoted here.');
    // The real pipeline without a repository: the ids were not looked up, said once.
    expect(reply.text.match(/were not looked up/g)).toHaveLength(1);
    // Every finding still counts for "still present in v2" later.
    expect(reply.findingKeys).toHaveLength(10_000);
  });
});
