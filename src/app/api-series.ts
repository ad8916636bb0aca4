// The fallback when there is no clone: the PR's commits and their diffs from the REST API
// (pulls.listCommits, repos.getCommit), turned into patches that are reviewed hunk-only.
import type { ProbotOctokit } from 'probot';
import type { Patch, Series } from '../core/types.js';
import { patchFromCommit } from '../patch/commit.js';

type Octokit = InstanceType<typeof ProbotOctokit>;

interface ApiFile {
  filename: string;
  status: string;
  previous_filename?: string;
  patch?: string;
}

/** A per-file `patch` from the API with the headers parseDiff needs; files without one are marked binary or too large. */
export function diffTextFromFiles(files: ApiFile[]): string {
  const out: string[] = [];
  for (const f of files) {
    const oldPath = f.previous_filename ?? f.filename;
    const added = f.status === 'added';
    const removed = f.status === 'removed';
    out.push(`diff --git a/${oldPath} b/${f.filename}`);
    if (added) out.push('new file mode 100644');
    if (removed) out.push('deleted file mode 100644');
    if (f.status === 'renamed') out.push(`rename from ${oldPath}`, `rename to ${f.filename}`);
    if (!f.patch) {
      if (f.status !== 'renamed') out.push(`Binary files ${added ? '/dev/null' : `a/${oldPath}`} and ${removed ? '/dev/null' : `b/${f.filename}`} differ`);
      continue;
    }
    out.push(added ? '--- /dev/null' : `--- a/${oldPath}`, removed ? '+++ /dev/null' : `+++ b/${f.filename}`);
    out.push(f.patch.replace(/\n$/, ''));
  }
  return out.join('\n') + '\n';
}

export async function seriesFromApi(
  octokit: Octokit,
  pr: { owner: string; repo: string; number: number; title: string },
): Promise<Patch[]> {
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  });
  const patches: Patch[] = [];
  for (const c of commits) {
    const full = await octokit.rest.repos.getCommit({ owner: pr.owner, repo: pr.repo, ref: c.sha });
    const author = full.data.commit.author;
    patches.push(
      patchFromCommit({
        oid: c.sha,
        parents: c.parents.map((p) => p.sha),
        author: { name: author?.name ?? '', email: author?.email ?? '' },
        date: author?.date ?? null,
        rawMessage: full.data.commit.message,
        diffText: diffTextFromFiles((full.data.files ?? []) as ApiFile[]),
        source: `${pr.owner}/${pr.repo}#${pr.number}@${c.sha.slice(0, 12)}`,
      }),
    );
  }
  return patches;
}

/** A pull request is one series: its commits in order, complete by definition. */
export function seriesOfPullRequest(pr: { owner: string; repo: string; number: number; title: string }, patches: Patch[]): Series {
  return {
    id: `${pr.owner}/${pr.repo}#${pr.number}`,
    version: 1,
    subject: pr.title,
    cover: null,
    patches,
    total: patches.length,
    missing: [],
    complete: true,
  };
}
