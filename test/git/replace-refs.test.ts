// The history index and the answers kept with it (commit graph, blame owners) are built from what
// git reports. Replace refs (`git replace --graft`) and an info/grafts file change what git reports
// about the same commit ids, and they can appear or go at any time, so answers kept from before
// would disagree with a fresh index. kreview reads the objects as they are, as a clone (which does
// not fetch refs/replace/) sees them: warm and cold answers agree, whatever replace refs exist.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { runGit } from '../../src/git/run-git.js';
import { TestRepo } from '../helpers/git-repo.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kreview-replace-'));
  dirs.push(d);
  return d;
};

/** A history A <- B, and an unrelated root commit X on another branch. */
function world() {
  const repo = new TestRepo(join(tmp(), 'repo'));
  const a = repo.commit('fs: add the first file', { files: { 'fs/a.c': 'int a;\n' } });
  const b = repo.commit('fs: change it', { files: { 'fs/a.c': 'int a;\nint b;\n' } });
  repo.git('checkout', '-q', '--orphan', 'old');
  repo.git('rm', '-rqf', '.');
  const x = repo.commit('fs: the historic import', { files: { 'fs/x.c': 'int x;\n' } });
  repo.git('checkout', '-q', 'master');
  return { repo, a, b, x };
}

async function ancestry(dir: string, cacheDir: string, x: string, b: string) {
  const h = await openHistory(dir, { cacheDir });
  try {
    return { xInB: await h.isAncestor(x, b), parentsOfA: (await h.commits([b])).get(b)?.parents };
  } finally {
    await h.close();
  }
}

describe('replace refs and grafts', () => {
  it('do not make a warm index disagree with a cold one', async () => {
    const { repo, a, b, x } = world();
    const warm = tmp();
    const before = await ancestry(repo.dir, warm, x, b);
    expect(before.xInB).toBe(false);
    // X becomes A's parent in git's eyes, for every git that honours replace refs.
    repo.git('replace', '--graft', a, x);
    expect(repo.git('log', '--format=%H', b)).toContain(x);
    const afterWarm = await ancestry(repo.dir, warm, x, b);
    const afterCold = await ancestry(repo.dir, tmp(), x, b);
    expect(afterWarm).toEqual(afterCold);
    expect(afterCold.xInB).toBe(false);
  });

  it('are not followed by any git kreview runs, nor is info/grafts', async () => {
    const { repo, a, b, x } = world();
    repo.git('replace', '--graft', a, x);
    const viaKreview = await runGit(repo.dir, ['rev-list', b]);
    expect(viaKreview.stdout.trim().split('\n')).toEqual([b, a]);
    repo.git('replace', '-d', a);
    writeFileSync(join(repo.dir, '.git', 'info', 'grafts'), `${a} ${x}\n`);
    const grafted = await runGit(repo.dir, ['rev-list', b]);
    expect(grafted.stdout.trim().split('\n')).toEqual([b, a]);
    // No hint about the deprecated graft file either: git was never pointed at it.
    expect(grafted.stderr).toBe('');
  });
});
