// Rule files: the bundled ones load; a broken one stops start-up naming file, line and reason;
// a maintainer teaches kreview a new function with YAML alone.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KreviewError } from '../../src/core/types.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { packagePath } from '../../src/core/paths.js';
import { runLockCase } from '../../test/c/lock-harness.js';
import { loadRules, parseRuleFiles } from './rules-load.js';
import { validateLockRules } from './index.js';

const KINDS = `kinds:
  - id: page
    label: page lock
    acquire: [lock_page]
    release: [unlock_page]
`;

const fails = (text: string): string => {
  try {
    parseRuleFiles([{ file: 'rules/bad.yml', text }]);
  } catch (e) {
    expect(e).toBeInstanceOf(KreviewError);
    return (e as Error).message;
  }
  throw new Error('expected the rule file to be rejected');
};

const made: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-rules-'));
  made.push(dir);
  return dir;
};

describe('rule files', () => {
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('the bundled rules load and cover every rule id of locking.md', () => {
    const ids = loadRules().rules.map((r) => r.id).sort();
    expect(ids).toEqual(
      [
        'reserve-under-page-lock', 'transaction-under-page-lock', 'wait-under-page-lock', 'teardown-under-page-lock',
        'order-under-page-lock', 'fault-under-page-lock', 'second-page-lock', 'reserve-under-extent-lock',
        'flush-under-transaction', 'sleep-in-atomic', 'lock-order-inversion', 'unbalanced', 'evict-under-cp-rwsem',
        'freeze-under-transaction',
      ].sort(),
    );
  });

  it("names kreview's own rule files by their place in the package, from whatever directory it runs in", () => {
    const away = tempDir();
    const cwd = process.cwd();
    process.chdir(away);
    try {
      // A limit no other test uses: a fresh load, with the names made from this directory.
      const files = new Set(loadRules([], { ...DEFAULT_LIMITS, regexMs: DEFAULT_LIMITS.regexMs + 1 }).rules.map((r) => r.file));
      const bundled = readdirSync(packagePath('checks', 'rules')).map((f) => `checks/rules/${f}`);
      expect(files.size).toBeGreaterThan(3);
      for (const f of files) expect(bundled).toContain(f);
    } finally {
      process.chdir(cwd);
    }
  });

  it('define-macros must map macro globs to name prefixes', () => {
    expect(fails(`${KINDS}syntax:\n  define-macros: [SYSCALL_DEFINE?]\n`)).toMatch(/^rules\/bad\.yml:\d+: syntax\.define-macros: expected a mapping/);
    expect(fails(`${KINDS}syntax:\n  define-macros: {'SYSCALL_DEFINE?': 'sys ; rm'}\n`)).toMatch(/^rules\/bad\.yml:\d+: syntax\.define-macros\.SYSCALL_DEFINE\?: expected a name prefix/);
    expect(parseRuleFiles([{ file: 'ok.yml', text: `${KINDS}syntax:\n  define-macros: {'MY_DEFINE?': my_}\n` }]).model.syntax.defineMacros).toEqual({ 'MY_DEFINE?': 'my_' });
  });

  it('a YAML syntax error names the file and line', () => {
    expect(fails(`${KINDS}rules:\n  - id: x\n    held: [page\n`)).toMatch(/^rules\/bad\.yml:\d+: /);
  });

  it('an unknown lock kind is reported at its own line', () => {
    const msg = fails(`${KINDS}rules:\n  - id: my-rule\n    held: [pgae]\n    severity: error\n    calls: [foo]\n    does: d\n    waits: w\n    fix: f\n`);
    expect(msg).toBe('rules/bad.yml:8: rules[0].held[0]: unknown lock kind "pgae" (known: page)');
  });

  it('an unknown key, a bad severity and a bad regex are each refused with the line', () => {
    expect(fails(`${KINDS}rules:\n  - id: r\n    hold: [page]\n`)).toMatch(/^rules\/bad\.yml:8: rules\[0\]\.hold: unknown key "hold"/);
    expect(fails(`${KINDS}rules:\n  - id: r\n    held: [page]\n    severity: fatal\n    calls: [x]\n    does: d\n    waits: w\n    fix: f\n`)).toMatch(
      /^rules\/bad\.yml:9: rules\[0\]\.severity: "fatal" is not one of error, warning, note$/,
    );
    expect(fails(`${KINDS}never:\n  - held: page\n    calls: [x]\n    args: ['(']\n`)).toMatch(/^rules\/bad\.yml:9: never\[0\]\.args\[0\]: bad regular expression/);
  });

  it("a pattern's reviewed matches must be names it matches, of a pattern some rule uses", () => {
    const RULE = `${KINDS}rules:\n  - id: r\n    held: [page]\n    severity: error\n    calls: ['gad_flush*']\n    does: d\n    waits: w\n    fix: f\n`;
    const ok = parseRuleFiles([{ file: 'rules/ok.yml', text: `${RULE}reviewed:\n  'gad_flush*': [gad_flush, gad_flush_range]\n` }]);
    expect(ok.rules[0].calls[0].reviewed).toEqual(['gad_flush', 'gad_flush_range']);
    expect(fails(`${RULE}reviewed:\n  'gad_flush*': [gad_flush, gad_wait_range]\n`)).toMatch(/^rules\/bad\.yml:15: reviewed\.gad_flush\*\[1\]: 'gad_wait_range' is not matched by the pattern 'gad_flush\*'$/);
    expect(fails(`${RULE}reviewed:\n  gad_flush: [gad_flush]\n`)).toMatch(/reviewed\.gad_flush: 'gad_flush' is not a pattern/);
    expect(fails(`${RULE}reviewed:\n  'gad_sync*': [gad_sync]\n`)).toMatch(/^rules\/bad\.yml:15: reviewed\.gad_sync\*: no rule's call list uses the pattern 'gad_sync\*'$/);
  });

  it('a precedent must be a commit id', () => {
    const msg = fails(`${KINDS}rules:\n  - id: r\n    held: [page]\n    severity: error\n    calls: [x]\n    does: d\n    waits: w\n    fix: f\n    precedent:\n      - {commit: deadbeef}\n`);
    expect(msg).toMatch(/^rules\/bad\.yml:15: rules\[0\]\.precedent\[0\]\.commit: expected a commit id/);
  });

  it('an extra rule file that is broken fails validation at start-up', () => {
    const dir = tempDir();
    const file = join(dir, 'local.yml');
    writeFileSync(file, 'rules:\n  - id: Bad Id\n');
    expect(() => validateLockRules([file])).toThrow(/local\.yml:2: rules\[0\]\.id: rule ids are lower-case/);
  });

  it('a maintainer adds a dangerous function with YAML only, and the check fires on it', async () => {
    const dir = tempDir();
    const file = join(dir, 'local.yml');
    writeFileSync(
      file,
      `rules:\n  - id: local-flush-under-page-lock\n    held: [page]\n    severity: warning\n    calls: [myfs_flush_everything]\n    does: it flushes every dirty page of the file system\n    waits: the flush waits for this page's lock\n    fix: Can the flush happen before the page is locked?\n`,
    );
    const code = (extra: string): string => `int f(struct page *page)\n{\n\tlock_page(page);\n${extra}\tunlock_page(page);\n\treturn 0;\n}\n`;
    const findings = await runLockCase({
      before: { 'fs/myfs/a.c': code('') },
      after: { 'fs/myfs/a.c': code('\tmyfs_flush_everything(page->mapping->host->i_sb);\n') },
      config: { ruleFiles: [file] },
    });
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['lock/local-flush-under-page-lock', 'warning']]);
  });
});
