// Delivers webhooks the way GitHub does: JSON body, X-GitHub-Event, X-GitHub-Delivery and an
// HMAC-SHA256 signature of the body with the app's secret; plus payload builders.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { FakeGitHub, FakePull } from './github-api.js';
import { ProbotOctokit } from 'probot';

export function rsaPrivateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

export interface Delivery {
  status: number;
  text: string;
}

export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  opts: { secret: string; id?: string },
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const signature = 'sha256=' + createHmac('sha256', opts.secret).update(body).digest('hex');
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.id ?? randomUUID(),
      'x-hub-signature-256': signature,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

export const INSTALLATION = 4242;

export function repositoryPayload(gh: FakeGitHub) {
  return {
    id: 1,
    name: gh.repo,
    full_name: `${gh.owner}/${gh.repo}`,
    owner: { login: gh.owner, type: 'Organization' },
    // kreview fetches from its configured host (the fake serves git there), never from this URL.
    clone_url: 'https://attacker.invalid/steal-the-token.git',
    default_branch: 'master',
    private: false,
    size: 100,
  };
}

export function pullRequestPayload(gh: FakeGitHub, action: string, pull: FakePull) {
  return {
    action,
    number: pull.number,
    pull_request: {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      draft: pull.draft ?? false,
      state: 'open',
      user: { login: pull.user, type: 'User' },
      head: { sha: pull.headSha, ref: `pr-${pull.number}` },
      base: { sha: pull.baseSha, ref: pull.baseRef },
    },
    repository: repositoryPayload(gh),
    installation: { id: INSTALLATION },
    sender: { login: pull.user, type: 'User' },
  };
}

export function commentPayload(gh: FakeGitHub, pull: FakePull, user: string, body: string, commentId = 777) {
  return {
    action: 'created',
    issue: { number: pull.number, title: pull.title, pull_request: { url: `${gh.url}/repos/${gh.owner}/${gh.repo}/pulls/${pull.number}` } },
    comment: { id: commentId, body, user: { login: user, type: 'User' } },
    repository: repositoryPayload(gh),
    installation: { id: INSTALLATION },
    sender: { login: user, type: 'User' },
  };
}

export function checkRunPayload(gh: FakeGitHub, pull: FakePull, checkRunId: number) {
  return {
    action: 'rerequested',
    check_run: {
      id: checkRunId,
      name: 'kreview',
      head_sha: pull.headSha,
      pull_requests: [{ number: pull.number, head: { sha: pull.headSha }, base: { sha: pull.baseSha } }],
    },
    repository: repositoryPayload(gh),
    installation: { id: INSTALLATION },
    sender: { login: pull.user, type: 'User' },
  };
}

export function checkSuitePayload(gh: FakeGitHub, pull: FakePull) {
  return {
    action: 'rerequested',
    check_suite: {
      id: 31337,
      head_sha: pull.headSha,
      pull_requests: [{ number: pull.number, head: { sha: pull.headSha }, base: { sha: pull.baseSha } }],
    },
    repository: repositoryPayload(gh),
    installation: { id: INSTALLATION },
    sender: { login: pull.user, type: 'User' },
  };
}

/**
 * probot's Octokit with its throttling and retries off, so tests see every call as made, at once.
 * A function, not an object: object defaults merge shallowly and probot's own `throttle` option
 * (given to every Octokit it makes) would replace `{ enabled: false }`.
 */
export function unthrottledOctokit(): typeof ProbotOctokit {
  return ProbotOctokit.defaults((o: { throttle?: object; retry?: object }) => ({ ...o, throttle: { ...o.throttle, enabled: false }, retry: { enabled: false } }));
}
