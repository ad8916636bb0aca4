// A query that kills `git cat-file` (`HEAD:./x` in a bare repository: "relative path syntax can't
// be used outside working tree"): the diff reader refuses such paths, and when one reaches git
// anyway only that query fails; the others on the same process are answered, and the restart
// budget is renewed after a healthy period.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TestRepo } from '../helpers/git-repo.js';
import { CatFile } from '../../src/git/cat-file.js';
import { openHistory } from '../../src/git/history.js';
import { parseDiff } from '../../src/patch/diff.js';
import { unsafePathReason } from '../../src/patch/diff-paths.js';
import { KreviewError } from '../../src/core/types.js';

const work = new TestRepo();
const head = work.commit('one\n', { files: { Makefile: 'all:\n', 'a.c': 'int a;\n' } });
const tmp = mkdtempSync(join(tmpdir(), 'kreview-bare-'));
const bare = join(tmp, 'bare.git');
execFileSync('git', ['clone', '-q', '--bare', work.dir, bare]);
afterAll(() => {
  work.remove();
  rmSync(tmp, { recursive: true, force: true });
});

const BAD = `${head}:./Makefile`;

describe('paths with "." or empty components', () => {
  it.each([
    ['./Makefile', '"." in path'],
    ['drivers/./net/x.c', '"." in path'],
    ['drivers/net/.', '"." in path'],
    ['drivers//x.c', 'empty component in path'],
    ['drivers/', 'empty component in path'],
  ])('unsafePathReason refuses %j', (path, reason) => {
    expect(unsafePathReason(path)).toBe(reason);
  });

  it.each(['.clang-format', 'a/.gitignore', 'scripts/..x', 'Makefile'])('unsafePathReason lets %j through', (path) => {
    expect(unsafePathReason(path)).toBeNull();
  });

  it('a diff of a/./Makefile is dropped with one warning, the next file kept', () => {
    const text = [
      'diff --git a/./Makefile b/./Makefile',
      '--- a/./Makefile',
      '+++ b/./Makefile',
      '@@ -1 +1 @@',
      '-all:',
      '+all: x',
      'diff --git a/a.c b/a.c',
      '--- a/a.c',
      '+++ b/a.c',
      '@@ -1 +1 @@',
      '-int a;',
      '+int b;',
      '',
    ].join('\n');
    const { files, warnings } = parseDiff(text);
    expect(files.map((f) => f.newPath)).toEqual(['a.c']);
    expect(warnings).toEqual(['dropped the diff of "./Makefile": "." in path']);
  });
});

describe('CatFile when git dies on a query', () => {
  it('fails only that query: the ones around it are answered by a fresh process, the bad one is not sent again', async () => {
    const cf = new CatFile(bare, 'batch');
    const replies = await Promise.allSettled([`${head}:a.c`, BAD, `${head}:Makefile`, `${head}^{tree}`].map((q) => cf.request(q)));
    expect(replies.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const err = (replies[1] as PromiseRejectedResult).reason as Error;
    expect(err).toBeInstanceOf(KreviewError);
    expect(err.message).toMatch(/relative path syntax/);
    expect(err.message).not.toContain('\n');
    expect((replies[2] as PromiseFulfilledResult<{ content: Buffer }>).value.content.toString()).toBe('all:\n');
    await cf.close();
  });

  it('answers again after more bad queries than the restart budget, once each restart had a healthy period', async () => {
    const cf = new CatFile(bare, 'batch-check', 60_000, 20);
    for (let round = 0; round < 6; round++) {
      const [bad, good] = await Promise.allSettled([cf.request(BAD), cf.request(`${head}:a.c`)]);
      expect(bad.status).toBe('rejected');
      expect(good).toMatchObject({ status: 'fulfilled', value: { status: 'found' } });
      await new Promise((r) => setTimeout(r, 40));
    }
    await cf.close();
    // Without a healthy period between them, the fourth death in a row exhausts the budget.
    const busy = new CatFile(bare, 'batch-check', 60_000, 3_600_000);
    const goods: string[] = [];
    for (let round = 0; round < 4; round++) {
      const [, good] = await Promise.allSettled([busy.request(BAD), busy.request(`${head}:a.c`)]);
      goods.push(good.status);
    }
    expect(goods).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    await busy.close();
  });

  it('a shared History: a bad path fails alone, concurrent reads of good paths succeed', async () => {
    const history = await openHistory(bare, { cacheDir: join(tmp, 'cache') });
    try {
      const [good1, bad, good2] = await Promise.allSettled([
        history.readFile(head, 'a.c'),
        history.readFile(head, './Makefile'),
        history.readFile(head, 'Makefile'),
      ]);
      expect(good1).toEqual({ status: 'fulfilled', value: 'int a;\n' });
      expect(bad.status).toBe('rejected');
      expect(good2).toEqual({ status: 'fulfilled', value: 'all:\n' });
      expect(await history.readFile(head, 'a.c')).toBe('int a;\n');
    } finally {
      await history.close();
    }
  });
});
