// `kreview serve` and `kreview worker` as users run them: the CLI in child processes against the fake
// GitHub (GitHub Enterprise over http), with the pull requests of a real bare repository.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGitHub, type FakePull } from './github-api.js';
import { rsaPrivateKey } from './webhooks.js';

const ROOT = join(import.meta.dirname, '..', '..');
export const SERVE_SECRET = 'queue-secret';
const KEY = rsaPrivateKey();

// Tests import it from here with the rest of the serve set-up.
export { until } from '../helpers/until.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** A bare "GitHub" repository with `count` pull requests, each one commit whose Fixes: tag names no commit (a finding for the review body). */
export function repositoryWithPulls(dir: string, count: number): { bare: string; pulls: FakePull[] } {
  const work = join(dir, 'work');
  const bare = join(dir, 'linux.git');
  git(dir, 'init', '-q', '-b', 'master', work);
  const id = ['-c', 'user.name=Ann Author', '-c', 'user.email=ann@example.org'];
  execFileSync('sh', ['-c', 'mkdir -p mm && printf "int counter;\\n" > mm/counters.c'], { cwd: work });
  git(work, 'add', '.');
  git(work, ...id, 'commit', '-q', '-m', 'mm: add the counter');
  git(dir, 'init', '-q', '--bare', bare);
  git(work, 'push', '-q', bare, 'master:master');
  const base = git(work, 'rev-parse', 'master');
  const pulls: FakePull[] = [];
  for (let n = 1; n <= count; n++) {
    git(work, 'checkout', '-q', '-B', `pr-${n}`, 'master');
    execFileSync('sh', ['-c', `printf "int counter;\\nint more_${n};\\n" > mm/counters.c`], { cwd: work });
    git(work, 'add', '.');
    git(work, ...id, 'commit', '-q', '-m', `mm: add counter ${n}\n\nFixes: 0123456789ab ("mm: a commit that is not there")\nSigned-off-by: Ann Author <ann@example.org>`);
    git(work, 'push', '-q', bare, `HEAD:refs/pull/${n}/head`);
    pulls.push({ number: n, title: `mm: add counter ${n}`, body: null, user: 'ann', headSha: git(work, 'rev-parse', 'HEAD'), baseSha: base, baseRef: 'master' });
  }
  return { bare, pulls };
}

export class KreviewProcess {
  output = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  /** `root`: the kreview checkout to run (a bench runs an older one beside this one). */
  constructor(args: string[], gh: FakeGitHub, cwd: string, env: Record<string, string> = {}, root = ROOT) {
    const merged: NodeJS.ProcessEnv = {
      ...process.env,
      APP_ID: '99',
      PRIVATE_KEY: KEY,
      WEBHOOK_SECRET: SERVE_SECRET,
      GHE_HOST: gh.url.replace('http://', ''),
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'info',
      KREVIEW_GITHUB_SPACING_MS: '0',
      KREVIEW_FROM_SOURCES: '1',
      ...env,
    };
    // An empty value in `env` unsets the variable (the program's own default applies).
    for (const [k, v] of Object.entries(env)) if (v === '') delete merged[k];
    // One process (no tsx wrapper process): a SIGKILL reaches the server itself.
    this.child = spawn(process.execPath, [join(root, 'bin', 'kreview.js'), ...args], { cwd, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (b) => (this.output += b));
    this.child.stderr!.on('data', (b) => (this.output += b));
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** The pull requests whose review this process started (from its log). */
  reviewing(): number[] {
    return [...this.output.matchAll(/review started[^\n]*#(\d+)@/g)].map((m) => Number(m[1]));
  }

  /** Stop it with `signal`; one that has not exited 10 s after a SIGTERM is killed. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const late = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(late);
  }
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const servePing = async (base: string) => (await fetch(`${base}/ping`).catch(() => null))?.ok ?? null;
