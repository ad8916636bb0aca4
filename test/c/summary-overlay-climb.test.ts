// A patch's index lays the headers its file includes over its directory's layer (SummaryIndex.over)
// also where the two pass tags to each other: a directory's function calls a header's helper that
// gets a tag (fs/*.c calling i_mmap_lock_write -> down_write), or a header's helper calls one of the
// directory's functions that has one (fsnotify_parent -> __fsnotify_parent). Then the index must
// still say exactly what an index made from scratch says: every summary's tags, their chains and
// their order. Generated data: random directories and headers, built as facts directly so that
// conditional calls and calls made after the helper dropped its caller's lock come up often.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallFact, FileFacts, FunctionFacts } from '../../src/c/facts.js';
import { CallersByName, SummaryIndex, type Tagger } from '../../src/c/summaries.js';

const DIR = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
const HDR = ['h0', 'h1', 'h2'];
const LEAVES = ['leaf_sleep', 'leaf_wait', 'leaf_reserve', 'leaf_none'];

/** Direct tags by callee; a call made after the helper dropped its caller's spinlock carries no `sleep`. */
function makeTagger(): Tagger {
  const t: Tagger = (callee) => (callee === 'leaf_sleep' ? ['sleep'] : callee === 'leaf_wait' ? ['wait', 'sleep'] : callee === 'leaf_reserve' ? ['reserve'] : []);
  t.held = (tag) => (tag === 'sleep' ? ['spin'] : []);
  return t;
}

const call = (pool: string[]) =>
  fc.record({
    callee: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.constantFrom(...LEAVES) }),
    conditional: fc.nat(9).map((n) => n === 0),
    dropped: fc.nat(9).map((n) => (n === 0 ? ['spin'] : [])),
  });
const fn = (names: string[], pool: string[]) =>
  fc.record({ name: fc.constantFrom(...names), isStatic: fc.nat(4).map((n) => n === 0), calls: fc.array(call(pool), { maxLength: 5 }) });
const file = (names: string[], pool: string[]) => fc.array(fn(names, pool), { maxLength: 8 });

type Gen = { name: string; isStatic: boolean; calls: { callee: string; conditional: boolean; dropped: string[] }[] };

function facts(path: string, fns: Gen[]): FileFacts {
  return {
    path,
    functions: fns.map((g, i): FunctionFacts => ({
      name: g.name,
      line: 10 * i + 1,
      endLine: 10 * i + 9,
      calls: g.calls.map((c, j): CallFact => ({ callee: c.callee, args: [], line: 10 * i + 2 + j, dropped: c.dropped, ...(c.conditional ? { conditional: true } : {}) })),
      edges: [],
      partial: false,
      ...(g.isStatic ? { isStatic: true } : {}),
    })),
  };
}

/** Every summary's tags (in their order, with their chains) by each definition's name and path, and by name alone. */
function said(index: SummaryIndex, files: FileFacts[]): unknown {
  return [
    ...files.flatMap((f) => f.functions.map((g) => [g.name, f.path, [...(index.get(g.name, f.path)?.tags ?? [])]])),
    ...[...DIR, ...HDR].map((n) => [n, [...(index.get(n)?.tags ?? [])]]),
  ];
}

describe('a summary index laid over its directory where the headers and the directory pass tags to each other', () => {
  it('says what an index made from scratch says, and is laid over the layer in both cases', () => {
    const seen = { runs: 0, over: 0, dirCallsTaggedHeader: 0, headerCallsTaggedDir: 0, layerChanged: 0 };
    fc.assert(
      fc.property(
        fc.array(file(DIR, [...DIR, ...HDR]), { minLength: 1, maxLength: 3 }),
        // Headers define their helpers and some of the directory's names (stubs); they call both.
        fc.array(file([...HDR, ...HDR, 'd0', 'd2', 'd5'], [...HDR, ...DIR]), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 5 }),
        (dirGen, hdrGen, depth) => {
          seen.runs++;
          const tagger = makeTagger();
          const dir = dirGen.map((g, i) => facts(`fs/x/f${i}.c`, g));
          // A header's function is never static in the same file twice in C; a repeated name is kept as the generator made it (the index takes them in order).
          const hdr = hdrGen.map((g, i) => facts(`include/h${i}.h`, g));
          const all = [...dir, ...hdr];
          const baseCallers = new CallersByName(dir);
          const base = new SummaryIndex(dir, tagger, depth, baseCallers);
          const before = said(base, dir);
          const whole = new SummaryIndex(all, tagger, depth);
          const over = SummaryIndex.over(base, all, dir.length, new CallersByName(hdr, baseCallers));
          // The layer's own summaries are shared by every patch of the directory: never changed.
          expect(said(base, dir)).toEqual(before);
          const dirPaths = new Set(dir.map((f) => f.path));
          const tagged = (s: { tags: Map<string, string[]> } | undefined): boolean => (s?.tags.size ?? 0) > 0;
          // The two cases the overlay used to give up on.
          const dirCallsTaggedHeader = dir.some((f) => f.functions.some((g) => g.calls.some((c) => !c.conditional && c.callee !== g.name && !dirPaths.has(whole.get(c.callee, f.path)?.path ?? 'fs/x/f0.c') && tagged(whole.get(c.callee, f.path)))));
          const headerCallsTaggedDir = hdr.some((f) => f.functions.some((g) => g.calls.some((c) => !c.conditional && c.callee !== g.name && dirPaths.has(whole.get(c.callee, f.path)?.path ?? '') && tagged(base.get(c.callee, f.path)))));
          const layerChanged = dir.some((f) => f.functions.some((g) => JSON.stringify([...(whole.get(g.name, f.path)?.tags ?? [])]) !== JSON.stringify([...(base.get(g.name, f.path)?.tags ?? [])])));
          if (!over) return;
          seen.over++;
          if (dirCallsTaggedHeader) seen.dirCallsTaggedHeader++;
          if (headerCallsTaggedDir) seen.headerCallsTaggedDir++;
          if (layerChanged) seen.layerChanged++;
          expect(said(over, all)).toEqual(said(whole, all));
          // A second patch's headers over the same layer: the first's copies did not leak into it.
          const again = SummaryIndex.over(base, dir.concat(hdr.slice(0, 1)), dir.length, new CallersByName(hdr.slice(0, 1), baseCallers));
          if (again) expect(said(again, dir.concat(hdr.slice(0, 1)))).toEqual(said(new SummaryIndex(dir.concat(hdr.slice(0, 1)), tagger, depth), dir.concat(hdr.slice(0, 1))));
          expect(said(base, dir)).toEqual(before);
        },
      ),
      { numRuns: 3000, seed: 20261208 },
    );
    // Not vacuous: the overlay is used in both cases, and where the headers change the layer's tags.
    expect(seen.over).toBe(seen.runs);
    expect(seen.dirCallsTaggedHeader).toBeGreaterThan(300);
    expect(seen.headerCallsTaggedDir).toBeGreaterThan(300);
    expect(seen.layerChanged).toBeGreaterThan(150);
  });
});
