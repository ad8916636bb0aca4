// Table and property tests of the pure Fixes: line parser.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isFixesLine, parseFixesLine } from './parse-line.js';

const SHA = '54a4f0239f2e';
const SUBJ = 'KVM: MMU: make kvm_mmu_zap_page() return the number of pages it actually freed';
const ids = (line: string) => parseFixesLine(line).problems.map((p) => p.id).sort();

describe('parseFixesLine: table', () => {
  const clean: [string, string, string][] = [
    [`Fixes: ${SHA} ("${SUBJ}")`, SHA, SUBJ],
    [`Fixes: 54a4f0239f2e0123456789 ("x")`, '54a4f0239f2e0123456789', 'x'],
    [`Fixes: ${SHA} ("Revert "foo: bar"")`, SHA, 'Revert "foo: bar"'],
    [`Fixes: ${SHA} ("foo: handle (a) and (b)")`, SHA, 'foo: handle (a) and (b)'],
    [`Fixes: ${SHA} ("foo: ...")`, SHA, 'foo: ...'],
    [`Fixes: ${SHA} ("foo")   `, SHA, 'foo'],
  ];
  it.each(clean)('%s parses clean', (line, sha, subject) => {
    const p = parseFixesLine(line);
    expect(p.problems).toEqual([]);
    expect(p.ids).toEqual([sha]);
    expect(p.subject).toBe(subject);
    expect(p.unterminated).toBe(false);
  });

  const invalid: [string, string[]][] = [
    ['Fixes: ("some subject")', ['fixes/no-sha']],
    ['Fixes: <abc...>', ['fixes/no-sha']],
    ['Fixes: the leak in the error path', ['fixes/no-sha']],
    ['Fixes:', ['fixes/no-sha']],
    ['Fixes: add a missing lock', ['fixes/no-sha']],
    ['Fixes: https://bugzilla.kernel.org/show_bug.cgi?id=12345', ['fixes/url']],
    ['Fixes: <https://github.com/foo/bar/issues/3>', ['fixes/url']],
    ['Fixes: bug 12345', ['fixes/url']],
    ['Fixes: #123', ['fixes/url']],
    [`Fixes: commit ${SHA} ("${SUBJ}")`, ['fixes/leading-word']],
    // A tree or branch before the id (seen on linux-nfs: a `<tree>/<branch> <id> ("...")` tag): the id is read.
    [`Fixes: cel/nfsd-testing ${SHA} ("${SUBJ}")`, ['fixes/leading-word']],
    [`Fixes: net-next: ${SHA} ("${SUBJ}")`, ['fixes/leading-word']],
    // Prose with a slash and no quoted subject after an id stays no tag.
    ['Fixes: and/or the leak in the error path', ['fixes/no-sha']],
    [`Fixes: ${SHA}`, ['fixes/missing-subject']],
    [`Fixes: ${SHA}: ("${SUBJ}")`, ['fixes/missing-space']],
    [`Fixes: ${SHA}, ("${SUBJ}")`, ['fixes/missing-space']],
    [`Fixes: ${SHA}i ("${SUBJ}")`, ['fixes/missing-space']],
    [`Fixes: ${SHA}("${SUBJ}")`, ['fixes/missing-space']],
    [`Fixes: 54a4f02 ("${SUBJ}")`, ['fixes/short-sha']],
    // All letters, yet an id: a quoted subject follows (a counterexample found by the property below).
    ['Fixes: bbfafddb ("net: a")', ['fixes/short-sha']],
    [`Fixes: ${SHA} ("KVM: MMU: make kvm_mmu_zap_page()`, ['fixes/split']],
    [`Fixes: ${SHA} ("KVM: MMU: make kvm_mmu_zap_page() return the`, ['fixes/split']],
    [`Fixes: ${SHA} "KVM: MMU: make`, ['fixes/split']],
    [`Fixes: ${SHA} "${SUBJ}"`, ['fixes/quoting']],
    [`Fixes: ${SHA} (${SUBJ})`, ['fixes/quoting']],
    [`Fixes: ${SHA} (“${SUBJ}”)`, ['fixes/quoting']],
    [`Fixes: ${SHA} ('${SUBJ}')`, ['fixes/quoting']],
    [`Fixes: ${SHA} ("KVM: MMU: make kvm_mmu_zap_page() return … freed")`, ['fixes/quoting']],
    [`Fixes: ${SHA} ${SUBJ}`, ['fixes/quoting']],
    [`fixes: ${SHA} ("${SUBJ}")`, ['fixes/style']],
    [`FIXES: ${SHA} ("${SUBJ}")`, ['fixes/style']],
    [`Fixes : ${SHA} ("${SUBJ}")`, ['fixes/style']],
    [`Fixes ${SHA} ("${SUBJ}")`, ['fixes/style']],
    [` Fixes: ${SHA} ("${SUBJ}")`, ['fixes/style']],
    [`Fixes:${SHA} ("${SUBJ}")`, ['fixes/style']],
    [`Fixes: 54A4F0239F2E ("${SUBJ}")`, ['fixes/style']],
    [`Fixes: ${SHA}, 1234567890ab ("${SUBJ}")`, ['fixes/style']],
    [`Fixes: ${SHA} ("${SUBJ}").`, ['fixes/style']],
    [`fixes: commit 54a4f02: "x"`, ['fixes/leading-word', 'fixes/missing-space', 'fixes/quoting', 'fixes/short-sha', 'fixes/style']],
  ];
  it.each(invalid)('%s -> %j', (line, want) => {
    expect(ids(line)).toEqual([...want].sort());
  });

  it('keeps the quoted subject of a mangled tag for the history checks', () => {
    expect(parseFixesLine(`Fixes: ${SHA} (“${SUBJ}”)`).subject).toBe(SUBJ);
    expect(parseFixesLine(`Fixes: ${SHA} ${SUBJ}`).subject).toBe(SUBJ);
    expect(parseFixesLine(`Fixes: ${SHA}, 1234567890ab ("x")`).ids).toEqual([SHA, '1234567890ab']);
    // The id after a tree or branch name is the one the history checks look up, with its subject.
    const branch = parseFixesLine(`Fixes: cel/nfsd-testing ${SHA} ("${SUBJ}")`);
    expect([branch.ids, branch.subject, branch.problems]).toEqual([[SHA], SUBJ, [{ id: 'fixes/leading-word', data: { word: 'cel/nfsd-testing' } }]]);
  });

  it('tells tags from prose', () => {
    expect(isFixesLine(`Fixes: ${SHA} ("x")`)).toBe(true);
    expect(isFixesLine(`Fixes ${SHA} ("x")`)).toBe(true);
    expect(isFixesLine('Fixes the leak in foo()')).toBe(false);
    expect(isFixesLine('Fixes deadbeef handling')).toBe(false);
    expect(isFixesLine('Fixes:')).toBe(true);
    expect(isFixesLine('Fixed-by: x')).toBe(false);
  });
});

describe('parseFixesLine: properties', () => {
  const hex = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max }).filter((s) => /\d/.test(s));
  const subject = fc
    .string({ minLength: 1, maxLength: 80, unit: 'grapheme' })
    .map((s) => s.replace(/[\u0000-\u001f\u007f…]/g, 'x').trim())
    .filter((s) => s.length > 0);
  const safeSubject = fc
    .string({ minLength: 1, maxLength: 60, unit: fc.constantFrom(...'abcdefghij klmnop:_-()0123') })
    .map((s) => `net: ${s.trim()}`);

  it('the canonical line always parses clean, keeping id and subject', () => {
    fc.assert(
      fc.property(hex(12, 40), subject, (sha, subj) => {
        const p = parseFixesLine(`Fixes: ${sha} ("${subj}")`);
        expect(p.problems).toEqual([]);
        expect(p.ids).toEqual([sha]);
        expect(p.subject).toBe(subj);
      }),
    );
  });

  const manglings: [string, string, (sha: string, s: string) => string][] = [
    ['short id', 'fixes/short-sha', (sha, s) => `Fixes: ${sha.slice(0, 8)} ("${s}")`],
    ['upper-case key', 'fixes/style', (sha, s) => `FIXES: ${sha} ("${s}")`],
    ['lower-case key', 'fixes/style', (sha, s) => `fixes: ${sha} ("${s}")`],
    ['no colon', 'fixes/style', (sha, s) => `Fixes ${sha} ("${s}")`],
    ['leading space', 'fixes/style', (sha, s) => `  Fixes: ${sha} ("${s}")`],
    ['no subject', 'fixes/missing-subject', (sha) => `Fixes: ${sha}`],
    ['leading word', 'fixes/leading-word', (sha, s) => `Fixes: commit ${sha} ("${s}")`],
    ['colon after id', 'fixes/missing-space', (sha, s) => `Fixes: ${sha}: ("${s}")`],
    ['glued paren', 'fixes/missing-space', (sha, s) => `Fixes: ${sha}("${s}")`],
    ['curly quotes', 'fixes/quoting', (sha, s) => `Fixes: ${sha} (“${s}”)`],
    ['no parentheses', 'fixes/quoting', (sha, s) => `Fixes: ${sha} "${s}"`],
    ['cut after the open quote', 'fixes/split', (sha, s) => `Fixes: ${sha} ("${s}`],
    ['url', 'fixes/url', () => 'Fixes: https://lore.kernel.org/r/x@y'],
    ['no id', 'fixes/no-sha', (_sha, s) => `Fixes: ("${s}")`],
  ];
  it.each(manglings)('%s yields %s', (_name, id, mangle) => {
    fc.assert(
      fc.property(hex(12, 40), safeSubject, (sha, s) => {
        expect(parseFixesLine(mangle(sha, s)).problems.map((p) => p.id)).toContain(id);
      }),
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
        const p = parseFixesLine(s);
        expect(Array.isArray(p.problems)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void parseFixesLine(`Fixes: ${s}`)), { numRuns: 2000 });
  });
});
