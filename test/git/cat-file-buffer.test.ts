// The long-lived cat-file runs `--batch-command --buffer`: each write of queries ends with `flush`,
// and git writes the answers of a write together instead of one write per answer (17,000 on DPDK's
// whole-history Fixes review). Real git, seen through a `git` first on PATH that logs its arguments
// and its input and runs the real one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatFile } from '../../src/git/cat-file.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';

const repo = new TestRepo();
const ids: string[] = [];
for (let i = 0; i < 5; i++) ids.push(repo.commit(`c${i}\n`, { files: { 'a.c': `int a${i};\n` } }));
const tmp = mkdtempSync(join(tmpdir(), 'kreview-cat-buffer-'));
afterAll(() => {
  repo.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** A PATH whose `git` logs its arguments to args.log and its input to input.log, then is the real git. */
function loggingGit(): { path: string; args: () => string; input: () => string } {
  const { bin, path } = gitWrapper((real, dir) => `echo "$*" >> '${dir}/args.log'\ntee -a '${dir}/input.log' | '${real}' "$@"`, tmp);
  return { path, args: () => readFileSync(join(bin, 'args.log'), 'utf8'), input: () => readFileSync(join(bin, 'input.log'), 'utf8') };
}

describe('CatFile asks with --batch-command --buffer', () => {
  it('info queries of one turn go in one write ended by flush; the answers are the plain ones', async () => {
    const git = loggingGit();
    const replies = await withPath(git.path, async () => {
      const cat = new CatFile(repo.dir, 'batch-check');
      try {
        return await cat.requestAll([ids[0], `${ids[1]}:a.c`, 'no-such-object', ids[2].slice(0, 12)]);
      } finally {
        await cat.close();
      }
    });
    expect(git.args()).toMatch(/cat-file --batch-command --buffer\n$/);
    expect(git.input()).toBe(`info ${ids[0]}\ninfo ${ids[1]}:a.c\ninfo no-such-object\ninfo ${ids[2].slice(0, 12)}\nflush\n`);
    expect(replies.map((r) => r.status)).toEqual(['found', 'found', 'missing', 'found']);
    expect(replies[0]).toMatchObject({ oid: ids[0], type: 'commit' });
    expect(replies[1]).toMatchObject({ type: 'blob', size: 'int a1;\n'.length });
    expect(replies[3]).toMatchObject({ oid: ids[2], type: 'commit' });
  });

  it('contents queries of later turns each get their own flush, and the contents come whole', async () => {
    const git = loggingGit();
    const texts = await withPath(git.path, async () => {
      const cat = new CatFile(repo.dir, 'batch');
      try {
        const first = await cat.requestAll([`${ids[3]}:a.c`, `${ids[4]}:a.c`]);
        const second = await cat.request(`${ids[0]}:a.c`);
        return [...first, second].map((r) => (r.status === 'found' ? r.content?.toString() : r.status));
      } finally {
        await cat.close();
      }
    });
    expect(texts).toEqual(['int a3;\n', 'int a4;\n', 'int a0;\n']);
    expect(git.input()).toBe(`contents ${ids[3]}:a.c\ncontents ${ids[4]}:a.c\nflush\ncontents ${ids[0]}:a.c\nflush\n`);
  });
});
