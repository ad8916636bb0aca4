// The worker process `kreview serve` starts shares serve's state. One started while serve is still
// putting check runs "in progress" (a replacement for a killed worker, during a burst) must leave
// those starts to serve: it took them as left over from a stopped server and made each check run a
// second time (seen in the 20-PR burst bench, two PRs with two check runs).
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FakeGitHub } from './github-api.js';
import { deliver, pullRequestPayload } from './webhooks.js';
import { KreviewProcess, repositoryWithPulls, SERVE_SECRET, servePing, tempDir, until } from './serve-process.js';
import { freePort } from '../helpers/redis-server.js';

const tmp = tempDir('kreview-worker-restart-');
let gh: FakeGitHub | null = null;
let serve: KreviewProcess | null = null;

afterAll(async () => {
  await serve?.kill('SIGTERM');
  await gh?.close();
  tmp.remove();
});

const taking = (p: KreviewProcess) => p.output.split('taking jobs').length - 1;

describe('a worker process started while serve puts a check run "in progress"', { timeout: 240_000 }, () => {
  it('leaves that start to serve: one check run', async () => {
    const { bare, pulls } = repositoryWithPulls(tmp.dir, 1);
    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    gh.pulls.set(1, pulls[0]);
    // GitHub takes its time with the check run serve creates.
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    gh.beforeAnswer = (c) => (c.method === 'POST' && c.path.endsWith('/check-runs') ? held : undefined);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    serve = new KreviewProcess(['serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp.dir, 'cache'), '--workers', '1'], gh, tmp.dir);
    await until(`serve (${serve.output})`, () => servePing(base), 90_000);
    await until(`the worker (${serve.output})`, () => taking(serve!) === 1, 90_000);

    const r = await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pulls[0]), { secret: SERVE_SECRET, id: 'restart-1' });
    expect(r.status).toBe(202);
    await until('the check run asked for', () => gh!.calls.some((c) => c.method === 'POST' && c.path.endsWith('/check-runs')));
    // The worker goes (out of memory, by hand); serve starts another while its start is under way.
    for (const pid of execFileSync('pgrep', ['-P', String(serve.child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    await until(`another worker (${serve.output})`, () => taking(serve!) === 2, 90_000);
    // What the new worker would do with the start happens before it takes jobs; a moment more for its calls.
    await new Promise((res) => setTimeout(res, 1000));
    answer();
    await until(`the review (${serve.output})`, () => gh!.reviews.length === 1, 120_000);
    expect(gh.callsTo('POST', /\/check-runs$/)).toHaveLength(1);
    expect([...gh.checkRuns.values()].map((c) => c.status)).toEqual(['completed']);
  });
});
