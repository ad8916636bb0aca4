// Format findings of whole messages, without history: each id's valid and invalid cases
// (RuleTester style), wrapped tags, placement in the message and below the `---` line.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultConfig } from '../../src/core/config.js';
import { findFixesTags } from './find-tags.js';
import { FORMAT_IDS, type FormatId } from './rules.js';
import { message, messagePatch, runFixes } from './test-support.js';

const GOOD = 'Fixes: 54a4f0239f2e ("KVM: MMU: make kvm_mmu_zap_page() return the number of pages it actually freed")';

interface Case {
  name: string;
  msg: string;
  notes?: string;
  placement?: 'trailer-block' | 'anywhere-above-fold';
  line?: number;
  severity?: 'error' | 'warning' | 'note';
}

const TABLE: Record<FormatId, { valid: Case[]; invalid: Case[] }> = {
  'fixes/no-sha': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }, { name: 'prose "Fixes the" line', msg: message([], 'Fixes the leak in the error path.') }],
    invalid: [
      { name: 'subject only', msg: message(['Fixes: ("foo: bar")']), line: 5, severity: 'error' },
      { name: 'placeholder', msg: message(['Fixes: <abc...>']) },
      { name: 'prose after Fixes:', msg: message(['Fixes: the leak in the error path']) },
    ],
  },
  'fixes/url': {
    valid: [{ name: 'Link: tag', msg: message([GOOD, 'Link: https://bugzilla.kernel.org/show_bug.cgi?id=1']) }],
    invalid: [
      { name: 'bugzilla URL', msg: message(['Fixes: https://bugzilla.kernel.org/show_bug.cgi?id=1']), severity: 'error' },
      { name: 'bug number', msg: message(['Fixes: bug 12345']) },
    ],
  },
  'fixes/leading-word': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }, { name: 'commit in the subject', msg: message(['Fixes: 54a4f0239f2e ("commit foo")']) }],
    invalid: [{ name: 'commit word', msg: message([GOOD.replace('Fixes: ', 'Fixes: commit ')]), severity: 'warning' }],
  },
  'fixes/missing-subject': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }],
    invalid: [{ name: 'id only', msg: message(['Fixes: 54a4f0239f2e']), line: 5 }],
  },
  'fixes/missing-space': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }],
    invalid: [
      { name: 'colon', msg: message([GOOD.replace('2e (', '2e: (')]) },
      { name: 'comma', msg: message([GOOD.replace('2e (', '2e, (')]) },
      { name: 'junk letter', msg: message([GOOD.replace('2e (', '2ei (')]) },
      { name: 'glued parenthesis', msg: message([GOOD.replace('2e (', '2e(')]) },
    ],
  },
  'fixes/short-sha': {
    valid: [{ name: '12 digits', msg: message([GOOD]) }, { name: '40 digits', msg: message(['Fixes: 54a4f0239f2e54a4f0239f2e54a4f0239f2e1234 ("x")']) }],
    invalid: [{ name: '7 digits', msg: message(['Fixes: 54a4f02 ("KVM: MMU: x")']), severity: 'warning' }],
  },
  'fixes/split': {
    valid: [{ name: 'one long line', msg: message([GOOD]) }],
    invalid: [
      {
        name: 'wrapped inside the subject',
        msg: message(['Fixes: 54a4f0239f2e ("KVM: MMU: make kvm_mmu_zap_page() return the number', 'of pages it actually freed")']),
        line: 5,
        severity: 'error',
      },
      { name: 'wrapped before the parenthesis', msg: message(['Fixes: 54a4f0239f2e', '("KVM: MMU: make kvm_mmu_zap_page()")']), line: 5 },
      { name: 'continuation indented', msg: message(['Fixes: 54a4f0239f2e ("KVM: MMU: make', '  kvm_mmu_zap_page() return the number of pages it actually freed")']) },
      { name: 'cut, never closed', msg: message(['Fixes: 54a4f0239f2e ("KVM: MMU: make kvm_mmu_zap_page()']) },
    ],
  },
  'fixes/quoting': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }, { name: 'ascii ellipsis', msg: message(['Fixes: 54a4f0239f2e ("KVM: MMU: make ...")']) }],
    invalid: [
      { name: 'quotes only', msg: message(['Fixes: 54a4f0239f2e "KVM: MMU: x"']) },
      { name: 'parentheses only', msg: message(['Fixes: 54a4f0239f2e (KVM: MMU: x)']) },
      { name: 'curly quotes', msg: message(['Fixes: 54a4f0239f2e (“KVM: MMU: x”)']) },
      { name: 'single quotes', msg: message(["Fixes: 54a4f0239f2e ('KVM: MMU: x')"]) },
      { name: 'ellipsis character', msg: message(['Fixes: 54a4f0239f2e ("KVM: MMU: make … freed")']) },
    ],
  },
  'fixes/style': {
    valid: [{ name: 'canonical', msg: message([GOOD]) }],
    invalid: [
      { name: 'lower case', msg: message([GOOD.replace('Fixes', 'fixes')]) },
      { name: 'upper case', msg: message([GOOD.replace('Fixes', 'FIXES')]) },
      { name: 'space before colon', msg: message([GOOD.replace('Fixes:', 'Fixes :')]) },
      { name: 'no colon', msg: message([GOOD.replace('Fixes:', 'Fixes')]) },
      { name: 'upper-case hex', msg: message([GOOD.replace('54a4f0239f2e', '54A4F0239F2E')]) },
      { name: 'two ids', msg: message(['Fixes: 54a4f0239f2e, 1234567890ab ("x")']) },
    ],
  },
  'fixes/placement': {
    valid: [
      { name: 'in the trailer block', msg: message([GOOD]) },
      { name: 'own paragraph, anywhere allowed', msg: message([], `Body.\n\n${GOOD}`), placement: 'anywhere-above-fold' },
      { name: 'indented quotation in the body is not a tag', msg: message([GOOD], `Like the commit before:\n\n    ${GOOD}\n\nthis one fixes it.`) },
      { name: 'change log mentions Fixes: in prose', msg: message([GOOD]), notes: 'v2:\n - Fixes: tag added\n' },
    ],
    invalid: [
      { name: 'empty lines around it', msg: `foo: fix\n\nBody.\n\n${GOOD}\n\nSigned-off-by: A <a@example.org>\n`, line: 5, severity: 'warning' },
      { name: 'below ---', msg: message([]), notes: `${GOOD}\n\nv2: rebased\n`, severity: 'error' },
    ],
  },
  'fixes/duplicate': {
    valid: [{ name: 'two targets', msg: message([GOOD, 'Fixes: 1234567890ab ("x")']) }],
    invalid: [
      { name: 'same id twice', msg: message([GOOD, GOOD]), line: 6 },
      { name: 'shorter id of the same commit', msg: message([GOOD, 'Fixes: 54a4f0239f2e9 ("KVM: MMU: x")']), line: 6 },
    ],
  },
};

describe.each(FORMAT_IDS.map((id) => [id] as const))('%s', (id) => {
  const { valid, invalid } = TABLE[id];
  it.each(valid.map((c) => [c.name, c] as const))('valid: %s', async (_n, c) => {
    const f = await runFixes(messagePatch(c.msg, { notes: c.notes }), null, null, c.placement ? { placement: c.placement } : {});
    expect(f.map((x) => x.id)).not.toContain(id);
  });
  it.each(invalid.map((c) => [c.name, c] as const))('invalid: %s', async (_n, c) => {
    const f = await runFixes(messagePatch(c.msg, { notes: c.notes }), null, null, c.placement ? { placement: c.placement } : {});
    const hit = f.filter((x) => x.id === id);
    expect(hit, JSON.stringify(f)).toHaveLength(1);
    if (c.line !== undefined) expect(hit[0].location).toEqual({ kind: 'message', line: c.line });
    if (c.severity) expect(hit[0].severity).toBe(c.severity);
    expect(hit[0].message).toMatch(/\S/);
    expect(hit[0].message).not.toContain('{');
  });
});

describe('wrapped tags', () => {
  it('a split Fixes tag is reported once, not as a subject or quoting problem', async () => {
    const msg = message(['Fixes: 54a4f0239f2e ("KVM: MMU: make kvm_mmu_zap_page() return', 'the number of pages it actually freed")']);
    const f = await runFixes(messagePatch(msg), null, null);
    expect(f.map((x) => x.id)).toEqual(['fixes/split']);
    expect(f[0].message).toContain('Please do not split Fixes tags over more than one line');
  });
  it('a tag cut without a continuation says the subject has no trailing quotes', async () => {
    const f = await runFixes(messagePatch(message(['Fixes: 54a4f0239f2e ("KVM: MMU: make'])), null, null);
    expect(f.map((x) => x.message)).toEqual(['Fixes tag: Subject has leading but no trailing parentheses / quotes']);
  });
  it('the tag after a wrapped one is read on its own', async () => {
    const msg = message(['Fixes: 54a4f0239f2e ("KVM: MMU: make', 'kvm_mmu_zap_page()")', 'Fixes: 1234567 ("x")']);
    const f = await runFixes(messagePatch(msg), null, null);
    expect(f.map((x) => [x.id, x.location])).toEqual([
      ['fixes/split', { kind: 'message', line: 5 }],
      ['fixes/short-sha', { kind: 'message', line: 7 }],
    ]);
  });
  it('the summary line "Fixes: ..." is a subject, not a tag', async () => {
    const f = await runFixes(messagePatch('Fixes: the frobnicator\n\nBody.\n\nSigned-off-by: A <a@example.org>\n'), null, null);
    expect(f).toEqual([]);
  });
});

describe('findFixesTags: properties', () => {
  const cfg = defaultConfig().fixes;
  const line = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom('', 'Fixes:', 'Fixes: (', 'Fixes: 1234567890ab ("', '")', '(', 'Signed-off-by: A <a@b>', '    Fixes: 1234567'),
    fc.string({ maxLength: 60 }).map((s) => `Fixes: ${s}`),
  );
  it('never throws, and every tag it reports lies inside the message', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.array(line, { maxLength: 4 }), (lines, notes) => {
        const msg = ['subject', '', ...lines].join('\n');
        const tags = findFixesTags(messagePatch(msg, { notes: notes.join('\n') }), cfg);
        for (const t of tags) {
          if (t.line !== null) expect(t.line).toBeGreaterThanOrEqual(2);
          if (t.line !== null) expect(t.line + t.span - 1).toBeLessThanOrEqual(msg.split('\n').length);
          expect(t.problems.filter((p) => p.id === 'fixes/split').length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
