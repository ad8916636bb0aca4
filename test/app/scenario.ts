// One pull request on a "GitHub" made of a real bare repository and the local API server, and
// the app running on loopback against both: what every app test starts from.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixesTagCheck } from '../../checks/fixes-tag/index.js';
import { startAppServer, type AppServer } from '../../src/app/server.js';
import type { AppOptions } from '../../src/app/index.js';
import { TestRepo } from '../helpers/git-repo.js';
import { fixmeCheck } from './fixme-check.js';
import { FakeGitHub, type FakePull } from './github-api.js';
import { deliver, pullRequestPayload, rsaPrivateKey, unthrottledOctokit } from './webhooks.js';

export const SECRET = 'kreview-test-secret';
const KEY = rsaPrivateKey();

/** Twenty numbered lines, so hunks and line numbers are easy to reason about. */
export const BASE_FILE = Array.from({ length: 20 }, (_, i) => `int line${i + 1};`).join('\n') + '\n';

export function withLines(text: string, edits: Record<number, string[]>): string {
  const lines = text.replace(/\n$/, '').split('\n');
  // Apply from the bottom so earlier line numbers stay true.
  for (const at of Object.keys(edits).map(Number).sort((a, b) => b - a)) lines.splice(at, 0, ...edits[at]);
  return lines.join('\n') + '\n';
}

/** The app on loopback against the fake GitHub: unthrottled, unspaced, logging only with KREVIEW_TEST_LOG. */
export function startTestApp(gh: FakeGitHub, app: Partial<AppOptions> & { cacheDir: string }): Promise<AppServer> {
  return startAppServer({
    appId: 1,
    privateKey: KEY,
    secret: SECRET,
    baseUrl: gh.url,
    logLevel: (process.env.KREVIEW_TEST_LOG as 'info') ?? 'fatal',
    Octokit: unthrottledOctokit(),
    app: { queue: { spacingMs: 0 }, ...app },
  });
}

export class Scenario {
  readonly work = new TestRepo();
  readonly bare = mkdtempSync(join(tmpdir(), 'kreview-gh-')) + '/linux.git';
  readonly cache = mkdtempSync(join(tmpdir(), 'kreview-app-cache-'));
  readonly gh: FakeGitHub;
  app!: AppServer;
  target = '';
  pull!: FakePull;

  constructor() {
    this.gh = new FakeGitHub(this.bare);
  }

  /** master with a commit a Fixes: tag can name, then the bare "GitHub" copy. */
  async start(app: Partial<AppOptions> = {}): Promise<void> {
    this.work.commit('mm: add the counters\n', { files: { 'mm/counters.c': BASE_FILE } });
    this.target = this.work.commit('mm: count pages under the lock\n', { files: { 'mm/other.c': 'int other;\n' } });
    execFileSync('git', ['init', '-q', '--bare', this.bare]);
    this.pushMaster();
    await this.gh.start();
    this.app = await startTestApp(this.gh, { cacheDir: this.cache, checks: [fixesTagCheck, fixmeCheck], ...app });
  }

  pushMaster(): void {
    this.work.git('push', '-q', '-f', this.bare, 'master:master');
  }

  /** Commit on a PR branch and publish it as refs/pull/N/head, the way GitHub does. */
  openPull(number: number, title: string, body: string | null = null): FakePull {
    const base = this.work.git('rev-parse', 'master');
    this.work.git('checkout', '-q', '-B', `pr-${number}`, 'master');
    this.pull = { number, title, body, user: 'alice', headSha: base, baseSha: base, baseRef: 'master' };
    this.gh.pulls.set(number, this.pull);
    return this.pull;
  }

  /** Add a commit to the open PR and push it (a synchronize). */
  push(message: string, files: Record<string, string | null>): string {
    const sha = this.work.commit(message, { files });
    this.work.git('push', '-q', '-f', this.bare, `HEAD:refs/pull/${this.pull.number}/head`);
    this.pull.headSha = sha;
    return sha;
  }

  send(action: string, id?: string) {
    return this.deliver('pull_request', pullRequestPayload(this.gh, action, this.pull), id);
  }

  /** Deliver a signed webhook and wait until the app has finished what it started (probot may answer 202 first). */
  async deliver(event: string, payload: unknown, id?: string) {
    const res = await deliver(this.app.webhookUrl, event, payload, { secret: SECRET, id });
    await this.app.idle();
    return res;
  }

  /** The file at the PR head, for expected line numbers. */
  headLineOf(path: string, needle: string): number {
    const text = this.work.git('show', `${this.pull.headSha}:${path}`);
    return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.gh.close();
    this.work.remove();
    rmSync(this.bare, { recursive: true, force: true });
    rmSync(this.cache, { recursive: true, force: true });
  }
}
