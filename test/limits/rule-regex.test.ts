// Issue 9 row 9: a pattern from a rule file (checks/rules/*.yml, an extra rule file, a repository's
// `rules:`) or a policy glob is matched by RE2 in linear time, or refused with one line naming the
// file and line. `arg-matches: '^(a|aa)+$'` blocked the event loop for 24 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRuleFiles } from '../../checks/lock/rules-load.js';
import { linearRegExp } from '../../src/core/safe-regex.js';
import { KreviewError } from '../../src/core/types.js';
import { globToRegExp as tagGlob } from '../../src/git/release-tags.js';
import { matchesSender } from '../../src/watch/bot-filter.js';
import { runLockCase } from '../c/lock-harness.js';

const KINDS = 'kinds:\n  - id: page\n    label: page lock\n    acquire: [lock_page]\n    release: [unlock_page]\n';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function refused(text: string): string {
  try {
    parseRuleFiles([{ file: 'rules/bad.yml', text }]);
  } catch (e) {
    expect(e).toBeInstanceOf(KreviewError);
    return (e as Error).message;
  }
  throw new Error('expected the rule file to be refused');
}

/** How long `fn` takes, in ms. */
function timed(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('rule patterns run in linear time', () => {
  it("'^(a|aa)+$' on an argument of 'a's and a 'b' answers at once (V8 backtracks for seconds on 40 letters)", () => {
    const re = linearRegExp('^(a|aa)+$');
    const evil = 'a'.repeat(4000) + 'b';
    expect(timed(() => expect(re.test(evil)).toBe(false))).toBeLessThan(1000);
    expect(re.test('aaaa')).toBe(true);
    expect('xx aab'.replace(linearRegExp('a+'), '_')).toBe('xx _b');
  });

  it('a rule file whose arg-matches backtracks is reviewed without stalling, and still matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-regex-'));
    dirs.push(dir);
    const file = join(dir, 'evil.yml');
    writeFileSync(
      file,
      `rules:\n  - id: local-evil\n    held: [page]\n    severity: warning\n    calls: [{name: myfs_flush, arg-matches: '^(a|aa)+$'}]\n    does: it flushes\n    waits: the flush waits for this page\n    fix: Flush before the page is locked?\n`,
    );
    const code = (arg: string): string => `int f(struct page *page)\n{\n\tlock_page(page);\n\tmyfs_flush(${arg});\n\tunlock_page(page);\n\treturn 0;\n}\n`;
    const started = Date.now();
    const quiet = await runLockCase({ before: { 'fs/myfs/a.c': code('x') }, after: { 'fs/myfs/a.c': code('a'.repeat(60) + 'b') }, config: { ruleFiles: [file] } });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(quiet).toEqual([]);
    const loud = await runLockCase({ before: { 'fs/myfs/a.c': code('x') }, after: { 'fs/myfs/a.c': code('a'.repeat(60)) }, config: { ruleFiles: [file] } });
    expect(loud.map((f) => f.id)).toEqual(['lock/local-evil']);
  });

  it('a pattern RE2 cannot express is refused at its line, never run by V8', () => {
    const rule = (arg: string) => `${KINDS}rules:\n  - id: r\n    held: [page]\n    severity: error\n    calls: [{name: x, arg-matches: '${arg}'}]\n    does: d\n    waits: w\n    fix: f\n`;
    expect(refused(rule('(a)\\1'))).toBe(
      'rules/bad.yml:10: rules[0].calls[0].arg-matches: bad regular expression: "(a)\\\\1" is not a pattern kreview can run in linear time (RE2 syntax, no backreferences or lookaround): invalid escape sequence: `\\1`',
    );
    expect(refused(rule('(?=a)b'))).toMatch(/^rules\/bad\.yml:10: rules\[0\]\.calls\[0\]\.arg-matches: bad regular expression: .*unsupported Perl syntax/);
    expect(refused(`${KINDS}never:\n  - held: page\n    calls: [x]\n    args: ['(?!page)']\n`)).toMatch(/^rules\/bad\.yml:9: never\[0\]\.args\[0\]: bad regular expression/);
  });

  it('a pattern that is slow even for RE2 on a long line is refused, naming limits.regexMs', () => {
    // RE2 stops at the first match, and `(.*a){20}` alone matches early in both probes (0.1 ms once
    // RE2 has built its automaton, so it passed or failed with the machine's speed): the digits
    // that follow are in no probe, so every position is tried to the end of the line (10-20 ms).
    expect(() => linearRegExp('(.*a){20}[0-9]{3}', { regexMs: 1, lineLength: 200_000 })).toThrow(/"\(\.\*a\)\{20\}\[0-9\]\{3\}" takes \d+ ms on a line of 200000 characters, above limits\.regexMs \(1 ms\): simplify it/);
  });

  it('a define-macro glob has at most one *, since every line of a file meets it', () => {
    expect(refused(`${KINDS}syntax:\n  define-macros: {'A*A*A*B': a_}\n`)).toMatch(/^rules\/bad\.yml:\d+: syntax\.define-macros\.A\*A\*A\*B: at most one \* in a macro name glob$/);
  });

  it('globs with many stars (rule names, sender globs, release tags) do not backtrack', () => {
    const name = 'a'.repeat(3000);
    const rules = parseRuleFiles([{ file: 'globs.yml', text: `kinds:\n  - id: page\n    label: page lock\n    acquire: ['*a*a*a*a*a*a*a*a*b']\n    release: [unlock_page]\n` }]);
    expect(timed(() => expect(rules.model.lookup(name, [])).toEqual([]))).toBeLessThan(1000);
    const sender = `${'a'.repeat(3000)}@example.org`;
    expect(timed(() => expect(matchesSender(sender, ['*a*a*a*a*a*a*a*a*b@example.org'])).toBe(false))).toBeLessThan(1000);
    expect(matchesSender('bot@ci.example.org', ['*@ci.example.org'])).toBe(true);
    expect(timed(() => expect(tagGlob('v*a*a*a*a*a*a*a*a*b').test(`v${name}`)).toBe(false))).toBeLessThan(1000);
    expect(tagGlob('v[0-9]*').test('v6.1')).toBe(true);
  });
});
