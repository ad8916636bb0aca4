// The commits a range review reads are kept with the history index: the same range read again
// (a History opened again on the same cache) streams them from there, not through cat-file.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import { listRange, readCommits } from '../../src/sources/git-range.js';
import type { Patch } from '../../src/core/types.js';

const repo = new TestRepo();
const cache = mkdtempSync(join(tmpdir(), 'kreview-commit-store-'));
afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

async function readAll(): Promise<{ patches: Patch[]; error: string | null }> {
  const h = await openHistory(repo.dir, { cacheDir: cache });
  const patches: Patch[] = [];
  try {
    for await (const p of readCommits(repo.dir, await listRange(repo.dir, ['HEAD']), 'HEAD', h.commitStore)) patches.push(p);
    return { patches, error: null };
  } catch (e) {
    return { patches, error: (e as Error).message };
  } finally {
    await h.close();
  }
}

/** What a review reads of a commit patch (the trailers are read through their getter). */
const seen = (p: Patch) => ({ id: p.id, parent: p.parent, subject: p.subject, author: p.author, date: p.date, message: p.message, trailers: p.trailers, source: p.source });

/** Remove a loose object; the commit-graph still gives rev-list the parents. */
function dropObject(id: string): void {
  rmSync(join(repo.dir, '.git', 'objects', id.slice(0, 2), id.slice(2)));
}

describe('commit objects kept with the index', () => {
  it('a range read again needs no commit object; one never kept still does, and the range ends there', async () => {
    const a = repo.commit('lib: add\n\nBody.\r\n\nSigned-off-by: Ann <ann@example.org>\n', { files: { 'lib/a.c': '1\n' }, author: { name: 'Ann', email: 'ann@example.org' } });
    const b = repo.commit('lib: fix\n\nFixes: 0123456789ab ("lib: add")\nCc: x@example.org\n', { files: { 'lib/a.c': '2\n' } });
    const tip = repo.commit('lib: three\n', { files: { 'lib/a.c': '3\n' } });
    repo.git('commit-graph', 'write', '--reachable');
    const first = await readAll();
    expect(first.error).toBeNull();
    expect(first.patches.map((p) => p.id)).toEqual([a, b, tip]);
    expect(first.patches[0].trailers.map((t) => t.key)).toEqual(['Signed-off-by']);

    // Two commit objects are gone from the repository: only the kept copies can answer for them.
    dropObject(a);
    dropObject(b);
    const again = await readAll();
    expect(again.error).toBeNull();
    expect(again.patches.map(seen)).toEqual(first.patches.map(seen));

    // Without the kept copies (no store), git is asked: the commits before the unreadable one
    // are handed on, and the range ends there with one line.
    const patches: Patch[] = [];
    const read = async () => {
      for await (const p of readCommits(repo.dir, [tip, a, b], 'R')) patches.push(p);
    };
    await expect(read()).rejects.toThrow(`commit ${a} of R cannot be read from ${repo.dir}`);
    expect(patches.map((p) => p.id)).toEqual([tip]);
  });
});
