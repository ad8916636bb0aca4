// The check run's verdict and annotations from placed findings.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/types.js';
import type { PlacedFinding } from '../../src/app/placement.js';
import { annotationsOf, conclusionOf } from '../../src/app/publish.js';

const f = (severity: Finding['severity'], location: Finding['location'] = { kind: 'patch' }): Finding => ({ id: `x/${severity}`, severity, message: severity, location });
const placed = (finding: Finding, headLine: number | null): PlacedFinding => ({
  finding,
  patch: {} as PlacedFinding['patch'],
  key: finding.id,
  path: finding.location.kind === 'file' ? finding.location.path : null,
  headLine,
});

describe('conclusionOf', () => {
  it('fails at the threshold, is neutral for warnings below it, succeeds on notes or nothing', () => {
    expect(conclusionOf([], 'error')).toBe('success');
    expect(conclusionOf([f('note')], 'error')).toBe('success');
    expect(conclusionOf([f('note'), f('warning')], 'error')).toBe('neutral');
    expect(conclusionOf([f('warning'), f('error')], 'error')).toBe('failure');
    expect(conclusionOf([f('warning')], 'warning')).toBe('failure');
    expect(conclusionOf([f('note')], 'note')).toBe('failure');
  });
});

describe('annotationsOf', () => {
  it('annotates head lines with GitHub levels, and nothing that has no head line', () => {
    const a = annotationsOf([
      placed(f('error', { kind: 'file', path: 'a.c', line: 3 }), 5),
      placed(f('warning', { kind: 'file', path: 'a.c', line: 9 }), 9),
      placed(f('note', { kind: 'file', path: 'b.c', line: 1 }), 1),
      placed(f('error', { kind: 'file', path: 'a.c', line: 20 }), null),
      placed(f('error', { kind: 'message', line: 4 }), null),
    ]);
    expect(a.map((x) => [x.path, x.start_line, x.end_line, x.annotation_level])).toEqual([
      ['a.c', 5, 5, 'failure'],
      ['a.c', 9, 9, 'warning'],
      ['b.c', 1, 1, 'notice'],
    ]);
  });
});
