// A repository with no history (an unpacked release committed once, like Debian's linux-source)
// as --repo: a Fixes: id not in it may be from before the import, so it is one note saying the
// history is missing, never a sure "does not exist" per tag. The same ids against a repository
// whose history is its own (a small project started from scratch) stay errors. Real git, the real CLI.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-imported-'));
const repos: TestRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** The unpacked tree, added with one `git add` as an import would be, in one commit with `extra`. */
function importedTree(files: number, extra: Record<string, string>): TestRepo {
  const r = new TestRepo();
  repos.push(r);
  for (let i = 0; i < files; i++) {
    const dir = join(r.dir, 'drivers', 'misc', `part${Math.floor(i / 100)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file${i}.c`), `int part${i};\n`);
  }
  r.git('add', '-A');
  r.commit('linux-source-6.1 (Debian package, unpacked)\n', { files: extra });
  return r;
}

/** A root commit with `files` files, then a fix naming two commits that are not in this history. */
function repoWith(files: number): TestRepo {
  const r = importedTree(files, { 'net/frob.c': 'int frob(void) { return 1; }\n' });
  r.commit(
    [
      'net: fix the frob helper',
      '',
      'frob returned the wrong value.',
      '',
      'Fixes: 1f2e3d4c5b6a ("net: add the frob helper")',
      'Fixes: 0a1b2c3d4e5f ("net: make frob faster")',
      '',
    ].join('\n'),
    { files: { 'net/frob.c': 'int frob(void) { return 2; }\n' } },
  );
  return r;
}

interface JsonFinding {
  id: string;
  severity: string;
  message: string;
}

function findings(repo: TestRepo, name: string): JsonFinding[] {
  const r = runCli(['review', '--repo', repo.dir, '--checks', 'fixes', '-f', 'json', '--fail-on', 'never', 'HEAD^!'], {
    env: { KREVIEW_CACHE: join(tmp, `cache-${name}`) },
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { series: { patches: { findings: JsonFinding[] }[] }[] };
  return doc.series.flatMap((s) => s.patches.flatMap((p) => p.findings)).filter((f) => f.id.startsWith('fixes/'));
}

describe('a repository whose history starts with an imported tree', { timeout: 120_000 }, () => {
  it('ids not found are one note that the history before the import is missing, not an error per tag', () => {
    const f = findings(repoWith(1200), 'imported');
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
    const missing = f.filter((x) => x.id === 'fixes/unknown-sha');
    expect(missing).toHaveLength(1);
    expect(missing[0].severity).toBe('note');
    expect(missing[0].message).toMatch(/^Fixes tag: Target SHA1 cannot be checked: the repository's history starts at [0-9a-f]{12} \("linux-source-6.1 \(Debian package, unpacked\)"\)$/);
  });

  it('a project whose first commit is small keeps its sure errors', () => {
    const f = findings(repoWith(5), 'own');
    const missing = f.filter((x) => x.id === 'fixes/unknown-sha');
    expect(missing).toHaveLength(2);
    expect(missing.every((x) => x.severity === 'error')).toBe(true);
  });
});

/**
 * The shape of a real linux-cifs patch (smbdirect credits, v2 05/20, December 2025): a fix with
 * `Cc: stable` and no Fixes: tag, changing lines that the import brought. Reviewed against the
 * Debian tree, blame ends at the import for want of older history; "last touched by the import"
 * named the unpacked release as the commit that introduced the bug.
 */
function stableFixOnImport(files: number): TestRepo {
  const r = importedTree(files, { 'fs/smb/credits.c': 'int credits_left(int n)\n{\n\treturn n - 1;\n}\n' });
  r.commit(
    [
      'smb: server: keep the last send credit for the final message',
      '',
      'The peer disconnects when the last credit is spent on a data message.',
      '',
      'Cc: stable@vger.kernel.org',
      'Signed-off-by: A Developer <dev@example.org>',
      '',
    ].join('\n'),
    { files: { 'fs/smb/credits.c': 'int credits_left(int n)\n{\n\treturn n > 1 ? n - 1 : 0;\n}\n' } },
  );
  return r;
}

describe('blame that ends at an imported root', { timeout: 120_000 }, () => {
  it('names no commit: the import is where the history starts, not where the bug came in', () => {
    const missing = findings(stableFixOnImport(1200), 'blame-imported').filter((x) => x.id === 'fixes/missing') as (JsonFinding & { explanation?: string; suggestion?: string })[];
    expect(missing).toHaveLength(1);
    expect(missing[0].explanation).not.toMatch(/last touched by/);
    expect(missing[0].suggestion ?? null).toBeNull();
  });

  it('a project whose first commit is small is still named', () => {
    const missing = findings(stableFixOnImport(5), 'blame-own').filter((x) => x.id === 'fixes/missing') as (JsonFinding & { explanation?: string })[];
    expect(missing).toHaveLength(1);
    expect(missing[0].explanation).toMatch(/last touched by [0-9a-f]{12} \("linux-source-6.1/);
  });
});
