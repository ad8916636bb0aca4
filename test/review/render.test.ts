import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/review/render-text.js';
import { renderJson } from '../../src/review/render-json.js';
import { renderSarif } from '../../src/review/render-sarif.js';
import { renderB4 } from '../../src/review/render-b4.js';
import { renderRdjsonl } from '../../src/review/render-rdjsonl.js';
import { makeFile, makeFinding, makePatch, makeReview } from '../helpers/make-patch.js';

const patch = makePatch({ files: [makeFile('fs/btrfs/inode.c', 40, [' \tlock_page(page);', '+\tret = btrfs_delalloc_reserve_space(inode, &r, s, PAGE_SIZE);'])] });
const fixes = makeFinding({ suggestion: 'Fixes: 1234567890ab ("btrfs: real subject")', explanation: 'The id has only 7 digits.' });
const lock = makeFinding({
  id: 'lock/reserve-under-page-lock',
  severity: 'error',
  message: 'btrfs_delalloc_reserve_space() called with the page locked',
  location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 41 },
  related: [{ label: 'page lock taken', location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 40 } }],
});
const review = makeReview(patch, [fixes, lock]);

describe('text output', () => {
  it('prints findings in the checkpatch shape with the quoted line and the suggestion', () => {
    const out = renderText([review], [], { colour: false, verbose: true });
    expect(out).toContain('WARNING: SHA1 should be at least 12 digits long [fixes/short-sha]\n#5: COMMIT MESSAGE:5:\nFixes: 1234567 ("x")\n');
    expect(out).toContain('  suggested: Fixes: 1234567890ab ("btrfs: real subject")');
    expect(out).toContain('ERROR: btrfs_delalloc_reserve_space() called with the page locked [lock/reserve-under-page-lock]\n#41: FILE: fs/btrfs/inode.c:41:\n+\tret = btrfs_delalloc_reserve_space');
    expect(out.trimEnd().split('\n').at(-1)).toBe('kreview: 1 patch reviewed, 1 errors, 1 warnings, 0 notes');
    expect(out).not.toContain('\x1b[');
  });

  it('colours only when asked, and --terse drops explanations', () => {
    expect(renderText([review], [], { colour: true, verbose: true })).toContain('\x1b[31m');
    expect(renderText([review], [], { colour: false, verbose: false })).not.toContain('The id has only 7 digits.');
  });

  it('lists input errors and counts them', () => {
    const out = renderText([review], ['cannot read x.mbox: no such file'], { colour: false, verbose: true });
    expect(out).toContain('error: cannot read x.mbox: no such file');
    expect(out).toMatch(/1 input error$/m);
  });
});

describe('JSON output', () => {
  it('lists every patch with id, subject, base and findings in the documented shape', () => {
    const clean = makeReview(makePatch({ id: 'other@example.org', subject: '[PATCH] clean' }), []);
    const j = JSON.parse(renderJson([review, clean], [], '9.9.9'));
    expect(j.schema).toBe('kreview-review');
    expect(j.version).toBe(1);
    expect(j.series).toHaveLength(2);
    const p = j.series[0].patches[0];
    expect(p).toMatchObject({ id: 'msg-1@example.org', subject: patch.subject, base: { source: 'head' } });
    expect(p.findings[0]).toMatchObject({ id: 'fixes/short-sha', severity: 'warning', location: { kind: 'message', line: 5 }, suggestion: 'Fixes: 1234567890ab ("btrfs: real subject")' });
    expect(p.findings[1].location).toEqual({ kind: 'file', path: 'fs/btrfs/inode.c', line: 41 });
    expect(j.series[1].patches[0].findings).toEqual([]);
    expect(j.summary).toEqual({ patches: 2, error: 1, warning: 1, note: 0, inputErrors: 0 });
  });
});

describe('SARIF output', () => {
  it('is SARIF 2.1.0 with stable rule ids, levels, regions and fingerprints', () => {
    const s = JSON.parse(renderSarif([review], [], '9.9.9'));
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['fixes/short-sha', 'lock/reserve-under-page-lock']);
    const code = run.results.find((r: { ruleId: string }) => r.ruleId === 'lock/reserve-under-page-lock');
    expect(code.level).toBe('error');
    expect(code.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'fs/btrfs/inode.c' }, region: { startLine: 41 } });
    expect(code.partialFingerprints['kreviewFinding/v1']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps a fingerprint when the same line moves', () => {
    const moved = makePatch({ files: [makeFile('fs/btrfs/inode.c', 90, [' \tlock_page(page);', '+\tret = btrfs_delalloc_reserve_space(inode, &r, s, PAGE_SIZE);'])] });
    const fp = (sarif: string) => JSON.parse(sarif).runs[0].results.find((r: { ruleId: string }) => r.ruleId.startsWith('lock/')).partialFingerprints;
    const a = fp(renderSarif([review], [], '1'));
    const b = fp(renderSarif([makeReview(moved, [{ ...lock, location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 91 } }])], [], '1'));
    expect(a).toEqual(b);
  });
});

describe('b4 and reviewdog output', () => {
  it('gives b4 one entry a patch with pass, warn or fail', () => {
    const warnOnly = makeReview(makePatch(), [fixes]);
    const clean = makeReview(makePatch(), []);
    const out = JSON.parse(renderB4([review, warnOnly, clean], []));
    expect(out.map((e: { status: string }) => e.status)).toEqual(['fail', 'warn', 'pass']);
    expect(out[0]).toMatchObject({ tool: 'kreview' });
    expect(out[0].details).toContain('ERROR: fs/btrfs/inode.c:41: btrfs_delalloc_reserve_space() called with the page locked [lock/reserve-under-page-lock]');
  });

  it('gives reviewdog code findings only, one JSON a line', () => {
    const lines = renderRdjsonl([review]).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ severity: 'ERROR', location: { path: 'fs/btrfs/inode.c', range: { start: { line: 41 } } }, code: { value: 'lock/reserve-under-page-lock' } });
  });
});
