// Real lock bugs from list fixes (bench/lock-cases/manifest.yml), re-told: the patch that puts the
// bug in must fire, with the repository and from the mail alone (-W: the whole function in the
// hunk; and as sent, three lines of context); the real fix must stay quiet. Recall on the real mails is bench/lock-recall.ts.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/core/types.js';
import { runHunkOnly, runLockCase, runOnOtherBase } from '../lock-harness.js';
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

// The real mails did not apply to the 6.1 tree as sent. Placed with less context matching, the
// function is judged whole with the tree's lines, as a guess (a low note saying so); where not even
// that places them, the mail's hunks are read alone, as without a repository: never less than that.
const drifted = RETOLD.filter((c) => c.drift);
const driftOf = (c: (typeof RETOLD)[number], text: string): string => {
  const moved = text.replace(c.drift!.from, c.drift!.to);
  if (moved === text) throw new Error(`${c.id}: the drift text is not in the code`);
  return moved;
};

describe.each(drifted)('$id, against a tree that moved on', (c) => {
  it('the bug put in fires', async () => {
    const { findings, applied, notes } = await runOnOtherBase({ before: { [c.path]: c.fix }, after: { [c.path]: c.bug }, base: { [c.path]: driftOf(c, c.fix) } });
    expect(applied).toBe(false);
    const hits = problems(findings);
    expect(hits.map((f) => f.id)).toEqual([c.rule]);
    expect(hits[0].severity).toBe('note');
    if (c.drift!.placed) {
      expect(notes.join('\n')).toMatch(/its hunks were placed where at least [12] lines? of context match/);
      expect(hits[0].confidence).toBe('low');
      // Said once, in the explanation: the message stays the finding's own.
      expect(hits[0].message).not.toMatch(/assumed/);
      expect(hits[0].explanation).toMatch(/What was assumed: the patch does not apply to .* as mailed; its hunks were placed/);
      expect(hits[0].basis?.unknown.join('\n')).toMatch(/git apply -C[12]/);
    } else {
      expect(notes.join('\n')).toMatch(/only its hunks were read \(not even with 1 line of context matching/);
      expect(hits[0].confidence).not.toBe('high');
    }
  });

  it('the fix stays quiet', async () => {
    const { findings } = await runOnOtherBase({ before: { [c.path]: c.bug }, after: { [c.path]: c.fix }, base: { [c.path]: driftOf(c, c.bug) } });
    expect(problems(findings)).toEqual([]);
  });
});

describe.each(RETOLD)('$id, the fix', (c) => {
  it('stays quiet (repository and mail)', async () => {
    expect(problems(await runLockCase({ before: { [c.path]: c.bug }, after: { [c.path]: c.fix } }))).toEqual([]);
    expect(problems((await runHunkOnly({ before: { [c.path]: c.bug }, after: { [c.path]: c.fix } })).findings)).toEqual([]);
  });
});
