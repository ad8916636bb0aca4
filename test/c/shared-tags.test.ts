// A directory's own files' direct tags (which rule each call can trigger) are kept on disk in one
// file for the directory's content, not only file by file: a directory past the memory budget (fs/
// of the 6.1 tree, 1,900 files) comes back from the disk cache as new objects at its patches, and
// its tags were read back with one small read per file each time. Generated data.
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { countingTagger } from './counting-tagger.js';
import type { FileFacts } from '../../src/c/facts.js';
import { clearFactsMemory, factsForBlob, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';

const rules = loadRules();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FILES: Record<string, string> = {
  'd/alloc.c': 'int grab_buffer(struct thing *t)\n{\n\tt->buf = kmalloc(64, GFP_KERNEL);\n\treturn t->buf ? 0 : -ENOMEM;\n}\n',
  'd/wait.c': 'void settle_page(struct page *page)\n{\n\twait_on_page_writeback(page);\n}\n\nint idle(int x)\n{\n\treturn x;\n}\n',
  'd/use.c': 'int use_both(struct thing *t, struct page *p)\n{\n\tsettle_page(p);\n\treturn grab_buffer(t);\n}\n',
};

async function directory(cacheDir: string): Promise<FileFacts[]> {
  const out: FileFacts[] = [];
  for (const [i, [path, text]] of Object.entries(FILES).entries()) out.push((await factsForBlob(path, String(i).padStart(40, 'b'), async () => text, rules.model, rules.hash, cacheDir))!);
  return out;
}

const counting = (): ReturnType<typeof countingTagger> => countingTagger(rules);

const tagsOf = (files: FileFacts[], tagger: Tagger, cacheDir: string): Record<string, [string, string[]][]> => {
  // All three are the directory's own files (a patch's index passes them first).
  const index = summaryIndexFor(files, tagger, 3, cacheDir, files.length);
  return Object.fromEntries(files.flatMap((f) => f.functions.map((fn) => [fn.name, [...index.get(fn.name, f.path)!.tags]])));
};

function tagFiles(cacheDir: string): string[] {
  const root = join(cacheDir, 'lock-tags');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("a directory's direct tags kept on disk", () => {
  it('are read back from one file for the directory, with the same summaries', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-shared-tags-'));
    dirs.push(cacheDir);
    clearFactsMemory();
    const first = counting();
    const before = tagsOf(await directory(cacheDir), first.tagger, cacheDir);
    expect(first.calls()).toBeGreaterThan(0);
    expect(before.use_both.length).toBeGreaterThan(0);
    // Only the directory's one file is left: its three files' own are removed.
    const all = tagFiles(cacheDir);
    const shared = all.filter((p) => {
      const saved = JSON.parse(readFileSync(p, 'utf8')) as unknown[];
      return saved.length === 3 && saved.every((s) => Array.isArray(s) && s.every((t) => Array.isArray(t)));
    });
    expect(shared).toHaveLength(1);
    for (const p of all) if (p !== shared[0]) rmSync(p);
    // A new process: nothing in memory, facts from the disk cache.
    clearFactsMemory();
    const second = counting();
    const after = tagsOf(await directory(cacheDir), second.tagger, cacheDir);
    expect(second.calls()).toBe(0);
    expect(after).toEqual(before);
  });
});
