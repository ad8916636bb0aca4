// What a verified, validated webhook becomes: a review job, or nothing (with the reason, for the
// log and the answer). Decided in the intake from the payload and the app's own state alone, no
// API call, so that GitHub gets its answer at once.
import { isRecheck } from './commands.js';
import { installationId, validCheckEvent, validComment, validPull, validRepository } from './payload.js';
import type { AppState } from './state.js';
import type { ReviewJob } from '../queue/job.js';

/** The pull_request actions that ask for a review of the head. */
const REVIEW_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

export type Dispatch = { job: ReviewJob; push: boolean } | { ignored: string };

export function pushJobKey(owner: string, repo: string, number: number, headSha: string): string {
  return `pr/${owner}/${repo}#${number}@${headSha}`;
}

function isBotSender(p: Record<string, unknown>): boolean {
  const sender = p.sender as { type?: unknown } | undefined;
  return sender?.type === 'Bot';
}

/** The job for a webhook (`payload` already validated by the intake), or why there is none. */
export function dispatch(id: string, name: string, payload: Record<string, unknown>, state: AppState, now = Date.now()): Dispatch {
  const action = typeof payload.action === 'string' ? payload.action : '';
  const base = { deliveryId: id, event: name, payload, installationId: installationId(payload), checkRunId: null, receivedAt: now };
  if (name === 'pull_request') {
    if (!REVIEW_ACTIONS.has(action)) return { ignored: `pull_request.${action} asks for no review` };
    const repository = validRepository(payload.repository);
    const pull = validPull(payload.pull_request);
    if (pull.draft) return { ignored: 'a draft is reviewed when it is ready for review' };
    const [owner, repo] = [repository.owner.login, repository.name];
    // Each head is reviewed once, whatever events name it; a recheck is how to ask again.
    if (!state.claimHead(`${owner}/${repo}`, pull.number, pull.head.sha)) return { ignored: `head ${pull.head.sha.slice(0, 12)} was reviewed before` };
    return { job: { ...base, key: pushJobKey(owner, repo, pull.number, pull.head.sha) }, push: true };
  }
  if (name === 'issue_comment') {
    if (action !== 'created') return { ignored: `issue_comment.${action} asks for no review` };
    const c = validComment(payload);
    if (!c || isBotSender(payload) || !isRecheck(c.body)) return { ignored: 'not a /kreview recheck on a pull request' };
    return { job: { ...base, key: `delivery/${id}` }, push: false };
  }
  if (name === 'check_run' || name === 'check_suite') {
    if (action !== 'rerequested') return { ignored: `${name}.${action} asks for no review` };
    const c = validCheckEvent(payload[name], name);
    if (name === 'check_run' && c.name !== 'kreview') return { ignored: `a re-run of another app's check (${c.name})` };
    return { job: { ...base, key: `delivery/${id}` }, push: false };
  }
  return { ignored: `${name} events ask for no review` };
}
