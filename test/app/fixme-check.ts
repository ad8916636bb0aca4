// A small real check for the app's tests: one finding per added line that says FIXME, on that
// line, so tests control exactly which lines of the PR diff carry findings.
import type { Check } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';

export const fixmeCheck: Check = {
  id: 'test',
  description: 'added lines that say FIXME',
  async run(ctx) {
    const out: Finding[] = [];
    for (const f of await ctx.workspace.files()) {
      for (const h of f.hunks) {
        for (const l of h.lines) {
          if (l.kind !== 'add' || !l.text.includes('FIXME') || !f.newPath || l.newLine === null) continue;
          out.push({
            id: 'test/fixme',
            severity: 'warning',
            message: `unfinished: ${l.text.trim()}`,
            location: { kind: 'file', path: f.newPath, line: l.newLine },
            explanation: 'Is this meant to be finished before it is merged?',
          });
        }
      }
    }
    return out;
  },
};
