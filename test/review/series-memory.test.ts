// A mailed series is reviewed patch by patch on the previous patch's post-images, and nothing more
// of the earlier patches is kept: a 68-patch series across fs/ must not hold every patch's file
// images until its end (issue 11 item 6: memory bounded by the work in flight).
import { afterAll, describe, expect, it } from 'vitest';
import type { Check, Workspace } from '../../src/core/check.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Patch, Series } from '../../src/core/types.js';
import { parseDiff } from '../../src/patch/diff.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gc } from '../helpers/collect.js';

const lines = (tag: string) => Array.from({ length: 200 }, (_, i) => `int ${tag}_${i};`).join('\n') + '\n';

function mail(i: number, diff: string): Patch {
  return {
    id: `p${i}@example.org`, kind: 'mail', source: `patch ${i}`, subject: `[PATCH ${i}/3] fs: step ${i}`,
    prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: i, total: 3, rfc: false, resend: false, tree: null, summary: `fs: step ${i}` },
    author: { name: 'A', email: 'a@example.org' }, date: null, message: `fs: step ${i}`, trailers: [], notes: '', files: parseDiff(diff).files,
    baseCommit: null, changeId: null, commit: null, parent: null, mail: null, warnings: [],
  };
}

const repo = new TestRepo();
afterAll(() => repo.remove());

describe('a mailed series in review', () => {
  it('keeps the previous patch post-images for the next patch, and lets the earlier workspaces go', async () => {
    // Three patches on one file, each written against the one before; the base is the first commit.
    const texts = [lines('a'), lines('a').replace('int a_10;\n', 'int a_10 = 1;\n')];
    texts.push(texts[1].replace('int a_100;\n', 'int a_100 = 2;\n'), texts[1].replace('int a_100;\n', 'int a_100 = 2;\n').replace('int a_190;\n', 'int a_190 = 3;\n'));
    const commits = texts.map((t, i) => repo.commit(`fs: version ${i}`, { files: { 'fs/a.c': t } }));
    const patches = [1, 2, 3].map((i) => mail(i, repo.git('diff', commits[i - 1], commits[i]) + '\n'));
    repo.git('reset', '--hard', commits[0]);
    const series: Series = { id: 'p1@example.org', version: 1, subject: 'fs: steps', cover: null, patches, total: 3, missing: [], complete: true };

    const seen: WeakRef<Workspace>[] = [];
    let firstAlive: boolean | null = null;
    const probe: Check = {
      id: 'probe',
      description: 'sees each workspace, and whether the first one is still alive at the third patch',
      async run({ workspace }) {
        seen.push(new WeakRef(workspace));
        if (seen.length === 3) {
          await new Promise((r) => setTimeout(r, 0));
          gc();
          firstAlive = seen[0].deref() !== undefined;
        }
        return [];
      },
    };
    const review = await reviewSeries(series, { repo: repo.dir, config: { ...defaultConfig(), enable: ['probe'] }, checks: [probe] });

    // Each patch applied on the one before it, the last on the post-image of the second.
    expect(review.patches.map((p) => p.applied)).toEqual([true, true, true]);
    expect(review.patches.map((p) => p.base.source)).toEqual(['head', 'head', 'head']);
    expect(firstAlive).toBe(false);
  });
});
