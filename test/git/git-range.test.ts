// readRange on real repositories: rev-list forms, oldest first, lazy diffs, refused and bad revisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';
import { listRange, readRange } from '../../src/sources/git-range.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { openHistory } from '../../src/git/history.js';
import { KreviewError, type Patch } from '../../src/core/types.js';

const repo = new TestRepo();
const ids: string[] = [];

async function collect(revs: string[], dir = repo.dir): Promise<Patch[]> {
  const out: Patch[] = [];
  for await (const p of readRange(dir, revs)) out.push(p);
  return out;
}

beforeAll(() => {
  ids.push(repo.commit('mm: one\n', { files: { 'mm/a.c': '1\n' } }));
  ids.push(repo.commit('mm: two\n\nBody.\n\nSigned-off-by: A <a@example.org>\n', { files: { 'mm/a.c': '2\n' }, author: { name: 'Ann', email: 'ann@example.org' } }));
  ids.push(repo.commit('mm: three\n', { files: { 'mm/a.c': '3\n' } }));
  repo.tag('v1');
});
afterAll(() => repo.remove());

describe('readRange', () => {
  it('yields the commits of a range oldest first, as commit patches with trailers', async () => {
    const ps = await collect([`${ids[0]}..v1`]);
    expect(ps.map((p) => p.commit)).toEqual([ids[1], ids[2]]);
    const p = ps[0];
    expect(p).toMatchObject({ kind: 'commit', id: ids[1], parent: ids[0], subject: 'mm: two', author: { name: 'Ann', email: 'ann@example.org' } });
    expect(p.trailers.map((t) => t.key)).toEqual(['Signed-off-by']);
    expect(p.source).toBe(`${ids[0]}..v1@${ids[1].slice(0, 12)}`);
    expect(p.files).toEqual([]);
  });

  it('accepts every rev-list form: A^!, a ref, several revisions', async () => {
    expect((await collect([`${ids[1]}^!`])).map((p) => p.commit)).toEqual([ids[1]]);
    expect((await collect(['v1'])).map((p) => p.commit)).toEqual(ids);
    expect((await collect(['v1', `^${ids[1]}`])).map((p) => p.commit)).toEqual([ids[2]]);
  });

  it('loads the diff through the workspace', async () => {
    const [p] = await collect([`${ids[2]}^!`]);
    const h = await openHistory(repo.dir);
    try {
      const ws = await createWorkspace(p, { repo: repo.dir, history: h });
      const files = await ws.files();
      expect(files[0].hunks[0].lines.map((l) => `${l.kind}:${l.text}`)).toEqual(['del:2', 'add:3']);
    } finally {
      await h.close();
    }
  });

  it('lists a range with git writing its ids in blocks, not flushing each one (GIT_FLUSH=0)', async () => {
    const { bin, path } = gitWrapper((real, dir) => `case " $* " in *" rev-list "*) echo "rev-list GIT_FLUSH=\${GIT_FLUSH-unset}" >> "${dir}/calls";; esac\nexec ${real} "$@"`);
    const log = join(bin, 'calls');
    await withPath(path, async () => {
      expect(await listRange(repo.dir, ['v1'])).toEqual(ids);
    });
    expect(readFileSync(log, 'utf8')).toBe('rev-list GIT_FLUSH=0\n');
  });

  it('refuses hostile revisions before running git', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'kreview-out-')), 'x');
    await expect(collect([`--output=${target}`])).rejects.toThrow(KreviewError);
    await expect(collect(['HEAD\n--all'])).rejects.toThrow(KreviewError);
    expect(existsSync(target)).toBe(false);
  });

  it('reports a bad revision and a non-repository in one line', async () => {
    await expect(collect(['no-such-ref..HEAD'])).rejects.toThrow(/cannot list the commits of no-such-ref\.\.HEAD in .*: fatal: /);
    const plain = mkdtempSync(join(tmpdir(), 'kreview-plain-'));
    await expect(collect(['HEAD'], plain)).rejects.toThrow(`${plain} is not a git repository`);
    await expect(collect([])).rejects.toThrow('no revisions given');
  });
});
