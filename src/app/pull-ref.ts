// A pull request from a payload or an API answer, checked first: nothing unchecked reaches the API or git.
import type { PullRequestRef } from './review-pr.js';
import { validPull, validRepository, type PullPayload, type RepositoryPayload } from './payload.js';

export function pullRequestRef(rawRepository: unknown, rawPull: unknown): PullRequestRef {
  const repository: RepositoryPayload = validRepository(rawRepository);
  const pull: PullPayload = validPull(rawPull);
  return {
    owner: repository.owner.login,
    repo: repository.name,
    number: pull.number,
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    defaultBranch: repository.default_branch ?? pull.base.ref,
    title: pull.title,
    body: pull.body,
    sizeKb: typeof repository.size === 'number' ? repository.size : null,
    draft: pull.draft ?? false,
  };
}
