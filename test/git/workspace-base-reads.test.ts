// The lock check asks a commit's workspace for the same directory listing at every helper it follows
// and for the same headers' ids from several places: each is asked of git once per workspace, and a base
// file whose blob id is known is read by that id, kept between the commits of a range.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patch } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

const helper = 'static inline int lock_it(int *l)\n{\n\treturn *l;\n}\n';
const body = (n: number): string => `#include "lib/helper.h"\nint step(int x)\n{\n${Array.from({ length: n }, (_, k) => `\tx += ${k};\n`).join('')}\treturn x;\n}\n`;
let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  repo.commit('lib: add\n', { files: { 'lib/helper.h': helper, 'lib/other.c': 'int other(void)\n{\n\treturn 0;\n}\n', 'lib/step.c': body(1) } });
  repo.commit('step: two\n', { files: { 'lib/step.c': body(2) } });
  repo.commit('step: three\n', { files: { 'lib/step.c': body(3) } });
});
afterAll(() => repo.remove());

/** Every question the workspace puts to the History, by method. */
function counted(history: History): Record<string, string[]> {
  const asked: Record<string, string[]> = { listFileIds: [], fileId: [], readFile: [], readBlob: [] };
  const h = history as unknown as Record<string, (...a: string[]) => unknown>;
  for (const name of Object.keys(asked)) {
    const real = h[name].bind(history);
    h[name] = (...a: string[]) => (asked[name].push(a.join(' ')), real(...a));
  }
  return asked;
}

describe("a commit's base tree", { timeout: 60_000 }, () => {
  it('is listed once per directory, its ids asked once per path, its texts read by blob id', async () => {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~2..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    const asked = counted(history);
    const seen: unknown[] = [];
    try {
      for (const patch of patches) {
        const ws = await createWorkspace(patch, { repo: repo.dir, history });
        // As the lock check does: the listing at every helper followed, the header's id and text from two places.
        for (let i = 0; i < 3; i++) seen.push([...(await ws.baseFileIds!('lib')).keys()]);
        for (let i = 0; i < 2; i++) seen.push((await ws.baseFileId!('lib/helper.h'))?.size, await ws.readBaseFile('lib/helper.h'));
        seen.push(await ws.readBaseFile('lib/other.c'));
        // A header that is not there: git said so once; reading it says the same without asking again.
        for (let i = 0; i < 2; i++) seen.push(await ws.baseFileId!('lib/missing.h'), await ws.readBaseFile('lib/missing.h'));
        seen.push(await ws.listBaseFiles('lib'));
      }
    } finally {
      await history.close();
    }
    const perCommit = ['lib/helper.h', 'lib/other.c', 'lib/step.c'];
    const one = [perCommit, perCommit, perCommit, helper.length, helper, helper.length, helper, 'int other(void)\n{\n\treturn 0;\n}\n', null, null, null, null, perCommit];
    expect(seen).toEqual([...one, ...one]);
    expect(asked.listFileIds).toHaveLength(2);
    // lib/ was listed before: the header it lacks is answered from the listing, not asked (tree-listings.test.ts).
    expect(asked.fileId.map((a) => a.split(' ')[1])).toEqual(['lib/helper.h', 'lib/helper.h']);
    // Unchanged blobs are read once for the whole range, and never by path.
    expect(asked.readFile).toEqual([]);
    expect(asked.readBlob).toHaveLength(2);
  });
});
