// Over a range, a commit's pre-image of a file is the post-image of the last commit that changed
// it: the workspace keeps images by blob id (within their share of limits.cacheBytes) and does not
// read the same blob again, nor the same image once per check that asks for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patch } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';

const file = (n: number): string => `int step(int x)\n{\n${Array.from({ length: n }, (_, k) => `\tx += ${k};\n`).join('')}\treturn x;\n}\n`;
let repo: TestRepo;

beforeAll(() => {
  repo = new TestRepo();
  repo.commit('step: add\n', { files: { 'lib/step.c': file(1) } });
  repo.commit('step: two\n', { files: { 'lib/step.c': file(2) } });
  repo.commit('step: three\n', { files: { 'lib/step.c': file(3) } });
});
afterAll(() => repo.remove());

describe("a range's images", { timeout: 60_000 }, () => {
  it('are read once per blob: the next commit finds its pre-image kept', async () => {
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~2..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    const reads: string[] = [];
    const readFile = history.readFile.bind(history);
    history.readFile = (rev, path) => (reads.push(`${rev.slice(0, 7)}:${path}`), readFile(rev, path));
    const seen: (string | undefined)[] = [];
    try {
      for (const patch of patches) {
        const ws = await createWorkspace(patch, { repo: repo.dir, history });
        // Two checks ask for the same images.
        for (let i = 0; i < 2; i++) seen.push((await ws.preImage('lib/step.c'))?.text, (await ws.postImage('lib/step.c'))?.text);
      }
    } finally {
      await history.close();
    }
    expect(seen).toEqual([file(1), file(2), file(1), file(2), file(2), file(3), file(2), file(3)]);
    // The first commit's two images, then only the second commit's post-image.
    expect(reads).toHaveLength(3);
  });
});
