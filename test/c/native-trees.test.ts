// Forced collections for tree-sitter's trees (src/c/native-trees.ts) are counted from the last full
// collection, V8's own as well as ours: each one marks the whole heap, and V8's frees dead trees too.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { setTreeBudget, TREE_BYTES_PER_SOURCE_BYTE, treeCollections, treeParsed } from '../../src/c/native-trees.js';
import { gc } from '../helpers/collect.js';

afterEach(() => setTreeBudget(DEFAULT_LIMITS.cacheBytes));

describe('trees awaiting collection', () => {
  it('are counted from the last full collection, one V8 made on its own included', async () => {
    // Fails on the old code: only its own collections reset the count, so the trees parsed before a
    // full collection of V8's were counted again and a needless one was forced.
    treeParsed(0);
    setTreeBudget(1000 * TREE_BYTES_PER_SOURCE_BYTE);
    // Start from a collection of our own, then 600 characters' worth of trees.
    treeParsed(1000);
    const start = treeCollections();
    treeParsed(600);
    // A full collection not asked for by a parse (V8's own); its notice comes a turn or two later.
    gc();
    await sleep(50);
    treeParsed(600);
    expect(treeCollections()).toBe(start);
    // The budget still holds for the trees parsed since.
    treeParsed(600);
    expect(treeCollections()).toBe(start + 1);
  });

  it('are still collected past the budget when no full collection came between', () => {
    treeParsed(0);
    setTreeBudget(1000 * TREE_BYTES_PER_SOURCE_BYTE);
    treeParsed(1000);
    const start = treeCollections();
    treeParsed(600);
    treeParsed(600);
    expect(treeCollections()).toBe(start + 1);
  });
});
