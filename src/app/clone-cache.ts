// One bare clone per GitHub repository in the cache dir, fetched with the installation token,
// so History and the C analysis run locally on the real history. Too big or failing: the caller falls back to the API.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KreviewError } from '../core/types.js';
import { assertSafeRev, runGit } from '../git/run-git.js';
import { tokenConfig } from './github-host.js';

export interface CloneRequest {
  owner: string;
  repo: string;
  /** The repository's URL on the configured GitHub (github-host.ts), or a local path in tests. */
  url: string;
  /** The GitHub web URL the token is for: git sends it only to URLs under this one. */
  webUrl: string;
  /** Installation token: an Authorization header in git's environment for the fetch, never in a URL or a log. */
  token: string | null;
  /** A local repository's objects directory to borrow from (alternates): a mirror of this repository. */
  reference?: string | null;
  prNumber: number;
  baseRef: string;
  headSha: string;
  baseSha: string;
  /** Repository size from the payload, in KiB (GitHub's `size`). */
  sizeKb: number | null;
}

export interface CloneOptions {
  cacheDir: string;
  /** A repository larger than this is not cloned on first contact (0: no limit). */
  maxSizeKb: number;
  fetchTimeoutMs: number;
}

export interface CloneResult {
  dir: string;
  /** True when this call created the clone (first contact). */
  created: boolean;
  fetchMs: number;
}

const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const DOTS = new Set(['.', '..']);
const locks = new Map<string, Promise<unknown>>();

/** Where the bare clone of owner/repo lives. */
export function clonePath(cacheDir: string, owner: string, repo: string): string {
  // `.github` is a repository name GitHub gives; `.` and `..` are not.
  if (!NAME.test(owner) || !NAME.test(repo) || owner.startsWith('.') || DOTS.has(repo)) {
    throw new KreviewError(`repository name ${JSON.stringify(`${owner}/${repo}`)} is not a GitHub name; not cloned`);
  }
  return join(cacheDir, 'github', owner, `${repo}.git`);
}

/** Remove the token (and any credentials git echoes from a URL) from what git printed, before it reaches a log or a check-run summary. */
export function scrub(text: string, token: string | null): string {
  let out = text.replace(/(\/\/[^/@\s:]*):[^@\s/]*@/g, '$1:***@');
  if (token) out = out.split(token).join('***');
  return out;
}

/** Serialise the work on one clone: two deliveries for the same repository must not fetch into it at once. */
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/**
 * Create or update the bare clone so that the PR's base branch, head and release tags are present.
 * Resolves before a first commit-graph of the clone is written (in the background, under its lock).
 */
export function ensureClone(req: CloneRequest, opts: CloneOptions): Promise<CloneResult> {
  const dir = clonePath(opts.cacheDir, req.owner, req.repo);
  return withLock(dir, async () => {
    const started = Date.now();
    const created = !existsSync(join(dir, 'HEAD'));
    if (created) {
      if (opts.maxSizeKb > 0 && req.sizeKb !== null && req.sizeKb > opts.maxSizeKb) {
        throw new KreviewError(
          `${req.owner}/${req.repo} is ${Math.round(req.sizeKb / 1024)} MiB, above the clone limit of ${Math.round(opts.maxSizeKb / 1024)} MiB`,
        );
      }
      mkdirSync(dir, { recursive: true });
      const init = await runGit(dir, ['init', '-q', '--bare'], { timeoutMs: 30_000 });
      if (init.code !== 0) throw new KreviewError(`cannot create a clone in ${dir}: ${init.stderr.trim().split('\n')[0]}`);
    }
    if (req.reference) borrowObjects(dir, req.reference);
    const baseRef = assertSafeRev(req.baseRef);
    // The branch name goes into a refspec: a ':' or a glob there would write or read other refs.
    if (/[:*?[\\^~\s]|\.\.|^\/|\/$|\.lock$/.test(baseRef)) {
      throw new KreviewError(`base branch ${JSON.stringify(baseRef)} is not a branch name; refused`);
    }
    const refspecs = [
      `+refs/heads/${baseRef}:refs/heads/${baseRef}`,
      `+refs/pull/${req.prNumber}/head:refs/pull/${req.prNumber}/head`,
      '+refs/tags/*:refs/tags/*',
    ];
    // A recheck or a redelivered event names commits the clone already has: no fetch then.
    if (created || (await missingCommits(dir, [req.headSha, req.baseSha])).length > 0) {
      const url = req.url;
      if (url.startsWith('-')) throw new KreviewError(`clone URL ${JSON.stringify(req.url)} looks like an option; refused`);
      // Each fetch adds its commits to the clone's commit-graph, a small layer: the next fetch's
      // negotiation, merge-base and rev-list then walk the history from the graph instead of
      // inflating every commit (a warm fetch on a 200,000-commit history: 0.5 s without it, 0.1 s
      // with it). A clone without a graph yet (first contact) gets the whole one written after
      // this fetch, off the review's path (see below).
      const graph = hasCommitGraph(dir);
      // Refspecs are built here from checked parts and follow `--`: nothing untrusted is read as an option.
      const fetch = await runGit(dir, ['fetch', '-q', '--no-write-fetch-head', '--', url, ...refspecs], {
        timeoutMs: opts.fetchTimeoutMs,
        remote: true,
        config: [`fetch.writeCommitGraph=${graph}`],
        secretConfig: tokenConfig(req.webUrl, req.token),
      });
      if (fetch.code !== 0) {
        throw new KreviewError(
          `cannot fetch ${req.owner}/${req.repo}: ${scrub(fetch.stderr.trim().split('\n').pop() ?? `git exited ${fetch.code}`, req.token)}`,
        );
      }
      const missing = await missingCommits(dir, [req.headSha, req.baseSha]);
      if (missing.length) throw new KreviewError(`${req.owner}/${req.repo}: commit ${missing[0].slice(0, 12)} is not in the fetched refs`);
      // Queued on the clone's lock: it runs once this call is done, beside the review (the index
      // is built then, a longer walk), and the clone's next fetch waits for it. Only an optimisation:
      // a failure leaves the clone as it was.
      if (!graph) void withLock(dir, () => runGit(dir, ['commit-graph', 'write', '--reachable', '--split'], { timeoutMs: 600_000 })).catch(() => undefined);
    }
    return { dir, created, fetchMs: Date.now() - started };
  });
}

/**
 * Let the clone read a local mirror's objects (`objects/info/alternates`, what `git clone
 * --reference` writes): git then fetches only the objects the mirror lacks. The clone needs the
 * mirror from then on; kreview never deletes from it.
 */
function borrowObjects(dir: string, objects: string): void {
  const file = join(dir, 'objects', 'info', 'alternates');
  const have = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  if (have.includes(objects)) return;
  mkdirSync(join(dir, 'objects', 'info'), { recursive: true });
  appendFileSync(file, `${objects}\n`);
}

/** Does the clone have a commit-graph (split, as fetches write it, or whole, as gc does)? */
function hasCommitGraph(dir: string): boolean {
  const info = join(dir, 'objects', 'info');
  return existsSync(join(info, 'commit-graphs', 'commit-graph-chain')) || existsSync(join(info, 'commit-graph'));
}

/** Which of these full commit ids the clone lacks (one `cat-file --batch-check` for all). */
async function missingCommits(dir: string, shas: string[]): Promise<string[]> {
  const wanted = shas.map((sha) => `${assertSafeRev(sha)}^{commit}`);
  const r = await runGit(dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: wanted.join('\n') + '\n', timeoutMs: 30_000 });
  const lines = r.stdout.split('\n');
  return shas.filter((_, i) => !/^[0-9a-f]{40,64} commit$/.test(lines[i] ?? ''));
}

/** The commit where the PR branched off its base: the base of the series. */
export async function mergeBase(dir: string, baseSha: string, headSha: string): Promise<string> {
  const r = await runGit(dir, ['merge-base', '--end-of-options', assertSafeRev(baseSha), assertSafeRev(headSha)], { timeoutMs: 60_000 });
  const oid = r.stdout.trim();
  if (r.code !== 0 || !oid) throw new KreviewError(`no merge base between ${baseSha.slice(0, 12)} and ${headSha.slice(0, 12)}`);
  return oid;
}
