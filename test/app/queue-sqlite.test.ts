// The default queue, SQLite in the cache dir: `kreview serve` and the worker process it starts both
// killed with SIGKILL in the middle of a review (the machine going down) pick the job up again when
// serve is started again, and the pull request still gets one check run, completed once, and one review.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FakeGitHub } from './github-api.js';
import { deliver, pullRequestPayload } from './webhooks.js';
import { KreviewProcess, repositoryWithPulls, SERVE_SECRET, servePing, tempDir, until } from './serve-process.js';
import { freePort } from '../helpers/redis-server.js';

const tmp = tempDir('kreview-queue-sqlite-');
let gh: FakeGitHub | null = null;
const procs: KreviewProcess[] = [];

afterAll(async () => {
  for (const p of procs) await p.kill('SIGTERM');
  await gh?.close();
  tmp.remove();
});

describe('kreview serve with its SQLite queue', () => {
  it('resumes a review a SIGKILL interrupted, with exactly one check run and one review', async () => {
    const { bare, pulls } = repositoryWithPulls(tmp.dir, 2);
    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    for (const p of pulls) gh.pulls.set(p.number, p);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const args = ['serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp.dir, 'cache'), '--workers', '1'];
    const first = new KreviewProcess(args, gh, tmp.dir);
    procs.push(first);
    await until(`serve (${first.output})`, () => servePing(base));

    // Killed when the first review asks for the PR's existing reviews: its check run is completed,
    // its review not yet posted.
    let killed = false;
    gh.beforeAnswer = async (c) => {
      if (killed || c.method !== 'GET' || !/\/pulls\/\d+\/reviews$/.test(c.path)) return;
      killed = true;
      // The worker process first (it asked), then the server.
      for (const pid of execFileSync('pgrep', ['-P', String(first.child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      await first.kill('SIGKILL');
    };
    const answers = await Promise.all(
      pulls.map((p) => deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh!, 'opened', p), { secret: SERVE_SECRET, id: `s-${p.number}` })),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    // Both check runs were "in progress" before the first review ended.
    await until('the kill', () => killed && first.child.signalCode === 'SIGKILL');
    expect([...gh.checkRuns.values()].map((r) => r.head_sha).sort()).toEqual(pulls.map((p) => p.headSha).sort());

    const second = new KreviewProcess(args, gh, tmp.dir);
    procs.push(second);
    await until(`serve again (${second.output})`, () => servePing(base));
    const done = () =>
      pulls.every(
        (p) => gh!.reviews.some((r) => r.commit_id === p.headSha) && [...gh!.checkRuns.values()].some((r) => r.head_sha === p.headSha && r.status === 'completed'),
      );
    await until(`both reviews (${first.output}\n-----\n${second.output})`, done, 120_000);
    expect(second.output).toMatch(/interrupted by a process that is gone: queued again/);
    // A redelivery after the restart is recognised.
    expect((await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pulls[0]), { secret: SERVE_SECRET, id: 's-1' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of pulls) {
      const runs = [...gh.checkRuns.values()].filter((r) => r.head_sha === p.headSha);
      expect(runs, `PR ${p.number}: check runs`).toHaveLength(1);
      const completions = gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/check-runs/${runs[0].id}`) && c.body?.status === 'completed');
      expect(completions, `PR ${p.number}: completions`).toHaveLength(1);
      expect(gh.reviews.filter((r) => r.commit_id === p.headSha), `PR ${p.number}: reviews`).toHaveLength(1);
    }
  }, 300_000);
});
