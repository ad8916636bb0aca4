// The lock knowledge kept as rule data (test/c/knowledge-cases.ts) through the real check: one
// repository holds every case as its own file, one commit changes them all, and each file's
// findings must match its case, as in lock-rules.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runLockCase } from '../../test/c/lock-harness.js';
import { KNOWLEDGE_CASES } from '../../test/c/knowledge-cases.js';
import { caseTexts } from '../../test/c/rule-cases.js';

const casePath = (i: number): string => `${KNOWLEDGE_CASES[i].dir ?? 'fs/gadget'}/knowledge-${i}.c`;
const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/.test(f.message));

describe('lock knowledge from the rule files, case by case', () => {
  const byPath = new Map<string, Finding[]>();
  const afterTexts = new Map<string, string>();

  beforeAll(async () => {
    const before: Record<string, string> = {};
    const after: Record<string, string> = {};
    KNOWLEDGE_CASES.forEach((c, i) => {
      const t = caseTexts(c.code, `case_${i}`);
      before[casePath(i)] = t.before;
      after[casePath(i)] = t.after;
      afterTexts.set(casePath(i), t.after);
    });
    for (const f of await runLockCase({ before, after })) {
      const path = f.location.kind === 'file' ? f.location.path : '(patch)';
      byPath.set(path, [...(byPath.get(path) ?? []), f]);
    }
  });

  KNOWLEDGE_CASES.forEach((c, i) => {
    it(c.name, () => {
      const real = problems(byPath.get(casePath(i)) ?? []);
      expect(real.map((f) => f.id).sort(), JSON.stringify(real, null, 1)).toEqual([...c.fire].sort());
      if (c.anchor) {
        const line = real[0].location.kind === 'file' ? real[0].location.line : 0;
        expect(afterTexts.get(casePath(i))!.split('\n')[line - 1]).toContain(c.anchor);
      }
    });
  });
});
