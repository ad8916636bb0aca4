// History findings on a real repository (fixture-repo.ts): every history id with valid cases that
// must not produce it and invalid cases that must, with severity and the corrected line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixesConfig } from '../../src/core/config.js';
import type { Patch, Severity } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { HISTORY_IDS, type HistoryId } from './rules.js';
import { ALICE, BOB, buildFixture, type Fixture } from './fixture-repo.js';
import { commitPatch, message, messagePatch, runFixes } from './test-support.js';

let x: Fixture;
let history: History;

beforeAll(async () => {
  x = buildFixture();
  // A fix that lacks its Fixes: tag: it rewrites the line the frobnicator commit added.
  x.repo.git('checkout', '-q', '-b', 'missing', x.c.head);
  const foo = x.repo.git('show', `${x.c.head}:foo.c`) + '\n';
  const fixed = foo.replace('int foo5 = frob();', 'int foo5 = frob_safe();');
  x.c.noTag = x.repo.commit('foo: fix NULL pointer dereference in frob\n\nKASAN: null-ptr-deref in frob+0x12\nCall Trace:\n frob+0x12\n', { files: { 'foo.c': fixed } });
  x.c.noTagWeak = x.repo.commit('foo: avoid a deadlock in frob\n\nThe frob lock can deadlock against itself.\n', { files: { 'foo.c': foo.replace('int foo5 = frob();', 'int foo5 = frob_locked();') } });
  x.c.typo = x.repo.commit('foo: fix typo in comment\n\nThe comment mentions a use-after-free that is no longer there.\n', { files: { 'foo.c': foo } });
  x.c.tagged = x.repo.commit(`foo: fix the frobnicator\n\nKASAN: use-after-free in frob\n\n${x.line('bug')}\n`, { files: { 'foo.c': fixed } });
  // Fixes that lack a tag and remove lines of two commits: 3, 5, 7 (init owns two of three) and 5-6 (one range, two owners).
  const drop = (lines: number[]) => foo.split('\n').filter((_, i) => !lines.includes(i + 1)).join('\n');
  x.repo.git('checkout', '-q', '-b', 'missing-majority', x.c.head);
  x.c.majority = x.repo.commit('foo: fix a memory leak in frob\n\nKASAN: memory leak in foo_init\n', { files: { 'foo.c': drop([3, 5, 7]) } });
  x.repo.git('checkout', '-q', '-b', 'missing-even', x.c.head);
  x.c.even = x.repo.commit('foo: fix a memory leak in frob\n\nsyzbot reported a memory leak in foo_init\n', { files: { 'foo.c': drop([5, 6]) } });
  x.repo.git('checkout', '-q', 'master');
  history = await openHistory(x.repo.dir);
}, 120_000);

afterAll(async () => {
  await history?.close();
  x?.repo.remove();
});

interface Case {
  name: string;
  /** Trailer lines of a mail patch (default patch), or a patch built from the fixture. */
  tags?: (x: Fixture) => string[];
  patch?: (x: Fixture) => Patch;
  /** Base commit; default: master's head. */
  base?: (x: Fixture) => string | null;
  cfg?: Partial<FixesConfig>;
  /** Review without a repository. */
  noHistory?: boolean;
  severity?: Severity;
  suggestion?: (x: Fixture) => string;
  message?: string;
  evidence?: (x: Fixture) => string[];
}

const full = (name: string) => (f: Fixture) => [f.line(name)];
const abbrev = (f: Fixture, name: string) => f.repo.git('rev-parse', '--short=12', f.c[name]);

const TABLE: Record<HistoryId, { valid: Case[]; invalid: Case[] }> = {
  'fixes/unknown-sha': {
    valid: [{ name: 'existing commit', tags: full('bug') }],
    invalid: [
      { name: 'no such object', tags: () => ['Fixes: 0123456789ab ("nothing: like this")'], severity: 'error', message: 'Target SHA1 does not exist' },
      {
        name: 'mirror: same subject here under another id',
        tags: () => ['Fixes: 0123456789ab ("foo: add the frobnicator")'],
        severity: 'warning',
        message: 'does not exist in this repository',
        suggestion: (f) => f.line('bug'),
      },
      {
        name: 'typo: two digits of the right id swapped, so an error with the right line',
        tags: (f) => {
          const id = f.c.bug.slice(0, 12);
          const at = [...id].findIndex((c, i) => i > 0 && i < 11 && c !== id[i + 1]);
          return [`Fixes: ${id.slice(0, at)}${id[at + 1]}${id[at]}${id.slice(at + 2)} ("foo: add the frobnicator")`];
        },
        severity: 'error',
        message: 'Target SHA1 does not exist',
        suggestion: (f) => f.line('bug'),
      },
      {
        name: 'several with the subject: the one in the base is meant (master)',
        tags: () => ['Fixes: 0123456789ab ("up: add the up helper")'],
        suggestion: (f) => f.line('upstream'),
      },
      {
        name: 'several with the subject: the one in the base is meant (stable)',
        tags: () => ['Fixes: 0123456789ab ("up: add the up helper")'],
        base: (f) => f.c.backportX,
        suggestion: (f) => f.line('backportX'),
      },
    ],
  },
  'fixes/ambiguous-sha': {
    valid: [{ name: '12 digits', tags: full('amb1') }],
    invalid: [
      {
        name: 'two commits, the subject picks one',
        tags: (f) => [`Fixes: ${f.amb.twoCommits} ("${f.repo.subject(f.c.amb2)}")`],
        severity: 'warning',
        suggestion: (f) => f.line('amb2'),
      },
      { name: 'two commits, no way to tell', tags: (f) => [`Fixes: ${f.amb.twoCommits}`], message: 'is ambiguous (2 objects share it)' },
      { name: 'a commit and a blob', tags: (f) => [`Fixes: ${f.amb.commitBlob} ("whatever")`], suggestion: (f) => f.line('ambCommit') },
    ],
  },
  'fixes/not-a-commit': {
    valid: [{ name: 'a commit', tags: full('bug') }],
    invalid: [
      {
        name: 'a blob, subject of a commit',
        tags: (f) => [`Fixes: ${f.c.blob.slice(0, 12)} ("foo: add the frobnicator")`],
        severity: 'error',
        message: 'is a blob, not a commit',
        suggestion: (f) => f.line('bug'),
      },
      { name: 'a tree', tags: (f) => [`Fixes: ${f.c.tree.slice(0, 12)} ("x: y")`], message: 'is a tree' },
    ],
  },
  'fixes/subject-mismatch': {
    valid: [
      { name: 'exact', tags: full('bug') },
      { name: 'lenient prefix', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the frob")`] },
      { name: 'lenient elision in the middle', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: ... frobnicator")`] },
      { name: 'lenient elision at the end', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add...")`] },
      { name: 'lenient elision at the start', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("...the frobnicator")`] },
      { name: 'curly quotes are a quoting problem only', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} (“foo: add the frobnicator”)`] },
      { name: 'a split tag is reported as split only', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the`, 'frobnicator")'] },
      { name: 'white space around the subject', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} (" foo: add the frobnicator ")`] },
      { name: 'strict exact', tags: full('bug'), cfg: { subjectMode: 'strict' } },
    ],
    invalid: [
      {
        name: 'another subject',
        tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: remove the frobnicator")`],
        severity: 'warning',
        message: 'Subject does not match target commit subject',
        suggestion: (f) => f.line('bug'),
      },
      {
        name: 'the subject of another commit',
        tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("qux: add qux")`],
        evidence: (f) => [`${abbrev(f, 'bug')} ("foo: add the frobnicator")`, `${abbrev(f, 'fixed')} ("qux: add qux")`],
      },
      { name: 'strict prefix', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the frob")`], cfg: { subjectMode: 'strict' } },
      { name: 'strict elision', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: ... frobnicator")`], cfg: { subjectMode: 'strict' } },
    ],
  },
  'fixes/subject-truncated': {
    valid: [
      { name: 'exact', tags: full('bug') },
      { name: 'elided with ...', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the...")`] },
      { name: 'strict mode calls it a mismatch', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the frob")`], cfg: { subjectMode: 'strict' } },
    ],
    invalid: [
      { name: 'cut short', tags: (f) => [`Fixes: ${abbrev(f, 'bug')} ("foo: add the frob")`], severity: 'note', suggestion: (f) => f.line('bug') },
    ],
  },
  'fixes/not-ancestor': {
    valid: [
      { name: 'an ancestor', tags: full('bug') },
      { name: 'a commit in a range: its parent is the base', patch: (f) => commitPatch(f.repo, f.c.fixer), base: (f) => f.c.fixed },
    ],
    invalid: [
      { name: 'unmerged side branch', tags: full('side'), severity: 'error', message: 'Target is not an ancestor of this commit', suggestion: (f) => f.line('side') },
      {
        name: 'backport cherry-picked with -x',
        tags: full('upstream'),
        base: (f) => f.c.backportX,
        severity: 'note',
        message: 'but its backport',
        evidence: (f) => [`${abbrev(f, 'upstream')} ("up: add the up helper")`, `${abbrev(f, 'backportX')} ("up: add the up helper")`],
      },
      { name: 'backport with the same patch-id', tags: full('upstream'), base: (f) => f.c.backportSame, severity: 'note', message: 'but its backport' },
      {
        name: 'the stable id of a change that is upstream here: the same patch, a note',
        tags: full('backportX'),
        severity: 'note',
        evidence: (f) => [`${abbrev(f, 'backportX')} ("up: add the up helper")`, `${abbrev(f, 'upstream')} ("up: add the up helper")`],
      },
    ],
  },
  'fixes/target-merge': {
    valid: [{ name: 'a plain commit', tags: full('bug') }],
    invalid: [{ name: 'a merge', tags: full('merge'), severity: 'warning', suggestion: (f) => f.line('merge') }],
  },
  'fixes/target-revert': {
    valid: [{ name: 'a plain commit', tags: full('bug') }],
    invalid: [
      {
        name: 'a revert',
        tags: full('revert'),
        severity: 'note',
        evidence: (f) => [`${abbrev(f, 'revert')} ("Revert "zap: add zap"")`, `${abbrev(f, 'reverted')} ("zap: add zap")`],
      },
    ],
  },
  'fixes/target-reverted': {
    valid: [
      { name: 'never reverted', tags: full('bug') },
      { name: 'reverted only after the base', tags: full('reverted'), base: (f) => f.c.reverted },
    ],
    invalid: [{ name: 'reverted', tags: full('reverted'), severity: 'warning', suggestion: (f) => f.line('reverted'), message: 'was reverted by' }],
  },
  'fixes/already-fixed': {
    valid: [
      { name: 'nobody fixed it yet', tags: full('bug') },
      { name: 'the fix comes after the base', tags: full('fixed'), base: (f) => f.c.fixed },
      { name: 'the fix itself, reviewed as a commit', patch: (f) => commitPatch(f.repo, f.c.fixer), base: (f) => f.c.fixed },
    ],
    invalid: [
      { name: 'fixed before', tags: full('fixed'), severity: 'note', evidence: (f) => [`${abbrev(f, 'fixer')} ("qux: fix qux")`], suggestion: (f) => f.line('fixed') },
    ],
  },
  'fixes/stable-cc': {
    valid: [
      { name: 'Cc: stable with a version', tags: (f) => [f.line('bug'), 'Cc: stable@vger.kernel.org # 1.0+'] },
      { name: 'Cc: <stable> with brackets', tags: (f) => [f.line('bug'), 'Cc: <stable@vger.kernel.org> # v1.0+'] },
      { name: 'stable+noautosel opt-out', tags: (f) => [f.line('bug'), 'Cc: <stable+noautosel@kernel.org> # needs the new API'] },
      { name: 'stable in the mail Cc', patch: (f) => messagePatch(message([f.line('bug')]), { cc: [{ name: '', email: 'stable@vger.kernel.org' }] }) },
      { name: 'only in a release candidate', tags: full('rcOnly') },
      { name: 'the target was reverted since', tags: full('reverted') },
      { name: 'not in any release before the base', tags: full('fixed'), base: (f) => f.c.fixer },
    ],
    invalid: [
      { name: 'in v1.0, no Cc', tags: full('bug'), severity: 'note', message: 'Is it candidate for Cc: stable backport? (the fixed commit is in v1.0)', suggestion: (f) => f.line('bug') },
      { name: 'Cc of another address', tags: (f) => [f.line('bug'), 'Cc: stable-team@example.org'] },
      { name: 'first in an -rc, the final release is in the base', tags: full('rcFinal'), message: '(the fixed commit is in v1.3)' },
    ],
  },
  'fixes/missing': {
    valid: [
      { name: 'a fix with its tag', patch: (f) => commitPatch(f.repo, f.c.tagged), base: (f) => f.c.typo },
      { name: 'a typo fix', patch: (f) => commitPatch(f.repo, f.c.typo), base: (f) => f.c.noTagWeak },
      { name: 'no bug words', tags: () => [] },
    ],
    invalid: [
      {
        name: 'KASAN report, blame suggests the commit',
        patch: (f) => commitPatch(f.repo, f.c.noTag),
        base: (f) => f.c.head,
        severity: 'warning',
        message: "perhaps it also needs a 'Fixes:' tag?",
        suggestion: (f) => f.line('bug'),
      },
      { name: 'deadlock only: a note, no blame', patch: (f) => commitPatch(f.repo, f.c.noTagWeak), severity: 'note', suggestion: () => '' },
      { name: 'lines of two commits: the clear majority is suggested', patch: (f) => commitPatch(f.repo, f.c.majority), suggestion: (f) => f.line('init') },
      { name: 'one range shared by two commits: no suggestion', patch: (f) => commitPatch(f.repo, f.c.even), suggestion: () => '' },
      { name: 'without history, no suggestion', patch: (f) => commitPatch(f.repo, f.c.noTag), noHistory: true, severity: 'warning', suggestion: () => '' },
    ],
  },
  'fixes/upstream-id': {
    valid: [{ name: 'not a mirror: an id that is nowhere is unknown', tags: () => ['Fixes: 0123456789ab ("nothing: like this")'] }],
    invalid: [
      {
        name: 'a mirror (pinned): one note for the ids that are not here',
        tags: () => ['Fixes: 0123456789ab ("nothing: like this")', 'Fixes: 123456789abc ("nor: this")'],
        cfg: { mirror: 'yes' },
        severity: 'note',
        message: '(0123456789ab, 123456789abc): not checked here',
      },
    ],
  },
  'fixes/author-not-cced': {
    valid: [
      { name: 'author in Cc', patch: (f) => messagePatch(message([f.line('bug')]), { cc: [BOB] }) },
      { name: 'author in To', patch: (f) => messagePatch(message([f.line('bug')]), { to: [BOB] }) },
      { name: 'Cc: trailer', patch: (f) => messagePatch(message([f.line('bug'), `Cc: ${BOB.name} <${BOB.email}>`]), { to: [ALICE] }) },
      { name: 'a commit, not a mail', patch: (f) => commitPatch(f.repo, f.c.fixer), base: (f) => f.c.fixed },
    ],
    invalid: [
      {
        name: 'author of the fixed commit left out',
        patch: (f) => messagePatch(message([f.line('bug')]), { to: [ALICE] }),
        severity: 'note',
        message: `Blamed author not CCed: ${BOB.name} <${BOB.email}>`,
      },
    ],
  },
};

async function run(c: Case) {
  const patch = c.patch ? c.patch(x) : messagePatch(message(c.tags ? c.tags(x) : []));
  const base = c.base ? c.base(x) : x.c.head;
  return runFixes(patch, c.noHistory ? null : history, base, c.cfg);
}

describe.each(HISTORY_IDS.map((id) => [id] as const))('%s', (id) => {
  const { valid, invalid } = TABLE[id];
  it.each(valid.map((c) => [c.name, c] as const))('valid: %s', async (_n, c) => {
    const f = await run(c);
    expect(f.filter((y) => y.id === id), JSON.stringify(f, null, 1)).toEqual([]);
  });
  it.each(invalid.map((c) => [c.name, c] as const))('invalid: %s', async (_n, c) => {
    const f = await run(c);
    const hit = f.filter((y) => y.id === id);
    expect(hit, JSON.stringify(f, null, 1)).toHaveLength(1);
    if (c.severity) expect(hit[0].severity).toBe(c.severity);
    if (c.message) expect(hit[0].message).toContain(c.message);
    if (c.suggestion) expect(hit[0].suggestion ?? '').toBe(c.suggestion(x));
    if (c.evidence) expect(hit[0].evidence).toEqual(c.evidence(x));
    expect(hit[0].message).not.toMatch(/\{\w+\}/);
  });
});

describe('hostile and odd tags', () => {
  it.each([
    ['an option', 'Fixes: --output=/tmp/x ("x")'],
    ['a shell command', 'Fixes: $(reboot) ("x")'],
    ['a revision expression', 'Fixes: HEAD~1 ("x")'],
    ['control characters', 'Fixes: \u0007\u001b[31m ("x")'],
  ])('%s is "No SHA1 recognised" and reaches no git', async (_n, tag) => {
    const f = await runFixes(messagePatch(message([tag])), history, x.c.head);
    expect(f.map((y) => y.id)).toEqual(['fixes/no-sha']);
  });
});

describe('remarks about the whole patch come once', () => {
  it('two fixed commits by two authors left out of Cc: one note naming both', async () => {
    const f = await runFixes(messagePatch(message([x.line('bug'), x.line('init')]), { to: [{ name: 'T', email: 't@example.org' }] }), history, x.c.head);
    const notes = f.filter((y) => y.id === 'fixes/author-not-cced');
    expect(notes).toHaveLength(1);
    expect(notes[0].message).toBe(`Blamed author not CCed: ${BOB.name} <${BOB.email}>, ${ALICE.name} <${ALICE.email}>`);
    expect(notes[0].suggestion).toBe(`${x.line('bug')}\n${x.line('init')}`);
  });
});

describe('the corrected line and the cited commits', () => {
  it('every finding about a known target suggests its canonical line and cites sha12 ("subject")', async () => {
    const tags = [`fixes: commit ${x.c.merge.slice(0, 8)}: "Merge"`];
    const f = await runFixes(messagePatch(message(tags)), history, x.c.head);
    expect(f.map((y) => y.id).sort()).toEqual(
      ['fixes/leading-word', 'fixes/missing-space', 'fixes/quoting', 'fixes/short-sha', 'fixes/style', 'fixes/subject-truncated', 'fixes/target-merge', 'fixes/author-not-cced', 'fixes/stable-cc'].sort(),
    );
    for (const y of f) expect(y.suggestion).toBe(x.line('merge'));
    for (const y of f) for (const e of y.evidence ?? []) expect(e).toMatch(/^[0-9a-f]{12,} \(".*"\)$/);
  });
  it('a clean tag on a clean history says nothing', async () => {
    const f = await runFixes(messagePatch(message([x.line('upstream'), 'Cc: stable@vger.kernel.org']), { cc: [{ name: 'T', email: 'author@example.org' }] }), history, x.c.head);
    expect(f).toEqual([]);
  });
  it('the same commit under two ids is a duplicate, and its history is told once', async () => {
    const f = await runFixes(messagePatch(message([x.line('fixed'), `Fixes: ${x.c.fixed.slice(0, 14)} ("qux: add qux")`])), history, x.c.head);
    expect(f.filter((y) => y.id === 'fixes/duplicate').map((y) => y.location)).toEqual([{ kind: 'message', line: 6 }]);
    expect(f.filter((y) => y.id === 'fixes/already-fixed')).toHaveLength(1);
  });
});
