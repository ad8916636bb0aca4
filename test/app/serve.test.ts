// `kreview serve` as a user runs it: the CLI in a child process, configured only by probot's
// environment, reviewing the bundled btrfs fixup-worker series as a PR with every real check.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExample } from '../../src/example/build.js';
import { FakeGitHub, type FakePull } from './github-api.js';
import { deliver, pullRequestPayload, rsaPrivateKey } from './webhooks.js';
import { until } from '../helpers/until.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kreview-serve-'));
let child: ChildProcess | null = null;
let gh: FakeGitHub | null = null;

afterAll(async () => {
  if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
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

describe('kreview serve', () => {
  it('reviews the fixup-worker series as a pull request: the page-lock bug inline, the Fixes: problems in the body, a failing check', async () => {
    const example = await buildExample();
    const bare = join(tmp, 'linux.git');
    const work = join(tmp, 'work');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
    git(tmp, 'clone', '-q', '--bare', example.dir, bare);
    git(tmp, 'clone', '-q', bare, work);
    git(work, 'checkout', '-q', '-b', 'series', example.ids['release-5.4']);
    // The cover letter is an empty patch for git am: skip it, apply the three patches.
    try {
      git(work, 'am', '-q', join(ROOT, 'examples', 'fixup-worker.mbox'));
    } catch {
      git(work, 'am', '-q', '--skip');
    }
    git(work, 'push', '-q', bare, 'HEAD:refs/pull/7/head');
    const pull: FakePull = {
      number: 7,
      title: 'btrfs: reserve delalloc space in the writepage fixup worker',
      // As kernel-patches-daemon writes it: the series' Message-ID, so the review goes back to the list.
      body: 'Pull request for series with\nsubject: btrfs: reserve delalloc space in the writepage fixup worker\nMessage-Id: <20191015093000.4711-0-dana@example.com>\n',
      user: 'dana',
      headSha: git(work, 'rev-parse', 'HEAD'),
      baseSha: git(bare, 'rev-parse', 'master'),
      baseRef: 'master',
    };
    expect(git(work, 'rev-list', '--count', `${pull.baseSha}..${pull.headSha}`)).toBe('3');

    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    gh.pulls.set(7, pull);
    gh.config = 'mail:\n  reply: true\n';
    // The list is reviewed through its PRs (mode: github); the watcher's policy addresses the replies.
    const policy = join(tmp, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\n` +
        `sources:\n  - { type: mbox, path: ${join(ROOT, 'examples', 'fixup-worker.mbox')}, name: lore-btrfs }\n` +
        `lists:\n  - { address: linux-btrfs@vger.kernel.org, mode: github, reply: all }\n`,
    );

    const port = await freePort();
    const secret = 'serve-secret';
    child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'main.ts'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp, 'cache'), '--mail-policy', policy], {
      cwd: tmp,
      env: {
        ...process.env,
        APP_ID: '99',
        PRIVATE_KEY: rsaPrivateKey(),
        WEBHOOK_SECRET: secret,
        GHE_HOST: gh.url.replace('http://', ''),
        GHE_PROTOCOL: 'http',
        LOG_LEVEL: 'warn',
        KREVIEW_GITHUB_SPACING_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    const base = `http://127.0.0.1:${port}`;
    await until(`the server (${output})`, async () => (await fetch(`${base}/ping`).catch(() => null))?.ok ?? null);

    const res = await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret });
    expect([200, 202]).toContain(res.status);
    const run = await until('the check run', () => [...gh!.checkRuns.values()].find((r) => r.status === 'completed') ?? null, 120_000);

    expect(gh.calls.some((c) => c.path === '/app/installations/4242/access_tokens')).toBe(true);
    expect(run.head_sha).toBe(pull.headSha);
    expect(run.conclusion).toBe('failure');
    const lock = run.annotations.find((a: { title: string }) => a.title === 'lock/reserve-under-page-lock');
    expect(lock).toMatchObject({ path: 'fs/btrfs/inode.c', annotation_level: 'failure' });

    // The check run is completed first, the review posted right after it.
    const inline = await until('the review', () => gh!.comments.find((c) => c.body.includes('lock/reserve-under-page-lock')) ?? null);
    expect(inline).toMatchObject({ path: 'fs/btrfs/inode.c', side: 'RIGHT' });
    const headFile = git(bare, 'show', `${pull.headSha}:fs/btrfs/inode.c`).split('\n');
    expect(headFile[inline.line - 1]).toMatch(/btrfs_delalloc_reserve_space/);
    const body = gh.reviews[0].body;
    if (process.env.KREVIEW_SHOW) console.log(inline.body + "\n=====\n" + body + "\n=====\n" + run!.output!.summary);
    for (const id of ['fixes/split', 'fixes/target-reverted', 'fixes/subject-mismatch', 'fixes/unknown-sha']) expect(body).toContain(`\`${id}\``);

    // And the same review went to the list, under the patch mail that reserves under the page lock.
    const outbox = join(tmp, 'outbox');
    const mails = await until('the mail replies', () => {
      const names = existsSync(outbox) ? readdirSync(outbox).filter((n) => n.endsWith('.eml')) : [];
      return names.length ? names.map((n) => readFileSync(join(outbox, n), 'utf8')) : null;
    });
    const lockReply = mails.find((m) => m.includes('btrfs_delalloc_reserve_space'));
    expect(lockReply, output).toBeDefined();
    expect(lockReply).toMatch(/^In-Reply-To: <20191015093000\.4712-1-dana@example\.com>\r?$/m);
    expect(lockReply).toMatch(/^To: Dana Whitfield <dana@example\.com>\r?$/m);
    expect(lockReply).toMatch(/^Cc: .*linux-btrfs@vger\.kernel\.org/m);
    expect(lockReply!.replace(/\s+/g, ' ')).toContain(`The same review is on the pull request: ${gh.url}/acme/linux/pull/7`);
  }, 240_000);
});
