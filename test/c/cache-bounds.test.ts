// The caches a range review keeps between commits are bounded by bytes (limits.cacheBytes), never by
// a count alone: four summary indexes, four parses or 2,048 headers by count were four kernel
// directories, four of its largest files or a gigabyte of headers (issue 9 row 17). Within the
// budget, what the commits in flight share is kept: one commit's post-image directory is often the
// next one's pre-image.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from '../../checks/lock/index.js';
import { headerContractsKept } from '../../checks/lock/tree-contracts.js';
import { loadRules } from '../../checks/lock/rules-load.js';
import { defaultConfig } from '../../src/core/config.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { Patch, Series } from '../../src/core/types.js';
import type { FileFacts } from '../../src/c/facts.js';
import { setTreeBudget, TREE_BYTES_PER_SOURCE_BYTE } from '../../src/c/native-trees.js';
import { parseC } from '../../src/c/parse.js';
import { clearFactsMemory, factsForBlob, setFactsMemoryBudget, summaryIndexFor, summaryIndexesKept, type Tagger } from '../../src/c/summaries.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

const model = loadRules().model;
const source = (i: number, v = 0): string => `int helper_${i}(struct page *page)\n{\n\tlock_page(page);\n\treturn ${i + 1000 * v};\n}\n`;
const id = (i: number, v = 0): string => (i + 1000 * v).toString(16).padStart(40, '0');
const tagger: Tagger = () => [];

afterEach(() => {
  setFactsMemoryBudget(DEFAULT_LIMITS.cacheBytes);
  setTreeBudget(DEFAULT_LIMITS.cacheBytes);
  clearFactsMemory();
});

/** The facts of directory `dir`'s 20 files, file 0 at version `v`; `reads` counts the files read. */
async function directory(dir: string, v: number, reads: { n: number }): Promise<FileFacts[]> {
  const out: FileFacts[] = [];
  for (let i = 0; i < 20; i++) {
    const ver = i === 0 ? v : 0;
    const read = async (): Promise<string> => {
      reads.n++;
      return source(i, ver);
    };
    out.push((await factsForBlob(`${dir}/f${i}.c`, id(i, ver), read, model, 'salt', null))!);
  }
  return out;
}

describe('summary indexes kept between patches', () => {
  it('hold two versions of one directory side by side: the index of the first is reused', async () => {
    const reads = { n: 0 };
    const v1 = await directory('d', 1, reads);
    const first = summaryIndexFor(v1, tagger, 3);
    summaryIndexFor(await directory('d', 2, reads), tagger, 3);
    expect(summaryIndexFor(await directory('d', 1, reads), tagger, 3)).toBe(first);
  });

  it('stay within the budget by the bytes of the facts they hold, not four by count', async () => {
    const reads = { n: 0 };
    const probe = summaryIndexesKept();
    expect(probe.count).toBe(0);
    summaryIndexFor(await directory('p', 0, reads), tagger, 3);
    const oneDirectory = summaryIndexesKept().bytes;
    clearFactsMemory();
    // Room for the facts of one and a half directories: not even the facts of the first stay in memory.
    setFactsMemoryBudget(Math.floor(oneDirectory * 0.75));
    reads.n = 0;
    for (const dir of ['a', 'b', 'c', 'd']) summaryIndexFor(await directory(dir, 0, reads), tagger, 3);
    expect(reads.n).toBe(80);
    // Directory a's facts were held by its index alone, and that index is gone: read again.
    await directory('a', 0, reads);
    expect(reads.n).toBe(100);
    expect(summaryIndexesKept().count).toBe(1);
  });
});

describe('parses kept for the next parse of the same text', () => {
  const big = (n: number): string => Array.from({ length: 400 }, (_, k) => `int f${n}_${k}(int x)\n{\n\treturn x + ${k};\n}\n`).join('\n');

  it('are the same parse while their trees fit the budget', () => {
    const a = parseC(big(1), model.syntax);
    parseC(big(2), model.syntax);
    expect(parseC(big(1), model.syntax)).toBe(a);
  });

  it('are dropped, the newest but one, once their trees pass it', () => {
    // Room for one tree of these files, not two.
    setTreeBudget(Math.floor(big(1).length * TREE_BYTES_PER_SOURCE_BYTE * 1.5));
    const a = parseC(big(3), model.syntax);
    parseC(big(4), model.syntax);
    expect(parseC(big(3), model.syntax)).not.toBe(a);
  });
});

describe('header contracts kept between patches', { timeout: 120_000 }, () => {
  const HEADERS = 30;
  let repo: TestRepo;
  const headers: Record<string, string> = {};
  const includes: string[] = [];
  for (let i = 0; i < HEADERS; i++) {
    // 4 KB each: a prototype with its annotation and a comment to make up the size.
    headers[`include/gad/h${i}.h`] = `/* ${'x'.repeat(4000)} */\nvoid gad_release_${i}(spinlock_t *l) __releases(l);\n`;
    includes.push(`#include <gad/h${i}.h>`);
  }
  const c = (v: number): string => `${includes.join('\n')}\n\nint gad_step(struct page *page)\n{\n\tlock_page(page);\n\treturn ${v};\n}\n`;

  /** The lock check on each commit of `range`, with `cacheBytes`; the base files each review read by path. */
  async function review(range: string, cacheBytes: number): Promise<string[][]> {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, [range])) patches.push(p);
    const history = await openHistory(repo.dir);
    const reads: string[][] = [];
    try {
      for (const patch of patches) {
        const workspace = await createWorkspace(patch, { repo: repo.dir, history });
        const read: string[] = [];
        const readBaseFile = workspace.readBaseFile.bind(workspace);
        workspace.readBaseFile = (path) => (read.push(path), readBaseFile(path));
        const config = defaultConfig();
        config.limits = { ...config.limits, cacheBytes };
        const series: Series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
        await lockCheck.run({ patch, series, workspace, config });
        reads.push(read);
      }
    } finally {
      await history.close();
    }
    return reads;
  }

  beforeAll(() => {
    repo = new TestRepo();
    repo.commit('base\n', { files: { ...headers, 'mm/gad.c': c(0) } });
    for (let v = 1; v <= 3; v++) repo.commit(`change ${v}\n`, { files: { 'mm/gad.c': c(v) } });
  });
  afterAll(() => repo.remove());

  it('are found by the headers\' blob ids: a range whose headers do not change reads each once', async () => {
    clearFactsMemory();
    const reads = await review('HEAD~3..HEAD', DEFAULT_LIMITS.cacheBytes);
    expect(reads[0].filter((p) => p.endsWith('.h'))).toHaveLength(HEADERS);
    expect(reads.slice(1).flat().filter((p) => p.endsWith('.h'))).toEqual([]);
  });

  it('stay within an eighth of limits.cacheBytes however many headers the files include', async () => {
    const cacheBytes = 400_000;
    await review('HEAD~1..HEAD', cacheBytes);
    const kept = headerContractsKept();
    // 120 KB of headers were read; an eighth of the budget is 50 KB.
    expect(kept.count).toBeGreaterThan(0);
    expect(kept.bytes).toBeLessThanOrEqual(cacheBytes / 8);
  });
});
