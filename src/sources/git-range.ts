// The git-range source: the commits of any `git rev-list` form (`A..B`, `A^!`, a ref), oldest
// first, as Patches. Messages come in windows through one cat-file process; diffs load lazily.
import { KreviewError, type Patch } from '../core/types.js';
import { CatFile } from '../git/cat-file.js';
import { parseCommitObject } from '../git/commit-object.js';
import { assertGitRepo, assertSafeRev, isFullOid, runGit } from '../git/run-git.js';
import { patchFromCommit } from '../patch/commit.js';

const WINDOW = 256;

export async function* readRange(repo: string, revs: string[]): AsyncIterable<Patch> {
  yield* readCommits(repo, await listRange(repo, revs), revs.join(' '));
}

/** The commits of `revs`, oldest first (one `git rev-list`): a range's length is known before any is read. */
export async function listRange(repo: string, revs: string[]): Promise<string[]> {
  if (revs.length === 0) throw new KreviewError('no revisions given');
  for (const r of revs) assertSafeRev(r);
  await assertGitRepo(repo);
  const list = await runGit(repo, ['rev-list', '--reverse', '--end-of-options', ...revs], { timeoutMs: 600_000, maxBuffer: 1 << 30 });
  if (list.code !== 0) {
    throw new KreviewError(`cannot list the commits of ${revs.join(' ')} in ${repo}: ${list.stderr.split('\n')[0]}`);
  }
  return list.stdout.split('\n').filter(isFullOid);
}

/** Those commits as Patches, in their order; `label` names the range in each patch's source. */
export async function* readCommits(repo: string, oids: string[], label: string): AsyncIterable<Patch> {
  const cat = new CatFile(repo, 'batch');
  try {
    for (let start = 0; start < oids.length; start += WINDOW) {
      const window = oids.slice(start, start + WINDOW);
      const replies = await cat.requestAll(window);
      for (const reply of replies) {
        if (reply.status !== 'found' || reply.type !== 'commit' || !reply.content) {
          throw new KreviewError(`commit ${reply.query} of ${label} cannot be read from ${repo}`);
        }
        const c = parseCommitObject(reply.content);
        yield patchFromCommit({
          oid: reply.oid,
          parents: c.parents,
          author: c.author,
          date: c.adate,
          rawMessage: c.message,
          source: `${label}@${reply.oid.slice(0, 12)}`,
        });
      }
    }
  } finally {
    await cat.close();
  }
}
