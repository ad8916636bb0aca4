// The git-range source: the commits of any `git rev-list` form (`A..B`, `A^!`, a ref), oldest
// first, as Patches. Messages come in windows through one cat-file process; diffs load lazily.
import { KreviewError, type Patch, type Person } from '../core/types.js';
import { CatFile } from '../git/cat-file.js';
import { parseCommitObject } from '../git/commit-object.js';
import { assertGitRepo, assertSafeRev, isFullOid, runGit } from '../git/run-git.js';
import { patchFromCommit } from '../patch/commit.js';

const WINDOW = 256;

export async function* readRange(repo: string, revs: string[]): AsyncIterable<Patch> {
  yield* readCommits(repo, await listRange(repo, revs), revs.join(' '));
}

/** The commits of `revs`, oldest first (one `git rev-list`): a range's length is known before any is read. */
export async function listRange(repo: string, revs: string[], opts: { checked?: boolean } = {}): Promise<string[]> {
  if (revs.length === 0) throw new KreviewError('no revisions given');
  for (const r of revs) assertSafeRev(r);
  // A caller that has just opened the repository's History knows it is one: no second rev-parse.
  if (!opts.checked) await assertGitRepo(repo);
  const list = await runGit(repo, ['rev-list', '--reverse', '--end-of-options', ...revs], { timeoutMs: 600_000, maxBuffer: 1 << 30 });
  if (list.code !== 0) {
    throw new KreviewError(`cannot list the commits of ${revs.join(' ')} in ${repo}: ${list.stderr.split('\n')[0]}`);
  }
  return list.stdout.split('\n').filter(isFullOid);
}

/**
 * Those commits as Patches, in their order; `label` names the range in each patch's source. The
 * next window is asked for before the current one is handed on, so git reads while the caller reviews.
 */
export async function* readCommits(repo: string, oids: string[], label: string): AsyncIterable<Patch> {
  const cat = new CatFile(repo, 'batch');
  const windowAt = (start: number): Promise<Window> => readWindow(cat, oids.slice(start, start + WINDOW), label, repo);
  try {
    let next = oids.length ? windowAt(0) : null;
    // A rejection of a window asked ahead is taken when its turn comes.
    next?.catch(() => undefined);
    for (let start = 0; next; start += WINDOW) {
      const { commits, failed } = await next;
      next = !failed && start + WINDOW < oids.length ? windowAt(start + WINDOW) : null;
      next?.catch(() => undefined);
      for (const c of commits) {
        yield patchFromCommit({ oid: c.oid, parents: c.parents, author: c.author, date: c.adate, rawMessage: c.message, source: `${label}@${c.oid.slice(0, 12)}` });
      }
      // The commits before an unreadable one were handed on; the range ends there.
      if (failed) throw failed;
    }
  } finally {
    await cat.close();
  }
}

/** A commit object as read for a Patch. */
interface ReadCommit {
  oid: string;
  parents: string[];
  author: Person;
  /** Author date, seconds since the epoch. */
  adate: number;
  message: string;
}

/** The commits of a window in order, up to the first that cannot be read (then `failed` says which). */
interface Window {
  commits: ReadCommit[];
  failed?: KreviewError;
}

/** One window of commits, through cat-file. */
async function readWindow(cat: CatFile, window: string[], label: string, repo: string): Promise<Window> {
  const commits: ReadCommit[] = [];
  for (const reply of await cat.requestAll(window)) {
    if (reply.status !== 'found' || reply.type !== 'commit' || !reply.content) {
      return { commits, failed: new KreviewError(`commit ${reply.query} of ${label} cannot be read from ${repo}`) };
    }
    const c = parseCommitObject(reply.content);
    commits.push({ oid: reply.oid, parents: c.parents, author: c.author, adate: c.adate, message: c.message });
  }
  return { commits };
}
