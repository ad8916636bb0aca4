// Reviews spread over machines: one `kreview serve --queue redis://` feeding two `kreview worker`
// processes through a real redis-server, with one worker SIGKILLed in the middle of a review. Every
// pull request is reviewed exactly once: one check run, completed once, and one review.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FakeGitHub } from './github-api.js';
import { deliver, pullRequestPayload } from './webhooks.js';
import { KreviewProcess, repositoryWithPulls, SERVE_SECRET, servePing, tempDir, until } from './serve-process.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.js';

const tmp = tempDir('kreview-queue-redis-');
let redis: RedisServer | null = null;
let gh: FakeGitHub | null = null;
const procs: KreviewProcess[] = [];

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  await gh?.close();
  await redis?.stop();
  tmp.remove();
});

describe('kreview worker on Redis', () => {
  it('two workers, one killed mid-review: every pull request gets one check run and one review', async () => {
    const PRS = 4;
    const { bare, pulls } = repositoryWithPulls(tmp.dir, PRS);
    redis = await startRedis();
    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    for (const p of pulls) gh.pulls.set(p.number, p);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serve = new KreviewProcess(['serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp.dir, 'serve-cache'), '--queue', redis.url], gh, tmp.dir);
    procs.push(serve);
    // A dead worker's job goes to the other one after its 2 s lock lapses.
    const workers = ['a', 'b'].map(
      (w) => new KreviewProcess(['worker', '--queue', redis!.url, '--concurrency', '1', '--cache', join(tmp.dir, `worker-${w}`)], gh!, tmp.dir, { KREVIEW_QUEUE_LOCK_MS: '2000' }),
    );
    procs.push(...workers);
    await until(`serve (${serve.output})`, () => servePing(base));
    await until(`the workers (${workers.map((w) => w.output).join('\n')})`, () => workers.every((w) => w.output.includes('taking jobs')));

    // The first worker to ask for a review's existing comments (after its check run is completed,
    // before its review is posted) is killed there and then.
    let victim: KreviewProcess | null = null;
    let victimPr = 0;
    gh.beforeAnswer = async (c) => {
      const m = /^\/repos\/acme\/linux\/pulls\/(\d+)\/reviews$/.exec(c.path);
      if (victim || c.method !== 'GET' || !m) return;
      victimPr = Number(m[1]);
      victim = workers.find((w) => w.reviewing().includes(victimPr)) ?? null;
      if (victim) await victim.kill('SIGKILL');
    };

    const answers = await Promise.all(
      pulls.map((p) => deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh!, 'opened', p), { secret: SERVE_SECRET, id: `d-${p.number}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(pulls.map(() => 202));
    // A redelivery and a second event for the same head add nothing.
    expect((await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pulls[0]), { secret: SERVE_SECRET, id: 'd-1' })).status).toBe(200);
    expect((await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'reopened', pulls[0]), { secret: SERVE_SECRET, id: 'd-1b' })).status).toBe(200);

    const everyone = () => [serve, ...workers].map((p) => p.output).join('\n') + '\nAPI calls: ' + gh!.calls.map((c) => `${c.method} ${c.path}`).join(', ');
    const reviewed = () => pulls.every((p) => gh!.reviews.some((r) => r.commit_id === p.headSha && r.state === 'COMMENTED'));
    const completed = () => pulls.every((p) => [...gh!.checkRuns.values()].some((r) => r.head_sha === p.headSha && r.status === 'completed'));
    await until(`every review (${everyone()})`, () => reviewed() && completed(), 90_000);
    expect(victim, 'a worker was killed mid-review').not.toBeNull();
    expect(victim!.child.signalCode).toBe('SIGKILL');
    // The survivor took the dead worker's job.
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.reviewing()).toContain(victimPr);

    // Let anything still in flight land, then count effects.
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of pulls) {
      const runs = [...gh.checkRuns.values()].filter((r) => r.head_sha === p.headSha);
      expect(runs, `PR ${p.number}: check runs`).toHaveLength(1);
      const completions = gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/check-runs/${runs[0].id}`) && c.body?.status === 'completed');
      expect(completions, `PR ${p.number}: completions`).toHaveLength(1);
      expect(gh.reviews.filter((r) => r.commit_id === p.headSha), `PR ${p.number}: reviews`).toHaveLength(1);
      expect(runs[0].output?.summary).toContain('fixes/unknown-sha');
    }
  }, 300_000);
});
