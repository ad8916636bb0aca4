// A git before 2.36 has no `cat-file --batch-command`: it refuses the option (exit 129) before
// answering anything. The queries are then asked again of a plain --batch-check, and the rest of
// the run asks the plain way (own file: that is remembered per process). Real git behind a `git`
// first on PATH that refuses the option as an old one does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatFile } from '../../src/git/cat-file.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const repo = new TestRepo();
const ids = [repo.commit('one\n', { files: { 'a.c': 'int a;\n' } }), repo.commit('two\n', { files: { 'a.c': 'int b;\n' } })];
const tmp = mkdtempSync(join(tmpdir(), 'kreview-old-git-'));
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

describe('CatFile with a git that has no --batch-command', () => {
  it('answers every query through a plain cat-file, and starts the next one plain', async () => {
    const { bin, path } = gitWrapper(
      (real, dir) => `echo "$*" >> '${dir}/args.log'\ncase "$*" in *--batch-command*) echo "error: unknown option \\\`batch-command'" >&2; exit 129;; esac\nexec '${real}' "$@"`,
      tmp,
    );
    await withPath(path, async () => {
      const check = new CatFile(repo.dir, 'batch-check');
      const replies = await check.requestAll([ids[0], 'no-such-object', `${ids[1]}:a.c`]);
      expect(replies.map((r) => r.status)).toEqual(['found', 'missing', 'found']);
      expect(await check.request(ids[1])).toMatchObject({ status: 'found', oid: ids[1] });
      await check.close();
      const batch = new CatFile(repo.dir, 'batch');
      const r = await batch.request(`${ids[0]}:a.c`);
      expect(r.status === 'found' && r.content?.toString()).toBe('int a;\n');
      await batch.close();
    });
    const runs = readFileSync(join(bin, 'args.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^.* cat-file /, 'cat-file '));
    expect(runs).toEqual(['cat-file --batch-command --buffer', 'cat-file --batch-check', 'cat-file --batch']);
  });
});
