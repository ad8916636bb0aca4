import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { filterFindings, idMatches } from '../../src/review/filter.js';
import { makeFile, makeFinding } from '../helpers/make-patch.js';

const file = makeFile('fs/btrfs/inode.c', 10, [' ctx', '+added', '-gone', ' ctx2', '+added2']);

describe('filterFindings', () => {
  it('keeps code findings only on lines the patch adds', () => {
    const onAdded = makeFinding({ id: 'lock/x', location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 11 } });
    const onContext = makeFinding({ id: 'lock/x', location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 10 } });
    const otherFile = makeFinding({ id: 'lock/x', location: { kind: 'file', path: 'fs/btrfs/other.c', line: 11 } });
    expect(filterFindings([onAdded, onContext, otherFile], [file], defaultConfig())).toEqual([onAdded]);
  });

  it('drops duplicates of the same problem at the same place', () => {
    const f = makeFinding();
    expect(filterFindings([f, { ...f }], [], defaultConfig())).toHaveLength(1);
  });

  it('honours enable, disable and severity overrides by id or prefix', () => {
    const a = makeFinding({ id: 'fixes/short-sha' });
    const b = makeFinding({ id: 'fixes/stable-cc', severity: 'note', location: { kind: 'message', line: 6 } });
    const c = makeFinding({ id: 'lock/reserve-under-page-lock', location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 13 } });
    const config = { ...defaultConfig(), disable: ['fixes/stable-cc'], severity: { 'fixes/short-sha': 'error' as const } };
    const out = filterFindings([a, b, c], [file], config);
    expect(out.map((f) => [f.id, f.severity])).toEqual([['fixes/short-sha', 'error'], ['lock/reserve-under-page-lock', 'warning']]);
    expect(filterFindings([a, b, c], [file], { ...defaultConfig(), enable: ['lock'] }).map((f) => f.id)).toEqual(['lock/reserve-under-page-lock']);
  });

  it('orders message findings by line, then code findings in diff order', () => {
    const late = makeFinding({ location: { kind: 'message', line: 9 } });
    const early = makeFinding({ id: 'fixes/style', location: { kind: 'message', line: 2 } });
    const code = makeFinding({ id: 'lock/x', location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 11 } });
    expect(filterFindings([code, late, early], [file], defaultConfig())).toEqual([early, late, code]);
  });

  it('drops a suggestion that would leave the line as it is, and keeps one that changes it', () => {
    const message = 'x: y\n\nFixes: 1234567890ab ("x: z")';
    const same = makeFinding({ id: 'fixes/stable-cc', location: { kind: 'message', line: 3 }, suggestion: 'Fixes: 1234567890ab ("x: z")' });
    const other = makeFinding({ location: { kind: 'message', line: 3 }, suggestion: 'Fixes: 1234567890ab ("x: w")' });
    const [a, b] = filterFindings([same, other], [], defaultConfig(), message);
    expect(a.suggestion).toBeUndefined();
    expect(b.suggestion).toBe('Fixes: 1234567890ab ("x: w")');
  });

  it('matches ids by whole path segments only', () => {
    expect(idMatches('fixes/short-sha', 'fixes')).toBe(true);
    expect(idMatches('fixes-tag/x', 'fixes')).toBe(false);
    expect(idMatches('fixes/short-sha', 'fixes/short')).toBe(false);
  });
});
