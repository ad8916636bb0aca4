// The cat-file watchdog: git must answer within timeoutMs of the last request or answer. One timer
// keeps that (a timer set and cancelled per request cost 17,000 of each on DPDK's whole history);
// a git that stops answering is still stopped, in one line, and one that keeps answering is not.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';
import { CatFile } from '../../src/git/cat-file.js';

const repo = new TestRepo();
const ids: string[] = [];
for (let i = 0; i < 20; i++) ids.push(repo.commit(`c${i}\n`, { files: { 'a.c': `${i}\n` } }));
afterAll(() => repo.remove());

/** PATH with a `git` that runs `script` instead. */
const fakeGit = (script: string): string => gitWrapper(() => script).path;

describe('CatFile watchdog', () => {
  it('sets a handful of timers for a thousand requests, not one per request', async () => {
    const cat = new CatFile(repo.dir, 'batch-check');
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const queries = Array.from({ length: 1000 }, (_, i) => ids[i % ids.length]);
      const replies = await cat.requestAll(queries);
      expect(replies.every((r) => r.status === 'found')).toBe(true);
      // setImmediate batching and the one watchdog; the old code set one per request and per answer.
      expect(spy.mock.calls.filter(([, ms]) => ms === 60_000).length).toBeLessThanOrEqual(2);
    } finally {
      spy.mockRestore();
      await cat.close();
    }
  });

  it('stops a git that does not answer within the limit', async () => {
    await withPath(fakeGit('exec sleep 30'), async () => {
      const cat = new CatFile(repo.dir, 'batch-check', 300);
      await expect(cat.request(ids[0])).rejects.toThrow(`git cat-file in ${repo.dir} did not answer within 300 ms`);
      await cat.close();
    });
  });

  it('does not stop a git that answers slowly but keeps answering', async () => {
    // Each answer comes 0.4 s after the one before: five take 2 s, past a 1 s limit counted from
    // the first request, within it counted from the last answer.
    await withPath(fakeGit('while read -r cmd q; do [ "$cmd" = flush ] && continue; sleep 0.4; echo "$q commit 100"; done'), async () => {
      const cat = new CatFile(repo.dir, 'batch-check', 1000);
      try {
        const replies = await cat.requestAll(ids.slice(0, 5));
        expect(replies.map((r) => r.status)).toEqual(['found', 'found', 'found', 'found', 'found']);
      } finally {
        await cat.close();
      }
    });
  });
});
