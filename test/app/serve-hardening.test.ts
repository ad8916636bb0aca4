// `kreview serve` as a stranger would test it: no secret or app id, malformed signed payloads,
// a payload naming another clone URL; and a kernel-style local mirror (--mirror) on first
// contact. The real CLI in a child process, in front of the fake GitHub Enterprise over http,
// which serves git at /<owner>/<repo>.git and refuses a fetch without the installation token.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeGitHub, type FakePull } from './github-api.js';
import { expectedAuthorization } from './git-http.js';
import { deliver, pullRequestPayload, rsaPrivateKey } from './webhooks.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const tmp = mkdtempSync(join(tmpdir(), 'kreview-serve-hard-'));
let child: ChildProcess | null = null;
let gh: FakeGitHub | null = null;

afterAll(async () => {
  if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
  await gh?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A generated history of `n` commits on master (fast-import), one file per commit in 50 directories. */
function generatedHistory(dir: string, n: number): void {
  git(tmp, 'init', '-q', '--bare', dir);
  let stream = '';
  for (let i = 1; i <= n; i++) {
    const msg = `drivers: change ${i}\n\nGenerated commit ${i}.\n`;
    stream += `commit refs/heads/master\nmark :${i}\ncommitter Gen <gen@example.org> ${1_600_000_000 + i * 60} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
    if (i > 1) stream += `from :${i - 1}\n`;
    const body = `int change_${i};\n`;
    stream += `M 644 inline drivers/d${i % 50}/f${i}.c\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream, maxBuffer: 64 << 20 });
}

const BASE_ENV = (): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'info', KREVIEW_GITHUB_SPACING_MS: '0' };
  for (const k of ['APP_ID', 'WEBHOOK_SECRET', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'GHE_HOST', 'GHE_PROTOCOL', 'KREVIEW_MIRRORS']) delete env[k];
  return env;
};

describe('kreview serve refuses to start', () => {
  it.each([
    ['without WEBHOOK_SECRET', { APP_ID: '99', PRIVATE_KEY: 'x' }, /WEBHOOK_SECRET is not set/],
    ["with probot's public default secret", { APP_ID: '99', WEBHOOK_SECRET: 'development', NODE_ENV: 'production' }, /WEBHOOK_SECRET/],
    ['without APP_ID', { WEBHOOK_SECRET: 's3cret' }, /APP_ID is not set/],
  ])('%s: one line, non-zero exit, nothing listening', async (_, extra, message) => {
    const port = await freePort();
    const r = spawnSync(TSX, [MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--cache', join(tmp, 'refused')], {
      env: { ...BASE_ENV(), ...extra },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('with a --mirror that is not a repository', async () => {
    const r = spawnSync(TSX, [MAIN, 'serve', '--mirror', `https://github.com/acme/linux=${join(tmp, 'nowhere')}`], {
      env: { ...BASE_ENV(), APP_ID: '99', WEBHOOK_SECRET: 's3cret' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^kreview: --mirror https:\/\/github\.com\/acme\/linux: .* is not a git repository$/);
  });
});

describe('kreview serve in front of GitHub Enterprise over http, with a local mirror', () => {
  it('validates payloads, fetches from the configured host with the token in a header, and borrows the mirror on first contact', async () => {
    // "GitHub" holds a 5,000-commit history and a pull request on top; the mirror holds the history only.
    const bare = join(tmp, 'linux.git');
    generatedHistory(bare, 5_000);
    const mirror = join(tmp, 'mirror.git');
    git(tmp, 'clone', '-q', '--bare', bare, mirror);
    const base = git(bare, 'rev-parse', 'master');
    const work = join(tmp, 'work');
    git(tmp, 'clone', '-q', bare, work);
    const env = { GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' };
    execFileSync('git', ['checkout', '-q', '-b', 'pr'], { cwd: work });
    execFileSync('sh', ['-c', 'echo "int fixed;" >> drivers/d1/f1.c && git add -A && git commit -q -m "drivers: fix change 1" -m "Fixes: 0123456789ab (\\"drivers: nothing\\")"'], {
      cwd: work,
      env: { ...process.env, ...env },
    });
    git(work, 'push', '-q', bare, 'HEAD:refs/pull/9/head');
    const pull: FakePull = { number: 9, title: 'drivers: fix change 1', body: null, user: 'dana', headSha: git(work, 'rev-parse', 'HEAD'), baseSha: base, baseRef: 'master' };

    gh = new FakeGitHub(bare);
    gh.pathPrefix = '/api/v3';
    await gh.start();
    gh.pulls.set(9, pull);
    const host = gh.url.replace('http://', '');
    const port = await freePort();
    const secret = 'serve-hardening-secret';
    const cache = join(tmp, 'cache');
    child = spawn(TSX, [MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--cache', cache, '--mirror', `http://${host}/acme/linux=${mirror}`], {
      cwd: tmp,
      env: { ...BASE_ENV(), APP_ID: '99', PRIVATE_KEY: rsaPrivateKey(), WEBHOOK_SECRET: secret, GHE_HOST: host, GHE_PROTOCOL: 'http', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    const url = `http://127.0.0.1:${port}`;
    await until(`the server (${output})`, async () => (await fetch(`${url}/ping`).catch(() => null))?.ok ?? null);
    const hook = `${url}/api/github/webhooks`;

    // Malformed but signed: 400, one log line each, no API call and no git.
    const good = pullRequestPayload(gh, 'opened', pull);
    const malformed: [string, unknown][] = [
      ['no pull_request', { ...good, pull_request: undefined }],
      ['an owner that is a path', { ...good, repository: { ...good.repository, owner: { login: '-c/../x' } } }],
      ['a repository name ..', { ...good, repository: { ...good.repository, name: '..' } }],
      ['a number that is a string', { ...good, pull_request: { ...good.pull_request, number: '9' } }],
      ['a head that is not a commit id', { ...good, pull_request: { ...good.pull_request, head: { sha: '--upload-pack=touch /tmp/x' } } }],
    ];
    for (const [what, payload] of malformed) {
      const before = output.split('\n').length;
      const res = await deliver(hook, 'pull_request', payload, { secret });
      expect(res.status, what).toBe(400);
      expect(res.text).toContain('malformed webhook payload');
      await new Promise((r) => setTimeout(r, 100));
      const lines = output.split('\n').slice(before - 1).filter((l) => l.includes('malformed webhook payload'));
      expect(lines, `${what}: ${output}`).toHaveLength(1);
    }
    expect(gh.calls).toEqual([]);
    expect(gh.gitRequests).toEqual([]);

    // A real pull request: first contact, timed from the webhook to the completed check run.
    const t0 = Date.now();
    const res = await deliver(hook, 'pull_request', good, { secret });
    expect([200, 202]).toContain(res.status);
    const run = await until('the check run', () => [...gh!.checkRuns.values()].find((r) => r.status === 'completed') ?? null, 120_000);
    const firstContactMs = Date.now() - t0;
    console.log(`first contact with a 5,000-commit local mirror (generated history): ${firstContactMs} ms`);

    // Reviewed from the clone (the unknown Fixes: id needs the history), not from the API's diffs.
    expect(run.output?.summary ?? '').not.toContain('No local clone');
    expect(gh.reviews.map((r) => r.body).join('\n') + (run.output?.summary ?? '')).toContain('fixes/unknown-sha');
    // git went to the configured host with the token in a header, never in a URL; never to the payload's clone_url.
    expect(gh.gitRequests.length).toBeGreaterThan(0);
    for (const r of gh.gitRequests) {
      expect(r.authorization).toBe(expectedAuthorization(gh.gitToken!));
      expect(r.url).not.toContain(gh.gitToken!);
    }
    expect(output).not.toContain(gh.gitToken!);
    // The clone borrows the mirror's objects: its own packs hold only the pull request's commit.
    const clone = join(cache, 'github', 'acme', 'linux.git');
    expect(readFileSync(join(clone, 'objects', 'info', 'alternates'), 'utf8').trim()).toBe(join(mirror, 'objects'));
    const own = execFileSync('git', ['count-objects', '-v'], { cwd: clone, encoding: 'utf8', env: { ...process.env, GIT_ALTERNATE_OBJECT_DIRECTORIES: '' } });
    const inPack = Number(/in-pack: (\d+)/.exec(own)![1]) + Number(/^count: (\d+)/m.exec(own)![1]);
    expect(inPack).toBeLessThan(50);
    expect(existsSync(join(clone, 'objects', 'info', 'alternates'))).toBe(true);
  }, 240_000);
});
