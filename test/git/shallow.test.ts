// A shallow clone as --repo: a Fixes: id older than the clone's boundary is not an error; the
// review says once, as a note, that the clone is shallow. Real clones over file://, the real CLI.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

const origin = new TestRepo();
const old = origin.commit('net: add the frob helper\n', { files: { 'net/frob.c': 'int frob(void) { return 0; }\n' } });
const older = origin.commit('net: make frob faster\n', { files: { 'net/frob.c': 'int frob(void) { return 1; }\n' } });
for (let i = 0; i < 5; i++) origin.commit(`net: tidy ${i}\n`, { files: { [`net/tidy${i}.c`]: `int t${i};\n` } });
const fix = origin.commit(
  [
    'net: fix the frob helper',
    '',
    'frob returned the wrong value.',
    '',
    `Fixes: ${old.slice(0, 12)} ("net: add the frob helper")`,
    `Fixes: ${older.slice(0, 12)} ("net: make frob faster")`,
    '',
  ].join('\n'),
  { files: { 'net/frob.c': 'int frob(void) { return 2; }\n' } },
);
const tmp = mkdtempSync(join(tmpdir(), 'kreview-shallow-'));
afterAll(() => {
  origin.remove();
  rmSync(tmp, { recursive: true, force: true });
});

function clone(name: string, depth: number | null): string {
  const dir = join(tmp, name);
  execFileSync('git', ['clone', '-q', ...(depth ? ['--depth', String(depth)] : []), `file://${origin.dir}`, dir]);
  return dir;
}

interface JsonFinding {
  id: string;
  severity: string;
  message: string;
}

function findings(repo: string): JsonFinding[] {
  const r = runCli(['review', '--repo', repo, '--checks', 'fixes', '-f', 'json', '--fail-on', 'never', 'HEAD^!'], {
    env: { KREVIEW_CACHE: join(tmp, `cache-${repo.split('/').pop()}`) },
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { series: { patches: { findings: JsonFinding[] }[] }[] };
  return doc.series.flatMap((s) => s.patches.flatMap((p) => p.findings));
}

describe('a shallow clone as --repo', () => {
  it('an id older than the boundary is a single note saying the clone is shallow, not an error', () => {
    const repo = clone('shallow', 3);
    expect(execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: repo, encoding: 'utf8' }).trim()).toBe('true');
    expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim()).toBe(fix);
    const f = findings(repo).filter((x) => x.id.startsWith('fixes/'));
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
    const shallow = f.filter((x) => /shallow/.test(x.message));
    expect(shallow).toHaveLength(1);
    expect(shallow[0]).toMatchObject({ id: 'fixes/unknown-sha', severity: 'note' });
  });

  it('the same ids in a full clone are found: no unknown-sha and no shallow note', () => {
    const repo = clone('full', null);
    const f = findings(repo);
    expect(f.filter((x) => x.id === 'fixes/unknown-sha')).toEqual([]);
    expect(f.filter((x) => /shallow/.test(x.message))).toEqual([]);
  });
});
