// `kreview serve --log-format json` in a child process, as deploy.md starts it: /healthz and
// /metrics beside the webhook path, scraped and parsed after a real review of the fixup-worker
// series (a secondary rate limit on the first write, waited out); every log line of the delivery's
// work is JSON with its delivery id.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample } from '../../src/example/build.js';
import { FakeGitHub, type FakePull } from '../app/github-api.js';
import { deliver, pullRequestPayload, rsaPrivateKey } from '../app/webhooks.js';
import { parseProm, sampleValue } from '../helpers/prom-text.js';
import { until } from '../helpers/until.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kreview-serve-ops-'));
let child: ChildProcess | null = null;
let gh: FakeGitHub | null = null;

afterAll(async () => {
  if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
  await gh?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('kreview serve: operable', () => {
  it('serves /healthz and /metrics, counts the review, its findings, API calls, the rate-limit wait and the mail; JSON logs carry the delivery id', { timeout: 240_000 }, async () => {
    const example = await buildExample();
    const bare = join(tmp, 'linux.git');
    const work = join(tmp, 'work');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
    git(tmp, 'clone', '-q', '--bare', example.dir, bare);
    git(tmp, 'clone', '-q', bare, work);
    git(work, 'checkout', '-q', '-b', 'series', example.ids['release-5.4']);
    try {
      git(work, 'am', '-q', join(ROOT, 'examples', 'fixup-worker.mbox'));
    } catch {
      git(work, 'am', '-q', '--skip');
    }
    git(work, 'push', '-q', bare, 'HEAD:refs/pull/7/head');
    const pull: FakePull = {
      number: 7,
      title: 'btrfs: reserve delalloc space in the writepage fixup worker',
      body: 'Message-Id: <20191015093000.4711-0-dana@example.com>\n',
      user: 'dana',
      headSha: git(work, 'rev-parse', 'HEAD'),
      baseSha: git(bare, 'rev-parse', 'master'),
      baseRef: 'master',
    };
    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    gh.pulls.set(7, pull);
    gh.config = 'mail:\n  reply: true\n';
    gh.rateLimitNext = 1;
    const policy = join(tmp, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\n` +
        `sources:\n  - { type: mbox, path: ${join(ROOT, 'examples', 'fixup-worker.mbox')}, name: lore-btrfs }\n` +
        `lists:\n  - { address: linux-btrfs@vger.kernel.org, mode: github, reply: all }\n`,
    );

    const port = await freePort();
    const secret = 'serve-ops-secret';
    const args = [join(ROOT, 'src', 'cli', 'main.ts'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp, 'cache'), '--mail-policy', policy, '--log-format', 'json'];
    child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), args, {
      cwd: tmp,
      env: {
        ...process.env,
        APP_ID: '99',
        PRIVATE_KEY: rsaPrivateKey(),
        WEBHOOK_SECRET: secret,
        GHE_HOST: gh.url.replace('http://', ''),
        GHE_PROTOCOL: 'http',
        LOG_LEVEL: 'info',
        KREVIEW_GITHUB_SPACING_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    const base = `http://127.0.0.1:${port}`;
    const health = await until(`the server (${output})`, async () => {
      const r = await fetch(`${base}/healthz`).catch(() => null);
      return r ? { status: r.status, body: await r.json() } : null;
    });
    expect(health).toEqual({ status: 200, body: { ok: true, checks: { state: { ok: true, detail: expect.stringMatching(/^readable, \d+ tables$/) } } } });

    const refused = await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret: 'wrong' });
    expect(refused.status).toBe(401);
    const id = randomUUID();
    const res = await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret, id });
    expect([200, 202]).toContain(res.status);
    const outbox = join(tmp, 'outbox');
    await until(`the review and its mail (${output.slice(-3000)})`, () => [...gh!.checkRuns.values()].some((r) => r.status === 'completed') && existsSync(outbox) && readdirSync(outbox).length > 0);

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    const samples = parseProm(await scrape.text());
    expect(sampleValue(samples, 'kreview_webhooks_total', { event: 'pull_request', status: '401' })).toBe(1);
    expect(sampleValue(samples, 'kreview_webhooks_total', { event: 'pull_request', status: String(res.status) })).toBe(1);
    expect(sampleValue(samples, 'kreview_reviews_total', { source: 'github', result: 'reviewed' })).toBe(1);
    expect(sampleValue(samples, 'kreview_job_duration_seconds_count', { source: 'github' })).toBe(1);
    expect(sampleValue(samples, 'kreview_findings_total', { source: 'github', id: 'lock/reserve-under-page-lock' })).toBe(1);
    expect(sampleValue(samples, 'kreview_findings_total', { source: 'github', id: 'fixes/unknown-sha' })).toBe(1);
    // The token, the check run, the review: each a request; the write refused once waited 1 s.
    expect(sampleValue(samples, 'kreview_github_api_calls_total', { method: 'POST', status: '201' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'kreview_github_api_calls_total', { method: 'POST', status: '403' })).toBe(1);
    expect(sampleValue(samples, 'kreview_rate_limit_waits_total', { limit: 'retry-after' })).toBe(1);
    expect(sampleValue(samples, 'kreview_rate_limit_wait_seconds_total', { limit: 'retry-after' })).toBe(1);
    expect(sampleValue(samples, 'kreview_mails_sent_total', { source: 'mail' })).toBe(readdirSync(outbox).filter((f) => f.endsWith('.eml')).length);
    expect(sampleValue(samples, 'kreview_queue_depth', { queue: 'github-reviews' })).toBe(0);
    expect(sampleValue(samples, 'kreview_errors_total', { where: 'review' })).toBe(0);

    child.kill('SIGTERM');
    await until('the server to stop', () => child!.exitCode !== null || null, 30_000);
    const lines = output.trimEnd().split('\n').map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
    const ofThePr = lines.filter((l) => String(l.msg).includes('acme/linux#7'));
    // The review's summary line (probot's logger) and the mail side's line (kreview's), both from the
    // worker process serve starts, which reviews and mails; its counts are in serve's /metrics too.
    expect(ofThePr.some((l) => /: failure, \d+ inline/.test(String(l.msg)))).toBe(true);
    expect(ofThePr.some((l) => l.name === 'kreview worker' && /^mail: acme\/linux#7: series/.test(String(l.msg)))).toBe(true);
    for (const l of ofThePr) expect(l.id, JSON.stringify(l)).toBe(id);
    const refusal = lines.find((l) => /refused: signature does not match/.test(String(l.msg)));
    expect(refusal).toMatchObject({ level: 40, id: expect.any(String) });
  });
});
