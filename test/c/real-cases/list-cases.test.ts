// Real lock bugs from list fixes (bench/lock-cases/manifest.yml), re-told: the patch that puts the
// bug in must fire, with the repository and from the mail alone (-W: the whole function in the
// hunk; and as sent, three lines of context); the real fix must stay quiet. Recall on the real mails is bench/lock-recall.ts.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/types.js';
import { runHunkOnly, runLockCase } from '../lock-harness.js';
import { RETOLD } from './fixtures/list-cases.js';

/** Findings that say there is a problem (any severity: one resting on a guess is a note), not a fix or a parse note. */
const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/i.test(f.message));
const at = (f: Finding): number => (f.location.kind === 'file' ? f.location.line : -1);
/** The line of `text` where `needle` (which may span lines) starts. */
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

const firing = (mode: 'repo' | 'mail' | 'hunk') => RETOLD.filter((c) => c.fires.includes(mode));

describe.each(firing('repo'))('$id, with the repository', (c) => {
  it('the bug put in fires', async () => {
    const hits = problems(await runLockCase({ before: { [c.path]: c.fix }, after: { [c.path]: c.bug } }));
    expect(hits.map((f) => [f.id, at(f)])).toEqual([[c.rule, lineOf(c.bug, c.at)]]);
  });
});

describe.each(firing('mail'))('$id, from the mail', (c) => {
  it('the bug put in fires with the whole function in the hunk', async () => {
    const { findings } = await runHunkOnly({ before: { [c.path]: c.fix }, after: { [c.path]: c.bug } }, '-W');
    expect(problems(findings).map((f) => f.id)).toEqual([c.rule]);
  });
});

describe.each(firing('hunk'))('$id, from the mail as sent', (c) => {
  it('the bug put in fires with the lock taken above the hunk', async () => {
    const { findings } = await runHunkOnly({ before: { [c.path]: c.fix }, after: { [c.path]: c.bug } });
    const hits = problems(findings);
    expect(hits.map((f) => f.id)).toEqual([c.rule]);
    // What rests on unseen lines is never more than a medium-confidence note.
    expect(hits[0].severity).toBe('note');
    expect(hits[0].confidence).not.toBe('high');
  });
});

describe.each(RETOLD)('$id, the fix', (c) => {
  it('stays quiet (repository and mail)', async () => {
    expect(problems(await runLockCase({ before: { [c.path]: c.bug }, after: { [c.path]: c.fix } }))).toEqual([]);
    expect(problems((await runHunkOnly({ before: { [c.path]: c.bug }, after: { [c.path]: c.fix } })).findings)).toEqual([]);
  });
});
