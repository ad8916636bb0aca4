// The git-range source: the commits of any `git rev-list` form (`A..B`, `A^!`, a ref), oldest
// first, as Patches. Messages stream from one cat-file process given the whole list; diffs load lazily.
import { KreviewError, type Patch } from '../core/types.js';
import { CommitStream } from '../git/commit-stream.js';
import { assertGitRepo, assertSafeRev, isFullOid, runGit } from '../git/run-git.js';
import { patchFromCommit } from '../patch/commit.js';

export async function* readRange(repo: string, revs: string[]): AsyncIterable<Patch> {
  yield* readCommits(repo, await listRange(repo, revs), revs.join(' '));
}

/** The commits of `revs`, oldest first (one `git rev-list`): a range's length is known before any is read. */
export async function listRange(repo: string, revs: string[], opts: { checked?: boolean } = {}): Promise<string[]> {
  if (revs.length === 0) throw new KreviewError('no revisions given');
  for (const r of revs) assertSafeRev(r);
  // A caller that has just opened the repository's History knows it is one: no second rev-parse.
  if (!opts.checked) await assertGitRepo(repo);
  const list = await runGit(repo, ['rev-list', '--reverse', '--end-of-options', ...revs], { timeoutMs: 600_000, maxBuffer: 1 << 30, buffered: true });
  if (list.code !== 0) {
    throw new KreviewError(`cannot list the commits of ${revs.join(' ')} in ${repo}: ${list.stderr.split('\n')[0]}`);
  }
  return list.stdout.split('\n').filter(isFullOid);
}

/**
 * Those commits as Patches, in their order; `label` names the range in each patch's source. One
 * cat-file reads them all, ahead of the caller by a bounded number (src/git/commit-stream.ts);
 * `started` is that reader begun earlier (git reads while the caller opens the History). The reader
 * is stopped after the last commit, at one that cannot be read (next() throws; those before it were
 * handed on), or when the caller stops early (return()). An iterator written out rather than an
 * async generator: one promise a commit instead of a generator's several (45,000 on DPDK).
 */
export function readCommits(repo: string, oids: string[], label: string, started?: CommitStream): AsyncIterable<Patch> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Patch> {
      const end: IteratorResult<Patch> = { done: true, value: undefined };
      if (oids.length === 0) return { next: async () => end, return: async () => end };
      let commits: CommitStream | null = null;
      let finished = false;
      const finish = (): void => {
        if (!finished) commits?.close();
        finished = true;
      };
      return {
        async next(): Promise<IteratorResult<Patch>> {
          if (finished) return end;
          commits ??= started ?? new CommitStream(repo, oids, label);
          let c;
          try {
            c = await commits.next();
          } catch (e) {
            finish();
            throw e;
          }
          if (!c) {
            finish();
            return end;
          }
          return { done: false, value: patchFromCommit({ oid: c.oid, parents: c.parents, author: c.author, date: c.adate, rawMessage: c.message, source: `${label}@${c.oid.slice(0, 12)}` }) };
        },
        async return(): Promise<IteratorResult<Patch>> {
          // Before the first next() nothing was begun here (a reader the caller began stays the caller's to stop).
          finish();
          return end;
        },
      };
    },
  };
}
