// Two workers on one real redis-server never review the same pull request at once: a push's job and
// a `/kreview recheck` of the same head are two jobs, taken by two workers; the second waits for the
// first's lock. The first review is held at its look-up of the PR's reviews for as long as 15 s or
// until a second look-up for the same PR arrives, which is what happens without a shared lock.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../app/github-api.js';
import { KreviewProcess, repositoryWithPulls, SERVE_SECRET, servePing, tempDir, until } from '../app/serve-process.js';
import { commentPayload, deliver, pullRequestPayload } from '../app/webhooks.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.js';

const tmp = tempDir('kreview-pr-lock-');
let redis: RedisServer | null = null;
let gh: FakeGitHub | null = null;
const procs: KreviewProcess[] = [];

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  await gh?.close();
  await redis?.stop();
  tmp.remove();
});

describe('one review of a pull request at a time, across workers', () => {
  it('a recheck taken by a second worker waits for the first worker to finish the same PR', { timeout: 300_000 }, async () => {
    const { bare, pulls } = repositoryWithPulls(tmp.dir, 1);
    const pull = pulls[0];
    redis = await startRedis();
    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    gh.pulls.set(pull.number, pull);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serve = new KreviewProcess(['serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp.dir, 'serve-cache'), '--queue', redis.url], gh, tmp.dir);
    const workers = ['a', 'b'].map(
      (w) => new KreviewProcess(['worker', '--queue', redis!.url, '--concurrency', '1', '--cache', join(tmp.dir, `worker-${w}`)], gh!, tmp.dir, { KREVIEW_QUEUE_LOCK_MS: '5000' }),
    );
    procs.push(serve, ...workers);
    await until(`serve (${serve.output})`, () => servePing(base));
    await until(`the workers (${workers.map((w) => w.output).join('\n')})`, () => workers.every((w) => w.output.includes('taking jobs')));
    const everyone = () => [serve, ...workers].map((p) => p.output).join('\n');

    // The first look-up of the PR's reviews is held; a second one while it is held is a second review at once.
    const path = `/repos/acme/linux/pulls/${pull.number}/reviews`;
    let held = false;
    let release: (() => void) | null = null;
    let overlapped = false;
    let holds = 0;
    gh.beforeAnswer = async (c) => {
      if (c.method !== 'GET' || c.path !== path) return;
      if (held) {
        overlapped = true;
        release?.();
        return;
      }
      if (holds++) return;
      held = true;
      await new Promise<void>((r) => {
        release = r;
        setTimeout(r, 15_000);
      });
      held = false;
    };

    const url = `${base}/api/github/webhooks`;
    expect((await deliver(url, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret: SERVE_SECRET, id: 'd-open' })).status).toBe(202);
    const first = await until(`a worker to start the review (${everyone()})`, () => workers.find((w) => w.reviewing().length > 0));
    await until(`the first review to reach its look-up of reviews (${everyone()})`, () => held);
    expect((await deliver(url, 'issue_comment', commentPayload(gh, pull, pull.user, '/kreview recheck', 9), { secret: SERVE_SECRET, id: 'd-recheck' })).status).toBe(202);
    const second = workers.find((w) => w !== first)!;
    await until(`both reviews done (${everyone()})`, () => workers.every((w) => /acme\/linux#1@[0-9a-f]{12}: /.test(w.output)), 120_000);
    expect(overlapped, 'two reviews of the PR ran at once').toBe(false);
    // The recheck's job went to the other worker, which waited for the lock.
    expect(second.output).toContain('acme/linux#1: another worker is reviewing it; waiting for it');
    expect(holds).toBe(2);
    expect(gh.reviews.filter((r) => r.commit_id === pull.headSha)).toHaveLength(1);
  });
});
