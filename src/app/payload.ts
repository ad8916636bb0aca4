// Webhook payloads checked before any API call or git use: a signed payload is still only as
// well-formed as its sender made it. A bad one is a PayloadError, answered 400 with one log line.
import { KreviewError } from '../core/types.js';

/** A malformed payload: the webhook middleware answers with `status`. */
export class PayloadError extends KreviewError {
  readonly status = 400;
}

// GitHub's rules: a login is letters, digits and single hyphens (GHE also keeps underscores), at
// most 39; a repository name is letters, digits, '.', '-' and '_', at most 100, and not . or ..
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface RepositoryPayload {
  name: string;
  owner: { login: string };
  default_branch?: string;
  size?: number;
}

export interface PullPayload {
  number: number;
  title: string;
  body: string | null;
  draft?: boolean;
  head: { sha: string };
  base: { sha: string; ref: string };
  user?: { login: string } | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(what: string): never {
  throw new PayloadError(`malformed webhook payload: ${what}`);
}

function record(v: unknown, what: string): Record<string, unknown> {
  return isRecord(v) ? v : fail(`${what} is missing or not an object`);
}

/** A positive whole number (pull request, comment and installation ids). */
export function idNumber(v: unknown, what: string): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : fail(`${what} is not a positive whole number`);
}

function sha(v: unknown, what: string): string {
  return typeof v === 'string' && SHA.test(v) ? v : fail(`${what} is not a full commit id`);
}

function text(v: unknown, what: string, max: number): string {
  return typeof v === 'string' && v.length <= max ? v : fail(`${what} is not a string of at most ${max} characters`);
}

function branch(v: unknown, what: string): string {
  const s = text(v, what, 255);
  return s !== '' && !/[\0-\x1f\x7f]/.test(s) && !s.startsWith('-') ? s : fail(`${what} is not a branch name`);
}

export function validRepository(v: unknown): RepositoryPayload {
  const r = record(v, 'repository');
  const owner = record(r.owner, 'repository.owner');
  if (typeof owner.login !== 'string' || !LOGIN.test(owner.login)) fail('repository.owner.login is not a GitHub login');
  if (typeof r.name !== 'string' || !REPO.test(r.name) || r.name === '.' || r.name === '..') fail('repository.name is not a GitHub repository name');
  return {
    name: r.name,
    owner: { login: owner.login },
    ...(r.default_branch !== undefined && r.default_branch !== null ? { default_branch: branch(r.default_branch, 'repository.default_branch') } : {}),
    ...(typeof r.size === 'number' && Number.isFinite(r.size) && r.size >= 0 ? { size: r.size } : {}),
  };
}

export function validPull(v: unknown): PullPayload {
  const p = record(v, 'pull_request');
  const head = record(p.head, 'pull_request.head');
  const base = record(p.base, 'pull_request.base');
  const user = isRecord(p.user) && typeof p.user.login === 'string' ? { login: p.user.login } : null;
  return {
    number: idNumber(p.number, 'pull_request.number'),
    title: text(p.title ?? '', 'pull_request.title', 1024),
    body: p.body === null || p.body === undefined ? null : text(p.body, 'pull_request.body', 1 << 20),
    draft: p.draft === true,
    head: { sha: sha(head.sha, 'pull_request.head.sha') },
    base: { sha: sha(base.sha, 'pull_request.base.sha'), ref: branch(base.ref, 'pull_request.base.ref') },
    user,
  };
}

/** The installation id of an event, 0 when it has none. */
export function installationId(payload: unknown): number {
  const inst = isRecord(payload) ? payload.installation : undefined;
  return inst === undefined || inst === null ? 0 : idNumber(record(inst, 'installation').id, 'installation.id');
}

/** The pull request numbers and head of a check_run or check_suite event. */
export function validCheckEvent(v: unknown, what: 'check_run' | 'check_suite'): { name: string; headSha: string; numbers: number[] } {
  const c = record(v, what);
  const prs = Array.isArray(c.pull_requests) ? c.pull_requests : fail(`${what}.pull_requests is not a list`);
  return {
    name: typeof c.name === 'string' ? c.name : '',
    headSha: sha(c.head_sha, `${what}.head_sha`),
    numbers: prs.map((p, i) => idNumber(record(p, `${what}.pull_requests[${i}]`).number, `${what}.pull_requests[${i}].number`)),
  };
}

/** The parts of an issue_comment event a recheck reads; null when the issue is not a pull request. */
export function validComment(payload: Record<string, unknown>): { number: number; commentId: number; body: string; user: string } | null {
  const issue = record(payload.issue, 'issue');
  if (!issue.pull_request) return null;
  const comment = record(payload.comment, 'comment');
  const user = isRecord(comment.user) && typeof comment.user.login === 'string' ? comment.user.login : '';
  return {
    number: idNumber(issue.number, 'issue.number'),
    commentId: idNumber(comment.id, 'comment.id'),
    body: text(comment.body, 'comment.body', 1 << 20),
    user,
  };
}
