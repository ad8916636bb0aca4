// A range review holds no syntax tree past its commit, yet tree-sitter frees a tree only when a full
// garbage collection finds it dead, and V8 times those by its own heap, which the trees' native
// memory is not part of: dead trees piled up with the commits met (issue 9 row 17: 1,100 trees, two
// thirds of a 1 GB peak at 1,200 btrfs-progs commits). The trees awaiting collection must stay
// within the budget (limits.cacheBytes), whatever the length of the range.
import { createRequire } from 'node:module';
import { setImmediate as turn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamReview } from '../../src/cli/review-command.js';
import { defaultConfig } from '../../src/core/config.js';
import { TREE_BYTES_PER_SOURCE_BYTE } from '../../src/c/native-trees.js';
import type { ReviewSink } from '../../src/review/review-stream.js';
import { TestRepo } from '../helpers/git-repo.js';

const COMMITS = 48;
const BUDGET = 8 << 20;
let repo: TestRepo;
let base: string;

/**
 * A 75 KB file, most of it a table (much to parse, little to summarise); commit `i` changes a
 * declaration at file scope, so each version is parsed whole.
 */
const file = (i: number): string =>
  `#include <linux/mm.h>\n\nint version = ${i};\n\nstatic const int table[] = {\n` +
  Array.from({ length: 2000 }, (_, k) => `\t${k}, ${k * 7}, ${k * 13}, ${k * 17}, ${k ^ 5}, ${k * 3},\n`).join('') +
  `};\n\nint step(struct page *page)\n{\n\tlock_page(page);\n\tpage->index += table[version];\n\tunlock_page(page);\n\treturn 0;\n}\n`;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit('mm: add helpers\n\nSigned-off-by: A <a@example.org>\n', { files: { 'mm/helpers.c': file(0) } });
  for (let i = 1; i <= COMMITS; i++) repo.commit(`mm: version ${i}\n\nSigned-off-by: A <a@example.org>\n`, { files: { 'mm/helpers.c': file(i) } });
});

afterAll(() => repo.remove());

describe('syntax trees of a range review', { timeout: 300_000 }, () => {
  it('awaiting collection stay within limits.cacheBytes however many commits are reviewed', async () => {
    // Every tree the parser makes, counted until its handle is collected.
    const Parser = createRequire(import.meta.url)('tree-sitter') as { prototype: { parse: (...a: unknown[]) => object } };
    const parse = Parser.prototype.parse;
    let live = 0;
    let made = 0;
    const freed = new FinalizationRegistry<number>((chars) => (live -= chars));
    Parser.prototype.parse = function (this: unknown, ...args: unknown[]) {
      const tree = parse.apply(this, args);
      const chars = typeof args[0] === 'string' ? args[0].length : 0;
      live += chars;
      made += chars;
      freed.register(tree, chars);
      return tree;
    };
    let most = 0;
    let reviewed = 0;
    const sink: ReviewSink = { begin() {}, seriesStart() {}, seriesEnd() {}, end() {}, patch: () => void reviewed++ };
    const config = { ...defaultConfig(), limits: { ...defaultConfig().limits, cacheBytes: BUDGET } };
    const watch = setInterval(() => (most = Math.max(most, live)), 5);
    try {
      await streamReview([`${base}..HEAD`], { repo: repo.dir }, config, sink);
      await turn();
    } finally {
      clearInterval(watch);
      Parser.prototype.parse = parse;
    }
    expect(reviewed).toBe(COMMITS);
    // The parses were many budgets' worth...
    expect(made * TREE_BYTES_PER_SOURCE_BYTE).toBeGreaterThan(10 * BUDGET);
    // ...but what awaited collection at any time was the budget, the commits in flight and the few
    // files the parser keeps (about 1 MB of source here; before, every tree of the range: 5 MB).
    expect(most * TREE_BYTES_PER_SOURCE_BYTE).toBeLessThan(4 * BUDGET);
  });
});
