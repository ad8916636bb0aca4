// What a directory's helpers amount to with the headers of a patch (drops passed on through calls,
// locks taken on a parameter and not handed back) is derived from what the directory's files
// recorded alone, over the few helpers the headers can change, instead of over every function of
// the directory again (fs/: 35,000 functions at each patch). It must say exactly what a derivation
// over all the files says: the same primitives, in the same order. Generated data (random
// directories and headers in C, made up here).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import type { FileFacts } from '../../src/c/facts.js';
import { clearFactsMemory, derivationsOver, factsFor, SummaryIndex, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';

const model = loadRules().model;
const tagger: Tagger = () => [];
const known = (name: string): boolean => name === 'k0';

const dirNames = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'k0'];
const hdrNames = ['h0', 'h1', 'h2', 'h3'];
const args = ['a', 'b', 'a->inner', '&b->lock', 'NULL'];

const call = fc.record({ kind: fc.nat(12), name: fc.nat(40), arg: fc.nat(args.length - 1), arg2: fc.nat(args.length - 1), cond: fc.boolean() });
type Call = { kind: number; name: number; arg: number; arg2: number; cond: boolean };

/** A statement: a lock operation of the directory's (on a parameter or the file's global lock), or a call of a helper. */
function stmt(c: Call, names: string[], quiet: boolean): string {
  const x = args[c.arg];
  const ops = quiet ? [] : [`unlock_page(${x});`, `lock_page(${x});`, 'spin_unlock(&g_lock);', 'spin_lock(&g_lock);', `mutex_unlock(&${x === 'NULL' ? 'a' : x.replace(/^&/, '')}->m);`];
  const s = c.kind < ops.length ? ops[c.kind] : `${names[c.name % names.length]}(${x}, ${args[c.arg2]});`;
  return c.cond ? `if (a)\n\t\t${s}` : s;
}

const fnText = (name: string, calls: Call[], names: string[], quiet: boolean, isStatic: boolean, inline: boolean): string =>
  `${isStatic ? 'static ' : ''}${inline ? 'inline ' : ''}void ${name}(struct page *a, struct page *b)\n{\n${calls.map((c) => `\t${stmt(c, names, quiet)}`).join('\n')}\n}\n`;

const fileArb = (names: string[]) => fc.array(fc.record({ name: fc.nat(names.length - 1), isStatic: fc.nat(3), calls: fc.array(call, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 6 });

const fn = (name: string, body: string, inline = false): string => `${inline ? 'inline ' : ''}void ${name}(struct page *a, struct page *b)\n{\n${body}\n}\n`;

/** The directory's files and one header, derived over the directory (a patch's index) and over all of them. */
function both(dir: string, header: string): { over: unknown; whole: unknown } {
  clearFactsMemory();
  const files = [factsFor('fs/t/a.c', dir, model, 'test', null)];
  const all = [...files, factsFor('include/t.h', header, model, 'test', null)];
  const was = derivationsOver();
  const over = summaryIndexFor(all, tagger, 3, null, 1).derivedPrimitives(known);
  expect(derivationsOver()).toBe(was + 1);
  return { over, whole: new SummaryIndex(all, tagger, 3).derivedPrimitives(known) };
}

describe('deriving over a directory with the headers of a patch', () => {
  it("sees a directory helper's drop only from the round and place it was set in", () => {
    // middle() is visited before passer() gets its drop (from its callee, later in the file), so in the
    // first round middle() takes the drop of its second call (of an unlocker of its second parameter); the
    // header's helper, which middle() calls too, puts middle() among the helpers derived again.
    const dir = [
      fn('unlocker', '\tunlock_page(a);'),
      fn('middle', '\tpasser(a, b);\n\tunlocker(b, a);\n\thdr_pass(a, b);'),
      fn('passer', '\tdeep(a, b);'),
      fn('deep', '\tunlock_page(a);'),
    ].join('\n');
    const { over, whole } = both(dir, fn('hdr_pass', '\tdeep(a, b);', true));
    expect(over).toEqual(whole);
    expect((whole as { name: string; arg: number }[]).find((p) => p.name === 'middle')?.arg).toBe(1);
  });

  it("derives a helper again when a callee's drop is the same but comes a round later", () => {
    // The header's non-static stub of a static helper makes it the definition that counts: it drops
    // the lock through a call, so it has its drop at its own place in the first round, not from the
    // start. user() gets the same drop one round later than alone, and caller(), visited after user()
    // in the first round, no longer sees it then and takes its second call's (an unlocker of its
    // second parameter) instead.
    const dir = [
      fn('user', '\tstub(a, b);'),
      fn('caller', '\tuser(a, b);\n\tother(b, a);'),
      `static ${fn('stub', '\tunlock_page(a);')}`,
      fn('dropper', '\tunlock_page(a);'),
      fn('other', '\tunlock_page(a);'),
    ].join('\n');
    const { over, whole } = both(dir, fn('stub', '\tdropper(a, b);', true));
    expect(over).toEqual(whole);
    expect((whole as { name: string; arg: number }[]).find((p) => p.name === 'caller')?.arg).toBe(1);
  });

  it('derives over all the files when the changed drops climb a chain of helpers longer than its passes allow', () => {
    // Each helper passes its callee's drop on, the deepest first in the file (so all have it in the
    // first round); the header's non-static stub of the deepest (static there) drops nothing, so every
    // helper of the chain loses its drop, one call up per pass of the region.
    const chain = (n: number): string =>
      Array.from({ length: n + 1 }, (_, i) => n - i)
        .map((i) => (i === n ? `static ${fn(`c${i}`, '\tunlock_page(a);')}` : fn(`c${i}`, `\tc${i + 1}(a, b);`)))
        .join('\n');
    const stub = (n: number): string => fn(`c${n}`, '\tread_it(a, b);', true);
    for (const [n, over] of [
      [10, 1],
      [200, 0],
    ] as const) {
      clearFactsMemory();
      const files = [factsFor(`fs/chain${n}/a.c`, chain(n), model, 'test', null)];
      const all = [...files, factsFor(`include/chain${n}.h`, stub(n), model, 'test', null)];
      const was = derivationsOver();
      const got = summaryIndexFor(all, tagger, 3, null, 1).derivedPrimitives(known);
      // Ten helpers: derived over the record; two hundred: past the passes, derived whole (the same answer).
      expect(derivationsOver() - was).toBe(over);
      expect(got).toEqual(new SummaryIndex(all, tagger, 3).derivedPrimitives(known));
      expect(got.filter((p) => /^c\d+$/.test(p.name))).toEqual([]);
    }
  });

  it('goes on with the rounds while the directory\'s own helpers still change', () => {
    // first() changes in none of the first two rounds; the chain under it (outside what the header
    // changes) does, and reaches it in the third.
    const dir = [
      fn('first', '\tsecond(a, b);\n\thdr_pass(NULL, NULL);'),
      fn('second', '\tthird(a, b);'),
      fn('third', '\tfourth(a, b);'),
      fn('fourth', '\tunlock_page(a);'),
    ].join('\n');
    const { over, whole } = both(dir, fn('hdr_pass', '\tfourth(a, b);', true));
    expect(over).toEqual(whole);
    expect((whole as { name: string }[]).map((p) => p.name)).toContain('first');
  });

  it('says what a derivation over every file says, over random directories and headers', () => {
    const before = derivationsOver();
    let patches = 0;
    fc.assert(
      fc.property(fc.array(fileArb(dirNames), { minLength: 1, maxLength: 3 }), fc.array(fc.array(fileArb([...hdrNames, ...dirNames]), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(1000), (dir, patchHeaders, n) => {
        clearFactsMemory();
        const files: FileFacts[] = dir.map((fns, i) =>
          factsFor(`fs/p${n}/f${i}.c`, 'static DEFINE_SPINLOCK(g_lock);\n\n' + fns.map((f) => fnText(dirNames[f.name], f.calls, [...dirNames, ...hdrNames], false, f.isStatic === 0, false)).join('\n'), model, 'test', null),
        );
        for (const [j, headers] of patchHeaders.entries()) {
          const hs = headers.map((fns, i) =>
            factsFor(`include/p${n}/q${j}/h${i}.h`, fns.map((f) => fnText([...hdrNames, ...dirNames][f.name], f.calls, [...hdrNames, ...dirNames], true, f.isStatic === 0, true)).join('\n'), model, 'test', null),
          );
          const all = [...files, ...hs];
          const got = summaryIndexFor(all, tagger, 3, null, files.length).derivedPrimitives(known);
          expect(got).toEqual(new SummaryIndex(all, tagger, 3).derivedPrimitives(known));
          patches++;
        }
      }),
      { numRuns: 300, seed: 20261208 },
    );
    // The derivations above were made over the directory's record (not only found again, nor derived whole).
    const over = derivationsOver() - before;
    expect(patches).toBeGreaterThan(300);
    expect(over).toBeGreaterThan(100);
  });
});
