// The rule table (test/c/rule-cases.ts) run through the real check: one repository holds every
// case as its own file, one commit changes them all, and each file's findings must match its case.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runCaseTable } from '../../test/c/lock-harness.js';
import { RULE_CASES } from '../../test/c/rule-cases.js';

const casePath = (i: number): string => `${RULE_CASES[i].dir ?? 'fs/btrfs'}/case-${i}.c`;

describe('lock rules, case by case', () => {
  let byPath = new Map<string, Finding[]>();
  let afterTexts = new Map<string, string>();

  beforeAll(async () => {
    ({ byPath, afterTexts } = await runCaseTable(RULE_CASES, casePath));
  });

  RULE_CASES.forEach((c, i) => {
    it(c.name, () => {
      const findings = byPath.get(casePath(i)) ?? [];
      // Every lock finding but the "looks like a fix" notes: a guess is a note, but still a finding.
      const fixNote = (f: Finding): boolean => /looks like a fix/.test(f.message);
      const real = findings.filter((f) => !fixNote(f) && f.id !== 'lock/unparsed');
      expect(real.map((f) => f.id).sort(), JSON.stringify(findings, null, 1)).toEqual([...c.fire].sort());
      if (c.anchor) {
        const line = real[0].location.kind === 'file' ? real[0].location.line : 0;
        expect(afterTexts.get(casePath(i))!.split('\n')[line - 1]).toContain(c.anchor);
      }
      if (c.confidence) expect(real[0].confidence).toBe(c.confidence);
      if (c.note) expect(findings.filter(fixNote).map((f) => f.id)).toContain(c.note);
      for (const f of real) {
        expect(f.explanation).toBeTruthy();
        expect(f.message).not.toMatch(/\n/);
        // Only a finding that rests on the quoted code alone keeps the rule's severity.
        if (f.confidence !== 'high') expect(f.severity).toBe('note');
        expect(f.basis?.path.length).toBeGreaterThan(0);
      }
    });
  });
});
