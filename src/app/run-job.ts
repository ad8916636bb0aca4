// A worker's side of a review job: the same work whether the job came from SQLite in this process or
// from Redis on another machine. The installation's Octokit comes from the app's credentials; the
// job carries everything else. Jobs may run twice (at-least-once): see reviewPullRequest.
import { withLogContext } from '../ops/log.js';
import type { Probot } from 'probot';
import { mayRecheck } from './commands.js';
import { validCheckEvent, validComment, validRepository } from './payload.js';
import { pullRequestRef } from './pull-ref.js';
import { reviewPullRequest, type PullRequestRef, type ReviewDeps, type ReviewRequest } from './review-pr.js';
import type { ReviewJob } from '../queue/job.js';

type Octokit = ReviewRequest['octokit'];

/** `.github/kreview.yml` from the default branch only, as probot's context.config reads it (null: none). */
async function loadConfig(octokit: Octokit, owner: string, repo: string): Promise<unknown> {
  const { config, files } = await octokit.config.get({ owner, repo, path: '.github/kreview.yml' });
  return files.some((f) => f.config !== null) ? config : null;
}

/**
 * One Octokit per installation, made once: its auth hook renews the installation token as it
 * expires, and making a client per job cost a token request and plugin set-up each time.
 */
export function installationOctokits(probot: Probot): (installationId: number) => Promise<Octokit> {
  const made = new Map<number, Promise<Octokit>>();
  return (id) => {
    let o = made.get(id);
    if (!o) {
      made.set(id, (o = probot.auth(id) as Promise<Octokit>));
      o.catch(() => made.delete(id));
    }
    return o;
  };
}

export function jobRunner(probot: Probot, deps: ReviewDeps, octokitFor = installationOctokits(probot)) {
  // Every line of a job carries its delivery id as `id`, the field probot's own handlers use: probot's
  // logger through the child, kreview's (the mail side) through the log context.
  return (job: ReviewJob): Promise<void> => withLogContext({ id: job.deliveryId }, () => runJob(job));
  async function runJob(job: ReviewJob): Promise<void> {
    const log = probot.log.child({ id: job.deliveryId, job: job.key });
    log.info(`review started (${job.key})`);
    const octokit = await octokitFor(job.installationId);
    const review = async (pr: PullRequestRef, force: boolean, checkRunId: number | null) => {
      const result = await reviewPullRequest(
        { octokit, log, installationId: job.installationId, loadConfig: () => loadConfig(octokit, pr.owner, pr.repo), pr, force, jobKey: job.key, checkRunId },
        deps,
      );
      log.info(`${pr.owner}/${pr.repo}#${pr.number}@${pr.headSha.slice(0, 12)}: ${result}`);
    };
    const p = job.payload;
    const repository = validRepository(p.repository);
    const [owner, repo] = [repository.owner.login, repository.name];

    if (job.event === 'pull_request') return review(pullRequestRef(repository, p.pull_request), false, job.checkRunId);

    if (job.event === 'issue_comment') {
      const c = validComment(p)!;
      const pull = (await octokit.rest.pulls.get({ owner, repo, pull_number: c.number })).data;
      const allowed = c.user !== '' && (await mayRecheck(octokit, { owner, repo }, c.user, pull.user?.login ?? null));
      // GitHub answers a reaction the user already left with that reaction: a second run adds none.
      await deps.queueFor(job.installationId).run(
        () => octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: c.commentId, content: allowed ? '+1' : 'confused' }),
        'start',
      );
      if (!allowed) {
        log.info(`${owner}/${repo}#${c.number}: recheck by ${c.user || 'a deleted user'} refused (no write access)`);
        return;
      }
      return review(pullRequestRef(repository, pull), true, null);
    }

    // check_run / check_suite rerequested: the PRs of that head, each still at it.
    const ev = validCheckEvent(p[job.event], job.event as 'check_run' | 'check_suite');
    const numbers = ev.numbers.length ? ev.numbers : deps.state.prsForHead(`${owner}/${repo}`, ev.headSha);
    for (const number of numbers) {
      const pull = (await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data;
      // A newer push has its own check run; the old head is not reviewed again.
      if (pull.head.sha !== ev.headSha) continue;
      await review(pullRequestRef(repository, pull), true, null);
    }
  }
}
