// The memos keyed by callee names (the lock model's, the rule matcher's, the glob matcher's) over a
// long range: every commit brings names cut from a new version of some file. Before, a memo kept
// each name as V8 kept it, a slice of its file's text, so it held a text per file version (and two
// of them had no bound at all). Generated data: 600 file versions of 64 KB, one new callee each.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { matcherFor } from '../../checks/lock/match.js';
import { cacheShare } from '../../src/core/cache-shares.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { NameMemo, nameMemosKept, setNameMemosBudget } from '../../src/core/name-memo.js';
import { heldHeap } from '../helpers/collect.js';


/** A callee name as the C front end gets it: a slice of one version of a file's text. */
function calleeFrom(version: number): string {
  const name = `btrfs_helper_of_version_${version}`;
  const text = `${'/* unchanged body of the file */\n'.repeat(2048)}static int f(void) { return ${name}(); }\n`;
  const at = text.lastIndexOf(name);
  return text.slice(at, at + name.length);
}

describe('name memos over a long range', () => {
  it('keep no file texts alive and stay within their share of cacheBytes', () => {
    setNameMemosBudget(DEFAULT_LIMITS.cacheBytes);
    const rules = loadRules();
    const matcher = matcherFor(rules);
    const tag = matcher.tagger();
    // Warm: the rules' own structures are in the baseline.
    for (let v = 0; v < 20; v++) {
      rules.model.names(calleeFrom(-v - 1));
      tag(calleeFrom(-v - 1), [], 'fs/x.c', []);
    }
    const before = heldHeap();
    for (let v = 0; v < 600; v++) {
      const callee = calleeFrom(v);
      rules.model.names(callee);
      rules.model.lookup(callee, []);
      tag(callee, [], 'fs/x.c', []);
    }
    const grown = heldHeap() - before;
    // 600 texts of 64 KB are 39 MB; 600 names and their answers are tens of KB.
    expect(grown).toBeLessThan(4 << 20);
    expect(nameMemosKept().bytes).toBeLessThanOrEqual(cacheShare('nameMemos', DEFAULT_LIMITS.cacheBytes));
  });

  it('are emptied together when the names pass the budget, and a smaller budget applies at once', () => {
    const a = new NameMemo<boolean>();
    const b = new NameMemo<number>();
    const cacheBytes = 1 << 20;
    setNameMemosBudget(cacheBytes);
    const share = cacheShare('nameMemos', cacheBytes);
    for (let i = 0; i < 5000; i++) {
      a.set(`name_in_a_${i}`, true);
      b.set(`name_in_b_${i}`, i);
      expect(nameMemosKept().bytes).toBeLessThanOrEqual(share);
    }
    expect(a.size + b.size).toBeGreaterThan(0);
    expect(b.get('name_in_b_4999')).toBe(4999);
    setNameMemosBudget(cacheBytes / 64);
    expect(nameMemosKept().bytes).toBe(0);
    expect(a.size + b.size).toBe(0);
    setNameMemosBudget(DEFAULT_LIMITS.cacheBytes);
  });
});

describe("the glob report's memo of names (checks/lock/glob-report.ts)", () => {
  it('keeps no file texts alive over a long range', async () => {
    const { globOverreach } = await import('../../checks/lock/glob-report.js');
    setNameMemosBudget(DEFAULT_LIMITS.cacheBytes);
    const rules = loadRules();
    const tagger = matcherFor(rules).tagger();
    const index = { get: () => undefined } as unknown as Parameters<typeof globOverreach>[2];
    const once = (v: number): void => {
      const fn = { name: calleeFrom(v), line: 1, endLine: 1, calls: [], edges: [] };
      globOverreach(rules, [{ path: 'fs/x.c', functions: [fn] } as unknown as Parameters<typeof globOverreach>[1][number]], index, tagger);
    };
    for (let v = 0; v < 20; v++) once(-v - 1);
    const before = heldHeap();
    for (let v = 0; v < 600; v++) once(v);
    // 600 texts of 64 KB are 39 MB (a Map of up to 200,000 names kept them); 600 names, tens of KB.
    expect(heldHeap() - before).toBeLessThan(4 << 20);
  });
});
