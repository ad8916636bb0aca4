// `/kreview recheck` in a pull-request comment: who may ask, and how the request is recognised.
import type { Context } from 'probot';

/** True when a comment line is the command (at the start of a line, like syzbot's `#syz`), not a quote of it. */
export function isRecheck(body: string | null | undefined): boolean {
  return /^\/kreview[ \t]+recheck[ \t]*$/m.test(body ?? '');
}

const WRITERS = new Set(['admin', 'maintain', 'write']);

/** The PR author, or anyone with write access to the repository, may ask for a recheck. */
export async function mayRecheck(
  octokit: Context['octokit'],
  repo: { owner: string; repo: string },
  commenter: string,
  prAuthor: string | null,
): Promise<boolean> {
  if (prAuthor !== null && commenter.toLowerCase() === prAuthor.toLowerCase()) return true;
  try {
    const r = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: commenter });
    return WRITERS.has(r.data.role_name ?? '') || WRITERS.has(r.data.permission);
  } catch (e) {
    // 404: not a collaborator at all.
    if ((e as { status?: number }).status === 404) return false;
    throw e;
  }
}
