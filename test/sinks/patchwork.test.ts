// Patchwork checks: one per patch, exactly once, against a local server that follows patchwork's
// documented REST API 1.2 (see test/helpers/fake-patchwork.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/core/types.js';
import { PatchworkClient, checkFor, nextLink, patchworkInstance, type PatchworkConfig } from '../../src/sinks/patchwork.js';
import { openState } from '../../src/state/open-state.js';
import { PatchworkChecks } from '../../src/state/patchwork-checks.js';
import { FakePatchwork } from '../helpers/fake-patchwork.js';

const finding = (id: string, severity: Finding['severity'], confidence: Finding['confidence'] = 'high'): Finding => ({ id, severity, confidence, message: id, location: { kind: 'patch' } });

describe('the check a patch gets', () => {
  it('fails only on an error kreview is sure of, warns on the rest, passes a clean patch', () => {
    expect(checkFor([finding('fixes/unknown-sha', 'error'), finding('fixes/short-sha', 'warning')], null, 'a@b')).toEqual({
      state: 'fail',
      context: 'kreview',
      description: '1 error, 1 warning: fixes/unknown-sha, fixes/short-sha',
    });
    expect(checkFor([finding('lock/order', 'error', 'medium')], null, 'a@b').state).toBe('warning');
    expect(checkFor([finding('fixes/placement', 'note')], 'https://kreview.example.org/m/{msgid}', 'a+b@c')).toEqual({
      state: 'success',
      context: 'kreview',
      description: 'no problems found in Fixes: tags or lock order',
      target_url: 'https://kreview.example.org/m/a%2Bb%40c',
    });
  });
});

describe('following patchwork\'s page links', () => {
  const api = 'https://patchwork.example.org/api';
  it('takes rel="next" under the instance\'s API root and nothing else', () => {
    expect(nextLink(`<${api}/patches/1/checks/?page=2>; rel="next", <${api}/patches/1/checks/?page=0>; rel="prev"`, api)).toBe(`${api}/patches/1/checks/?page=2`);
    expect(nextLink(`<${api}/patches/1/checks/?page=1>; rel="prev"`, api)).toBeNull();
    expect(nextLink('<https://elsewhere.example.org/api/patches/1/checks/?page=2>; rel="next"', api)).toBeNull();
    expect(nextLink(`<${api}.evil.org/x>; rel="next"`, api)).toBeNull();
    expect(nextLink(null, api)).toBeNull();
  });
});

describe('patchwork checks owed, posted exactly once', () => {
  let pw: FakePatchwork;
  let checks: PatchworkChecks;
  let client: PatchworkClient;
  let config: PatchworkConfig;
  const body = checkFor([finding('fixes/unknown-sha', 'error')], null, 'p1@example.org');

  beforeEach(async () => {
    pw = new FakePatchwork('s3cret');
    await pw.start();
    config = { url: pw.url, project: 'linux-btrfs', tokenEnv: 'PW_TOKEN', targetUrl: null };
    client = new PatchworkClient(config, { PW_TOKEN: 's3cret' });
    checks = new PatchworkChecks(openState(join(mkdtempSync(join(tmpdir(), 'kreview-pw-')), 'state.db')));
  });
  afterEach(async () => {
    await pw.stop();
  });
  const instance = () => patchworkInstance(config);

  it('finds the patch by Message-ID in the project, posts once, and a second enqueue is a no-op', async () => {
    pw.addPatch('p1@example.org', 'other-list'); // the same mail on another list's project
    const id = pw.addPatch('p1@example.org', 'linux-btrfs');
    expect(checks.enqueue('p1@example.org', instance(), body, 0)).toBe(true);
    expect(checks.enqueue('p1@example.org', instance(), body, 0)).toBe(false);
    const r = await checks.dispatch(() => client, 0);
    expect(r.posted).toEqual(['p1@example.org']);
    expect(pw.checks).toEqual([{ id: 1, patch: id, state: 'fail', context: 'kreview', description: '1 error: fixes/unknown-sha', target_url: null }]);
    expect((await checks.dispatch(() => client, 10_000_000)).posted).toEqual([]);
    expect(pw.checks).toHaveLength(1);
  });

  it('waits for a patch patchwork has not read yet, and posts it once it has', async () => {
    checks.enqueue('late@example.org', instance(), body, 0);
    const first = await checks.dispatch(() => client, 0);
    expect(first).toMatchObject({ posted: [], errors: [] });
    expect(checks.state('late@example.org')).toBe('pending');
    pw.addPatch('late@example.org', 'linux-btrfs');
    expect((await checks.dispatch(() => client, 1_000)).posted).toEqual([]); // still backing off
    expect((await checks.dispatch(() => client, 120_000)).posted).toEqual(['late@example.org']);
    expect(pw.checks).toHaveLength(1);
  });

  it('a post whose answer was lost is settled by asking, not posted again', async () => {
    pw.addPatch('p1@example.org', 'linux-btrfs');
    checks.enqueue('p1@example.org', instance(), body, 0);
    pw.dropAnswers = 1;
    const lost = await checks.dispatch(() => client, 0);
    expect(lost.errors).toHaveLength(1);
    expect(lost.errors[0]).toMatch(/^patchwork check for <p1@example\.org>: patchwork POST http:\/\/127\.0\.0\.1:\d+\/api\/patches\/1\/checks\/: /);
    expect(checks.state('p1@example.org')).toBe('sending');
    const again = await checks.dispatch(() => client, 1);
    expect(again.settled).toEqual(['p1@example.org']);
    expect(pw.checks).toHaveLength(1);
  });

  it('a lost post is found on a later page of the patch\'s checks (CI bots post many), not posted again', async () => {
    pw.addPatch('p1@example.org', 'linux-btrfs');
    for (let i = 0; i < 600; i++) pw.checks.push({ id: pw.checks.length + 1, patch: 1, state: 'success', context: `ci-${i}`, description: 'build', target_url: null });
    checks.enqueue('p1@example.org', instance(), body, 0);
    pw.dropAnswers = 1;
    expect((await checks.dispatch(() => client, 0)).errors).toHaveLength(1);
    expect((await checks.dispatch(() => client, 1)).settled).toEqual(['p1@example.org']);
    expect(pw.checks.filter((c) => c.context === 'kreview')).toHaveLength(1);
  });

  it('a check claimed by a run that died is posted by the next one when it is not there', async () => {
    pw.addPatch('p1@example.org', 'linux-btrfs');
    const db = openState(join(mkdtempSync(join(tmpdir(), 'kreview-pw-')), 'state.db'));
    const dead = new PatchworkChecks(db);
    dead.enqueue('p1@example.org', instance(), body, 0);
    db.prepare(`UPDATE patchwork_checks SET state = 'sending', claimed_by = 'a-run-that-died', patch_id = 1`).run();
    const next = new PatchworkChecks(db);
    expect((await next.dispatch(() => client, 0)).posted).toEqual(['p1@example.org']);
    expect(pw.checks).toHaveLength(1);
  });

  it('no token is a one-line error naming the variable; a refused token is an error, retried later', async () => {
    expect(() => new PatchworkClient(config, {})).toThrow(`patchwork ${pw.url}: no API token in $PW_TOKEN`);
    pw.addPatch('p1@example.org', 'linux-btrfs');
    checks.enqueue('p1@example.org', instance(), body, 0);
    const wrong = new PatchworkClient(config, { PW_TOKEN: 'wrong' });
    const r = await checks.dispatch(() => wrong, 0);
    expect(r.errors[0]).toMatch(/HTTP 401/);
    expect(pw.checks).toHaveLength(0);
  });
});
