// History-wide remarks over a long range of commits: one summary per id with the first few, and
// --verbose for every one of them with its commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

let repo: TestRepo;
let target: string;
const FIXES = 25;

beforeAll(() => {
  repo = new TestRepo();
  target = repo.commit('ext4: add the overhead cache\n\nSigned-off-by: A <a@example.org>\n', { files: { 'a.c': 'int a;\n' } });
  repo.tag('v6.1');
  // Each fixes the released commit again, none asks for stable: a stable and an already-fixed remark each.
  for (let i = 0; i < FIXES; i++) repo.commit(`ext4: fix the overhead cache, part ${i}\n\nWrong.\n\n${repo.fixesLine(target)}\nSigned-off-by: A <a@example.org>\n`, { files: { 'a.c': `int a${i};\n` } });
});

afterAll(() => repo.remove());

interface Report {
  series: { patches: { id: string; findings: { id: string }[] }[] }[];
  grouped?: { id: string; severity: string; count: number; examples: { patch: string; subject: string; message: string }[] }[];
}

describe('a long range', () => {
  it('summarises the stable and already-fixed remarks: a count and three examples, none left on the commits', () => {
    const r = runCli(['review', '--repo', repo.dir, `${target}..HEAD`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    const ids = report.series.flatMap((s) => s.patches.flatMap((p) => p.findings.map((f) => f.id)));
    expect(ids).toEqual([]);
    expect(report.grouped?.map((g) => [g.id, g.count, g.examples.length])).toEqual([
      ['fixes/stable-cc', FIXES, 3],
      ['fixes/already-fixed', FIXES - 1, 3],
    ]);
    expect(report.grouped?.[0].examples[0].subject).toBe('ext4: fix the overhead cache, part 0');
    expect(r.code).toBe(0);
  });

  it('--verbose keeps each remark on its commit', () => {
    const report = JSON.parse(runCli(['review', '--repo', repo.dir, `${target}..HEAD`, '--format', 'json', '--verbose']).stdout) as Report;
    const ids = report.series.flatMap((s) => s.patches.flatMap((p) => p.findings.map((f) => f.id)));
    expect(ids.filter((i) => i === 'fixes/stable-cc')).toHaveLength(FIXES);
    expect(report.grouped).toBeUndefined();
  });

  it('the terminal shows the summary above the total, and --fail-on note still counts the summarised notes', () => {
    const r = runCli(['review', '--repo', repo.dir, `${target}..HEAD`, '--fail-on', 'note']);
    expect(r.stdout).toContain(`  fixes/stable-cc: ${FIXES} notes, for example`);
    expect(r.code).toBe(1);
  });

  it('a short range keeps its remarks on the commits', () => {
    const report = JSON.parse(runCli(['review', '--repo', repo.dir, 'HEAD~2..HEAD', '--format', 'json']).stdout) as Report;
    expect(report.series.flatMap((s) => s.patches.flatMap((p) => p.findings.map((f) => f.id)))).toContain('fixes/stable-cc');
    expect(report.grouped).toBeUndefined();
  });
});
