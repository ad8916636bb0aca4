// The facts cache's disk form (src/c/facts-store.ts): read back, facts are equal in content and key
// order to what collectFacts made; on disk they are a fraction of their JSON; a torn file is not read.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { collectFacts, type FileFacts } from '../../src/c/facts.js';
import { decodeFacts, encodeFacts } from '../../src/c/facts-store.js';
import { clearFactsMemory, factsFor, setFactsMemoryBudget } from '../../src/c/summaries.js';

const model = loadRules().model;
afterEach(() => {
  clearFactsMemory();
  setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
});

/** The same facts, and their keys in the same order (JSON.stringify follows key order). */
function expectSame(back: FileFacts, made: FileFacts): void {
  expect(back).toStrictEqual(made);
  expect(JSON.stringify(back)).toBe(JSON.stringify(made));
}

describe('facts read back from their disk form', () => {
  it('are what was written, every optional field and non-ASCII names included', () => {
    const made: FileFacts = {
      path: 'fs/x.c',
      functions: [
        {
          name: 'a_helper_with_a_long_name',
          line: 3,
          endLine: 40,
          calls: [
            { callee: 'spin_lock', args: ['&inode->i_lock'], line: 5, dropped: [] },
            { callee: 'wait_for_the_completion_of_it', args: ['&done', '"naïve ✓"'], line: 9, dropped: ['mutex', 'spinlock'], conditional: true, holding: ['inode->i_lock'] },
            { callee: 'ops->flush', args: [], line: 12, dropped: [], indirect: true },
            { callee: 'f', args: ['a', 'b'], line: 200_000, dropped: [], conditional: true, holding: ['x'], indirect: true },
          ],
          edges: [
            { from: 'i_lock', to: 'i_rwsem', line: 7, fromOwner: 'inode' },
            { from: 'sb_lock', to: 'a', line: 8, toOwner: 'daemon' },
          ],
          partial: false,
          isStatic: true,
          acquires: { kind: 'mutex', arg: 0, line: 4 },
          returnsLocked: { kind: 'page' },
          releases: { kind: 'spinlock', arg: 1, always: false, suffix: '->lock', byField: true },
          params: ['inode', 'daemon'],
        },
        { name: 'g', line: 41, endLine: 42, calls: [], edges: [], partial: true, releasesGlobal: { kind: 'spinlock', key: 'sb_lock', always: true } },
      ],
    };
    expectSame(decodeFacts(encodeFacts(made), 'fs/x.c'), made);
    // Read back under the path asked for (the same content in another file).
    expect(decodeFacts(encodeFacts(made), 'fs/y.c').path).toBe('fs/y.c');
  });

  it('share one array per list of names in a file, and the empty lists', () => {
    const made = collectFacts('a.c', `int f(struct inode *inode)\n{\n\tiput(inode);\n\tigrab(inode);\n\treturn g(1);\n}\n`, model);
    const [iput, igrab] = decodeFacts(encodeFacts(made), 'a.c').functions[0].calls;
    expect(iput.args).toBe(igrab.args);
    expect(iput.dropped).toBe(igrab.dropped);
    expect(Object.isFrozen(iput.dropped)).toBe(true);
  });

  it('refuse bytes that are not the disk form (a torn write, an old JSON entry)', () => {
    const stored = encodeFacts(collectFacts('a.c', 'int f(void)\n{\n\treturn g(1);\n}\n', model));
    expect(() => decodeFacts(stored.subarray(0, stored.length - 3), 'a.c')).toThrow();
    expect(() => decodeFacts(Buffer.from('{"path":"a.c","functions":[]}'), 'a.c')).toThrow();
    expect(() => decodeFacts(Buffer.alloc(0), 'a.c')).toThrow();
  });

  // REAL data: a kernel tree (Debian's linux-source-6.1), where there is one.
  const kernel = process.env.KREVIEW_KERNEL_TREE ?? '/work/linux/linux-source-6.1';
  it.skipIf(!existsSync(join(kernel, 'fs/ext4')))('are equal to what collectFacts made, and a third of its JSON on disk (REAL fs/ext4 of a 6.1 tree)', () => {
    // Fails on the old code: the cache held the facts' JSON, and no facts-store module existed.
    const dir = mkdtempSync(join(tmpdir(), 'kreview-facts-store-'));
    try {
      let json = 0;
      for (const p of readdirSync(join(kernel, 'fs/ext4')).filter((p) => /\.[ch]$/.test(p)).sort()) {
        const path = `fs/ext4/${p}`;
        const text = readFileSync(join(kernel, path), 'latin1');
        const made = collectFacts(path, text, model);
        json += JSON.stringify(made).length;
        expectSame(decodeFacts(encodeFacts(made), path), made);
        expectSame(factsFor(path, text, model, 'salt', dir), made);
      }
      const files = readdirSync(join(dir, 'lock-facts'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const stored = files.reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
      expect(files.length).toBeGreaterThan(40);
      expect(stored).toBeLessThan(json / 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('made again when the cache file is torn, and equal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-facts-store-'));
    try {
      const text = 'int f(struct page *page)\n{\n\tlock_page(page);\n\treturn 0;\n}\n';
      const first = factsFor('t.c', text, model, 'salt', dir);
      const [file] = readdirSync(join(dir, 'lock-facts'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const full = join(file.parentPath, file.name);
      writeFileSync(full, readFileSync(full).subarray(0, 5));
      clearFactsMemory();
      expectSame(factsFor('t.c', text, model, 'salt', dir), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
