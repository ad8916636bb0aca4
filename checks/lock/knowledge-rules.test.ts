// The lock knowledge kept as rule data (test/c/knowledge-cases.ts) through the real check: one
// repository holds every case as its own file, one commit changes them all, and each file's
// findings must match its case, as in lock-rules.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import { runCaseTable } from '../../test/c/lock-harness.js';
import { KNOWLEDGE_CASES } from '../../test/c/knowledge-cases.js';

const casePath = (i: number): string => `${KNOWLEDGE_CASES[i].dir ?? 'fs/gadget'}/knowledge-${i}.c`;
const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.id !== 'lock/unparsed' && !/looks like a fix/.test(f.message));

describe('lock knowledge from the rule files, case by case', () => {
  let byPath = new Map<string, Finding[]>();
  let afterTexts = new Map<string, string>();

  beforeAll(async () => {
    ({ byPath, afterTexts } = await runCaseTable(KNOWLEDGE_CASES, casePath));
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
