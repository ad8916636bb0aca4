// The direct tags of a directory's functions (which rule each call can trigger) are kept on disk
// beside their facts: a new process reviewing a patch in the same directory reads them back instead
// of matching every call of the directory against the rules again (a fifth of a warm one-patch
// review with --repo on the 6.1 tree's fs/nfs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { countingTagger } from './counting-tagger.js';
import type { FileFacts } from '../../src/c/facts.js';
import { clearFactsMemory, factsForBlob, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';

const rules = loadRules();
const dirs: string[] = [];
afterEach(() => clearFactsMemory());
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// A helper that allocates with GFP_KERNEL (an atomic-context tag), one that waits on a page, and
// callers of each: the tags climb one call up.
const FILES: Record<string, string> = {
  'd/alloc.c': 'int grab_buffer(struct thing *t)\n{\n\tt->buf = kmalloc(64, GFP_KERNEL);\n\treturn t->buf ? 0 : -ENOMEM;\n}\n',
  'd/wait.c': 'void settle_page(struct page *page)\n{\n\twait_on_page_writeback(page);\n}\n',
  'd/use.c': 'int use_both(struct thing *t, struct page *p)\n{\n\tsettle_page(p);\n\treturn grab_buffer(t);\n}\n',
};

async function directory(cacheDir: string): Promise<FileFacts[]> {
  const out: FileFacts[] = [];
  for (const [i, [path, text]] of Object.entries(FILES).entries()) {
    out.push((await factsForBlob(path, String(i).padStart(40, 'a'), async () => text, rules.model, rules.hash, cacheDir))!);
  }
  return out;
}

const counting = (): ReturnType<typeof countingTagger> => countingTagger(rules);

const tagsOf = (files: FileFacts[], tagger: Tagger, cacheDir: string): Record<string, [string, string[]][]> => {
  const index = summaryIndexFor(files, tagger, 3, cacheDir);
  return Object.fromEntries(files.flatMap((f) => f.functions.map((fn) => [fn.name, [...index.get(fn.name, f.path)!.tags]])));
};

describe('direct tags kept on disk', () => {
  it('are read back by a new process instead of tagging every call again, with the same summaries', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-tags-'));
    dirs.push(cacheDir);
    const first = counting();
    const before = tagsOf(await directory(cacheDir), first.tagger, cacheDir);
    expect(first.calls()).toBeGreaterThan(0);
    expect(before.grab_buffer.length).toBeGreaterThan(0);
    expect(before.use_both.map(([tag]) => tag).sort()).toEqual(expect.arrayContaining(before.grab_buffer.map(([tag]) => tag)));
    // A new process: nothing in memory, facts from the disk cache.
    clearFactsMemory();
    const second = counting();
    const after = tagsOf(await directory(cacheDir), second.tagger, cacheDir);
    expect(second.calls()).toBe(0);
    expect(after).toEqual(before);
  });

  it('are tagged again under other rules or other matching code (another cache id)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-tags-'));
    dirs.push(cacheDir);
    tagsOf(await directory(cacheDir), counting().tagger, cacheDir);
    clearFactsMemory();
    const other = counting();
    other.tagger.cacheId = 'another';
    tagsOf(await directory(cacheDir), other.tagger, cacheDir);
    expect(other.calls()).toBeGreaterThan(0);
  });
});
