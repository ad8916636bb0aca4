// A directory's own files are summarised once for its patches (their layer), and each patch's index
// lays the headers its file includes over that layer instead of summarising the whole directory
// again: the layer's summaries are the index's, but for those a header's helper passes a tag to,
// which the index copies. Either way an index says exactly what one made from scratch says.
// Generated data (random directories and headers).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import type { FileFacts } from '../../src/c/facts.js';
import { clearFactsMemory, factsFor, setFactsMemoryBudget, SummaryIndex, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';

const model = loadRules().model;
const tagger: Tagger = (callee) => (callee === 'btrfs_delalloc_reserve_space' ? ['reserve'] : callee === 'might_sleep' ? ['sleep'] : callee === 'msleep' ? ['sleep', 'wait'] : []);

/** One `known` for every index: what is derived is kept per `known`. */
const known = (): boolean => false;

/** What an index says: every function's tags with their chains (in their order), the derived primitives, the edges. */
function said(index: SummaryIndex, files: FileFacts[]): unknown {
  const defs = files.flatMap((f) => f.functions.map((fn) => [fn.name, f.path]));
  return {
    tags: defs.map(([n, path]) => [n, path, [...(index.get(n, path)?.tags ?? [])]]),
    unknown: [...(index.get('no_such_fn')?.tags ?? [])],
    derived: index.derivedPrimitives(known),
    edges: index.edges,
  };
}

const dirA = `int deep(struct inode *i)
{
	return btrfs_delalloc_reserve_space(BTRFS_I(i), NULL, 0, 4096);
}

int middle(struct inode *i)
{
	return deep(i);
}

int calls_header(struct inode *i)
{
	return hdr_helper(i);
}

int idle(int x)
{
	return x + 1;
}
`;
// Untagged header helpers: the directory's summaries are the layer's own.
const quiet = 'static inline int hdr_quiet(int x)\n{\n\treturn x * 2;\n}\n';
const quieter = 'static inline int hdr_quieter(int x)\n{\n\treturn x * 3;\n}\n';
// A tagged helper the directory calls without defining it: its callers' tags change. (Not static:
// what a header gives the index is its trusted part, whose helpers every includer calls.)
const tagged = 'inline int hdr_helper(struct inode *i)\n{\n\tmight_sleep();\n\treturn 0;\n}\n';
// A helper that calls the directory's tagged function: it climbs from the layer.
const climbing = 'inline int hdr_up(struct inode *i)\n{\n\treturn middle(i);\n}\n';

describe("a directory's summary layer", () => {
  it("is shared by its patches' indexes, also when its facts come back from the disk cache as new objects", () => {
    clearFactsMemory();
    const cache = mkdtempSync(join(tmpdir(), 'kreview-layer-'));
    try {
      const dir = () => [factsFor('fs/x/a.c', dirA, model, 'test', cache)];
      const first = dir();
      const q = factsFor('include/q.h', quiet, model, 'test', cache);
      const one = summaryIndexFor([...first, q], tagger, 3, cache, 1);
      const two = summaryIndexFor([...first], tagger, 3, cache, 1);
      const q3 = factsFor('include/q3.h', quieter, model, 'test', cache);
      const three = summaryIndexFor([...first, q3], tagger, 3, cache, 1);
      // The second and later patches of the directory lay their headers over one layer: its summaries are the same objects.
      expect(three.get('middle', 'fs/x/a.c')).toBe(two.get('middle', 'fs/x/a.c'));
      expect(one.get('middle', 'fs/x/a.c')?.tags.get('reserve')).toEqual(['deep', 'btrfs_delalloc_reserve_space']);
      // Past the memory budget the same content is read back as other objects: found by content.
      setFactsMemoryBudget(1);
      // Another file's facts and index are then the only ones kept in memory.
      const other = factsFor('lib/o.c', 'int other(int x)\n{\n\treturn x;\n}\n', model, 'test', cache);
      summaryIndexFor([other], tagger, 3, cache, 0);
      const again = dir();
      expect(again[0]).not.toBe(first[0]);
      const q2 = factsFor('include/q.h', quiet, model, 'test', cache);
      const four = summaryIndexFor([...again, q2], tagger, 3, cache, 1);
      expect(four.get('middle', 'fs/x/a.c')).toBe(two.get('middle', 'fs/x/a.c'));
      expect(said(four, [...again, q2])).toEqual(said(new SummaryIndex([...again, q2], tagger, 3), [...again, q2]));
    } finally {
      setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
      clearFactsMemory();
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('is laid under the headers also where a header helper passes a tag to the directory or takes one from it, the summaries that change copied', () => {
    clearFactsMemory();
    const first = [factsFor('fs/x/a.c', dirA, model, 'test', null)];
    const t = factsFor('include/t.h', tagged, model, 'test', null);
    const c = factsFor('include/c.h', climbing, model, 'test', null);
    summaryIndexFor(first, tagger, 3, null, 1);
    const layer = summaryIndexFor([...first, factsFor('include/q.h', quiet, model, 'test', null)], tagger, 3, null, 1);
    const withTagged = summaryIndexFor([...first, t], tagger, 3, null, 1);
    expect(withTagged.get('calls_header', 'fs/x/a.c')?.tags.get('sleep')).toEqual(['hdr_helper', 'might_sleep']);
    expect(layer.get('calls_header', 'fs/x/a.c')?.tags.size).toBe(0);
    // The layer's summaries are the index's where nothing changes them (made whole, they were other objects);
    // the one the header's tag climbs into is a copy, and the layer's own is left as it was.
    expect(withTagged.get('middle', 'fs/x/a.c')).toBe(layer.get('middle', 'fs/x/a.c'));
    expect(withTagged.get('calls_header', 'fs/x/a.c')).not.toBe(layer.get('calls_header', 'fs/x/a.c'));
    const withClimbing = summaryIndexFor([...first, c], tagger, 3, null, 1);
    expect(withClimbing.get('hdr_up', 'include/c.h')?.tags.get('reserve')).toEqual(['middle', 'deep', 'btrfs_delalloc_reserve_space']);
    expect(withClimbing.get('middle', 'fs/x/a.c')).toBe(layer.get('middle', 'fs/x/a.c'));
    expect(layer.get('calls_header', 'fs/x/a.c')?.tags.size).toBe(0);
    for (const files of [[...first, t], [...first, c], [...first, t, c]]) expect(said(summaryIndexFor(files, tagger, 3, null, 1), files)).toEqual(said(new SummaryIndex(files, tagger, 3), files));
  });

  it('derives what a header helper adds to the directory once for the patches that include it', () => {
    clearFactsMemory();
    // The directory drops a lock in a helper; a header helper passes that drop on (so the directory alone is not the answer).
    const dir = [factsFor('fs/y/a.c', 'void unlock_it(struct page *page)\n{\n\tunlock_page(page);\n}\n', model, 'test', null)];
    const passer = factsFor('include/p.h', 'inline void hdr_drop(struct page *page)\n{\n\tunlock_it(page);\n}\n', model, 'test', null);
    const other = (n: number) => factsFor(`include/o${n}.h`, `inline int other${n}(int x)\n{\n\treturn x + ${n};\n}\n`, model, 'test', null);
    const sets = [[passer, other(1)], [other(2), passer], [passer]];
    const derived = sets.map((h) => summaryIndexFor([...dir, ...h], tagger, 3, null, 1).derivedPrimitives(known));
    expect(derived[0].map((d) => d.name)).toEqual(['unlock_it', 'hdr_drop']);
    // The helpers that change nothing (other1, other2) do not count: the second and third patches find the first's.
    expect(derived[1]).toBe(derived[0]);
    expect(derived[2]).toBe(derived[0]);
    for (const h of sets) expect(said(summaryIndexFor([...dir, ...h], tagger, 3, null, 1), [...dir, ...h])).toEqual(said(new SummaryIndex([...dir, ...h], tagger, 3), [...dir, ...h]));
  });

  it('gives exactly what an index made from scratch gives, over random directories and headers', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const dirNames = Array.from({ length: 14 }, (_, i) => `d${i}`);
    const hdrNames = Array.from({ length: 8 }, (_, i) => `h${i}`);
    const leaves = ['btrfs_delalloc_reserve_space(a, NULL, 0, 1)', 'might_sleep()', 'msleep(10)', 'unlock_page(a)', 'lock_page(a)', 'ext_call(a)'];
    // A header's trusted part takes and drops no lock itself (tree-contracts.ts); some headers here do.
    const quietLeaves = leaves.filter((l) => !l.includes('lock'));
    const callOf = (names: string[], from = leaves): string => {
      const r = rnd(10);
      if (r < 3) return `${from[rnd(from.length)]};`;
      const name = names[rnd(names.length)];
      return r < 5 ? `if (a) ${name}(a);` : `${name}(a);`;
    };
    const body = (names: string[], from = leaves): string => Array.from({ length: 1 + rnd(4) }, () => `\t${callOf(names, from)}`).join('\n');
    let checked = 0;
    for (let round = 0; round < 80; round++) {
      clearFactsMemory();
      const files: FileFacts[] = [];
      for (let f = 0; f < 3; f++) {
        const fns = dirNames.filter(() => rnd(3) === 0);
        const text = fns.map((n) => `${rnd(4) === 0 ? 'static ' : ''}void ${n}(struct page *a)\n{\n${body([...dirNames, ...hdrNames])}\n}\n`).join('\n');
        files.push(factsFor(`fs/r${round}/f${f}.c`, text, model, 'test', null));
      }
      const headers: FileFacts[] = [];
      for (let h = 0; h < 4; h++) {
        // Some define a name of the directory's too (a stub for a configuration without it).
        const fns = [...hdrNames.filter(() => rnd(3) === 0), ...dirNames.filter(() => rnd(10) === 0)];
        // Some header helpers call the directory's functions too (a helper of the directory's own header would).
        const text = fns.map((n) => `${rnd(3) === 0 ? 'static ' : ''}inline void ${n}(struct page *a)\n{\n${body(rnd(2) ? hdrNames : [...hdrNames, ...dirNames], round % 2 ? leaves : quietLeaves)}\n}\n`).join('\n');
        headers.push(factsFor(`include/r${round}/h${h}.h`, text, model, 'test', null));
      }
      for (const depth of [2, 3]) {
        for (let k = 0; k < 6; k++) {
          const over = headers.filter(() => rnd(2) === 0);
          const all = [...files, ...over];
          expect(said(summaryIndexFor(all, tagger, depth, null, files.length), all)).toEqual(said(new SummaryIndex(all, tagger, depth), all));
          checked++;
        }
      }
    }
    expect(checked).toBe(960);
  });
});
