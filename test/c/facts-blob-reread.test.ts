// A directory's facts past the facts budget are read back from the disk cache at every patch there
// (a kernel's fs/ is about three times the default budget). A blob met before names its content
// key: its facts are read from the cache without reading the blob again or hashing its text.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { clearFactsMemory, factsCachedForBlob, factsForBlob, factsMemoryKept, setFactsMemoryBudget } from '../../src/c/summaries.js';

const rules = loadRules();
const dirs: string[] = [];
afterEach(() => {
  clearFactsMemory();
  setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Forty calls: facts of some kilobytes, more than the facts budget below holds two of.
const calls = (i: number): string => Array.from({ length: 40 }, (_, n) => `\tcall_${i}_${n}(inode, n);\n`).join('');
const text = (i: number): string => `int helper_${i}(struct inode *inode)\n{\n\tspin_lock(&inode->i_lock);\n${calls(i)}\tspin_unlock(&inode->i_lock);\n\treturn 0;\n}\n`;
/** Facts past their budget, the blobs' content keys still kept (their own, smaller share). */
const BUDGET = 16384;
const blob = (i: number): string => String(i).padStart(40, 'b');

describe('facts of a blob met before, no longer in memory', () => {
  it('are read from the disk cache without reading the blob again, and are the same facts', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-reread-'));
    dirs.push(cacheDir);
    setFactsMemoryBudget(BUDGET);
    const reads = new Map<number, number>();
    const read = (i: number) => async (): Promise<string> => {
      reads.set(i, (reads.get(i) ?? 0) + 1);
      return text(i);
    };
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await factsForBlob(`d/f${i}.c`, blob(i), read(i), rules.model, rules.hash, cacheDir));
    expect(factsMemoryKept().facts.count).toBeLessThanOrEqual(1);
    expect(factsMemoryKept().blobKeys.count).toBe(3);
    expect([...reads.values()]).toEqual([1, 1, 1]);
    // The same blobs again, as the next patch of the directory asks them: none is read again.
    for (let i = 0; i < 3; i++) {
      const again = await factsForBlob(`d/f${i}.c`, blob(i), read(i), rules.model, rules.hash, cacheDir);
      expect(again).toEqual(first[i]);
      expect(again!.functions[0].name).toBe(`helper_${i}`);
    }
    expect([...reads.values()]).toEqual([1, 1, 1]);
  });

  it('are made again from the blob when the disk cache lost them', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-reread-'));
    dirs.push(cacheDir);
    setFactsMemoryBudget(BUDGET);
    let reads = 0;
    const read = async (): Promise<string> => {
      reads++;
      return text(7);
    };
    const first = await factsForBlob('d/f7.c', blob(7), read, rules.model, rules.hash, cacheDir);
    await factsForBlob('d/f8.c', blob(8), async () => text(8), rules.model, rules.hash, cacheDir);
    rmSync(join(cacheDir, 'lock-facts'), { recursive: true, force: true });
    expect(await factsForBlob('d/f7.c', blob(7), read, rules.model, rules.hash, cacheDir)).toEqual(first);
    expect(reads).toBe(2);
  });

  it('are said to be cached (for a prebuild to skip them) only when the note and the facts it names are both on disk', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-cachedq-'));
    dirs.push(cacheDir);
    expect(factsCachedForBlob(blob(7), rules.hash, cacheDir)).toBe(false);
    await factsForBlob('d/f7.c', blob(7), async () => text(7), rules.model, rules.hash, cacheDir);
    expect(factsCachedForBlob(blob(7), rules.hash, cacheDir)).toBe(true);
    // Another salt (rules) is another cache entry.
    expect(factsCachedForBlob(blob(7), `${rules.hash}x`, cacheDir)).toBe(false);
    // The facts file gone (a cache pruned by hand): not cached, though the blob's note is there.
    rmSync(join(cacheDir, 'lock-facts'), { recursive: true, force: true });
    expect(readdirSync(join(cacheDir, 'lock-blobs')).length).toBeGreaterThan(0);
    expect(factsCachedForBlob(blob(7), rules.hash, cacheDir)).toBe(false);
  });
});
