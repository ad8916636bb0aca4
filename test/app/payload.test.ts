// Payload validation, the GitHub host and the token header, and mirror specs: the pure parts of
// the app's intake and fetch (the end-to-end paths are in serve-hardening.test.ts).
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/app/intake.js';
import { PayloadError } from '../../src/app/payload.js';
import { githubWebUrl, repoCloneUrl, tokenConfig, webUrlOfApi } from '../../src/app/github-host.js';
import { mirrorFor, normaliseRepoUrl, parseMirrorSpec } from '../../src/app/mirrors.js';
import { KreviewError } from '../../src/core/types.js';

const SHA = 'a'.repeat(40);
const pr = (over: Record<string, unknown> = {}, repo: Record<string, unknown> = {}) => ({
  action: 'opened',
  installation: { id: 7 },
  repository: { name: 'linux', owner: { login: 'acme' }, default_branch: 'master', ...repo },
  pull_request: { number: 3, title: 't', body: null, head: { sha: SHA }, base: { sha: SHA, ref: 'master' }, ...over },
});

describe('validateEvent', () => {
  it('takes a well-formed pull_request event and events kreview does not handle', () => {
    expect(() => validateEvent('pull_request', pr())).not.toThrow();
    expect(() => validateEvent('pull_request', pr({}, { name: '.github' }))).not.toThrow();
    expect(() => validateEvent('installation', { whatever: 1 })).not.toThrow();
  });

  it.each([
    ['no pull_request', { ...pr(), pull_request: undefined }],
    ['a string number', pr({ number: '3' })],
    ['a fractional number', pr({ number: 3.5 })],
    ['an option as head', pr({ head: { sha: '--upload-pack=x' } })],
    ['a base ref that is an option', pr({ base: { sha: SHA, ref: '-x' } })],
    ['an owner with a slash', pr({}, { owner: { login: 'a/b' } })],
    ['an owner that starts with a hyphen', pr({}, { owner: { login: '-c' } })],
    ['a repository named ..', pr({}, { name: '..' })],
    ['a repository name with a space', pr({}, { name: 'li nux' })],
    ['an installation id that is a string', { ...pr(), installation: { id: '7' } }],
  ])('refuses %s with a one-line PayloadError', (_, payload) => {
    let err: unknown;
    try {
      validateEvent('pull_request', payload);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as PayloadError).status).toBe(400);
    expect((err as Error).message).not.toContain('\n');
  });

  it('checks comment and check events too', () => {
    const base = { repository: pr().repository, installation: { id: 1 } };
    expect(() => validateEvent('issue_comment', { ...base, issue: { number: 1, pull_request: {} }, comment: { id: 2, body: 'x' } })).not.toThrow();
    expect(() => validateEvent('issue_comment', { ...base, issue: { number: 1 }, comment: {} })).not.toThrow();
    expect(() => validateEvent('issue_comment', { ...base, issue: { number: 'x', pull_request: {} }, comment: { id: 2, body: 'x' } })).toThrow(PayloadError);
    expect(() => validateEvent('check_run', { ...base, check_run: { name: 'kreview', head_sha: SHA, pull_requests: [{ number: 1 }] } })).not.toThrow();
    expect(() => validateEvent('check_suite', { ...base, check_suite: { head_sha: SHA } })).toThrow(PayloadError);
  });
});

describe('the GitHub host and the token', () => {
  it('builds URLs from the configured host, never from a payload', () => {
    expect(githubWebUrl({})).toBe('https://github.com');
    expect(githubWebUrl({ GHE_HOST: 'ghe.example.org' })).toBe('https://ghe.example.org');
    expect(githubWebUrl({ GHE_HOST: 'ghe.example.org:8080', GHE_PROTOCOL: 'http' })).toBe('http://ghe.example.org:8080');
    expect(() => githubWebUrl({ GHE_HOST: 'evil.example/x?' })).toThrow(KreviewError);
    expect(() => githubWebUrl({ GHE_HOST: 'h', GHE_PROTOCOL: 'ext' })).toThrow(KreviewError);
    expect(webUrlOfApi('https://api.github.com')).toBe('https://github.com');
    expect(webUrlOfApi('https://ghe.example.org/api/v3')).toBe('https://ghe.example.org');
    expect(repoCloneUrl('https://github.com', 'acme', 'linux')).toBe('https://github.com/acme/linux.git');
  });

  it('gives the token as a header scoped to the host, for http and https alike', () => {
    for (const web of ['https://ghe.example.org', 'http://ghe.example.org:8080']) {
      const c = tokenConfig(web, 'ghs_T');
      expect(Object.keys(c)).toEqual([`http.${web}/.extraHeader`]);
      expect(c[`http.${web}/.extraHeader`]).toBe(`Authorization: Basic ${Buffer.from('x-access-token:ghs_T').toString('base64')}`);
    }
    expect(tokenConfig('https://github.com', null)).toEqual({});
  });
});

describe('mirror specs', () => {
  it('matches a URL however it is spelled', () => {
    expect(parseMirrorSpec('https://github.com/torvalds/linux=/srv/linux.git')).toEqual({ url: 'https://github.com/torvalds/linux', path: '/srv/linux.git' });
    expect(normaliseRepoUrl('HTTPS://GitHub.com/torvalds/linux.git/')).toBe('https://github.com/torvalds/linux');
    const mirrors = new Map([[normaliseRepoUrl('https://github.com/torvalds/linux'), '/srv/linux.git/objects']]);
    expect(mirrorFor(mirrors, 'https://github.com/torvalds/linux.git')).toBe('/srv/linux.git/objects');
    expect(mirrorFor(mirrors, 'https://github.com/acme/linux.git')).toBeNull();
  });

  it.each(['/srv/linux.git', 'https://github.com/x', 'file:///x=/srv/y', '=/srv'])('refuses %j', (spec) => {
    expect(() => parseMirrorSpec(spec)).toThrow(KreviewError);
  });
});
