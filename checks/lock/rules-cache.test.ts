// The rule files read back from the cache are the rules read from the files; an edited file, or a
// cache entry that is damaged, is read from the files again; a broken file is never cached.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { packagePath } from '../../src/core/paths.js';
import { LinearRegExp } from '../../src/core/safe-regex.js';
import { NameMatcher } from '../../src/c/lock-model.js';
import { cachedRuleData } from './rules-cache.js';
import { parseRuleData, type RuleData } from './rules-load.js';

const made: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-rules-cache-'));
  made.push(dir);
  return dir;
};

const RULES = packagePath('checks', 'rules');
const bundled = (): { file: string; text: string }[] =>
  readdirSync(RULES)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: `checks/rules/${f}`, text: readFileSync(join(RULES, f), 'utf8') }));

/** The data with every pattern, name matcher and class written out: what must survive the cache. */
const shape = (d: RuleData): string =>
  JSON.stringify(d, (_k, v: unknown) => {
    if (v instanceof LinearRegExp) return `re:${v.pattern}`;
    if (v instanceof RegExp) return `v8:${v.source}`;
    if (v instanceof NameMatcher) return { names: v.entries() };
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return `class ${(v as object).constructor.name}`;
    return v;
  });

/** Every pattern (and name matcher) in the data, in order. */
function patterns(v: unknown, out: { test(s: string): boolean }[] = []): { test(s: string): boolean }[] {
  if (v instanceof RegExp) out.push(v);
  else if (v instanceof NameMatcher) out.push({ test: (s) => v.match(s).length > 0 });
  else if (Array.isArray(v)) v.forEach((x) => patterns(x, out));
  else if (v !== null && typeof v === 'object') Object.values(v).forEach((x) => patterns(x, out));
  return out;
}

function counted(files: { file: string; text: string }[]): { parse: () => RuleData; calls: () => number } {
  let n = 0;
  return {
    parse: () => {
      n++;
      return parseRuleData(files, DEFAULT_LIMITS);
    },
    calls: () => n,
  };
}

describe('rule cache', () => {
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('the bundled rules read back from the cache are the rules the files say, patterns included', () => {
    const cache = tempDir();
    const files = bundled();
    const p = counted(files);
    const first = cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    const again = cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    expect(p.calls()).toBe(1);
    expect(readdirSync(join(cache, 'lock-rules'))).toHaveLength(1);
    expect(shape(again)).toBe(shape(first));
    expect(again.never.every((n) => n.calls instanceof NameMatcher)).toBe(true);
    const before = patterns(first);
    const after = patterns(again);
    expect(after.length).toBeGreaterThan(50);
    expect(after.length).toBe(before.length);
    // The same answers on names and lines of C, whether compiled at once or at the first match.
    const inputs = ['spin_lock', 'mutex_lock_nested', 'lock_page', 'folio_lock', 'GFP_KERNEL', 'btrfs_start_transaction', 'kmalloc', 'copy_from_user', 'x', '&inode->i_lock'];
    after.forEach((re, i) => {
      for (const s of inputs) expect(re.test(s), `pattern ${i} on ${s}`).toBe(before[i].test(s));
    });
  });

  it('an edited rule file is read again', () => {
    const cache = tempDir();
    const files = [{ file: 'rules/x.yml', text: 'kinds:\n  - id: page\n    label: page lock\n    acquire: [lock_page]\n    release: [unlock_page]\n' }];
    const p = counted(files);
    cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    files[0].text = files[0].text.replace('lock_page]', 'lock_page, folio_lock]');
    const data = cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    expect(p.calls()).toBe(2);
    expect(data.primitives.map((x) => x.name)).toContain('folio_lock');
    // Other limits for patterns: validated again.
    cachedRuleData(files, { ...DEFAULT_LIMITS, regexMs: DEFAULT_LIMITS.regexMs + 1 }, p.parse, cache);
    expect(p.calls()).toBe(3);
  });

  it('a damaged entry is read from the files again; a broken file is not cached', () => {
    const cache = tempDir();
    const files = bundled();
    const p = counted(files);
    cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    const [entry] = readdirSync(join(cache, 'lock-rules'));
    writeFileSync(join(cache, 'lock-rules', entry), '{"key": "');
    cachedRuleData(files, DEFAULT_LIMITS, p.parse, cache);
    expect(p.calls()).toBe(2);

    const bad = [{ file: 'rules/bad.yml', text: 'kinds:\n  - id: page\n    label: page lock\n    acquire: [lock_page]\n    release: [unlock_page]\nrules:\n  - id: x\n    pattern: "(a"\n' }];
    const q = counted(bad);
    expect(() => cachedRuleData(bad, DEFAULT_LIMITS, q.parse, cache)).toThrow(/rules\/bad\.yml:\d+/);
    expect(() => cachedRuleData(bad, DEFAULT_LIMITS, q.parse, cache)).toThrow(/rules\/bad\.yml:\d+/);
    expect(q.calls()).toBe(2);
  });
});
