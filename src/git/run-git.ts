// Runs git as a child process: no shell, C locale, no prompts, a time limit and an output cap.
// Every git call in kreview goes through here (or through cat-file.ts for long-lived processes).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { KreviewError } from '../core/types.js';

export interface RunGitOptions {
  input?: string | Buffer;
  /** Extra environment (GIT_INDEX_FILE for a scratch index). */
  env?: Record<string, string>;
  timeoutMs?: number;
  maxBuffer?: number;
}

export interface RunGitResult {
  stdout: string;
  stderr: string;
  code: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BUFFER = 512 << 20;

/** The environment every git child gets: C locale so messages parse, and never a prompt. */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_OPTIONAL_LOCKS: '0' };
}

/** Run `git -C repo args...`. Resolves with the exit code (never throws on non-zero); throws KreviewError on spawn failure, timeout or output overflow. */
export function runGit(repo: string, args: string[], opts: RunGitOptions = {}): Promise<RunGitResult> {
  return runGitBuffer(repo, args, opts).then((r) => ({ stdout: r.stdout.toString('utf8'), stderr: r.stderr, code: r.code }));
}

/** Like runGit, with stdout as raw bytes (blobs may not be UTF-8): streamGit, collected under a size cap. */
export async function runGitBuffer(
  repo: string,
  args: string[],
  opts: RunGitOptions = {},
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  const maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const out: Buffer[] = [];
  let size = 0;
  const r = await streamGit(
    repo,
    args,
    (b) => {
      size += b.length;
      if (size > maxBuffer) throw new KreviewError(`git ${args[0] ?? ''} in ${repo} printed more than ${maxBuffer} bytes and was stopped`);
      out.push(b);
    },
    { input: opts.input, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, env: opts.env },
  );
  return { stdout: Buffer.concat(out), stderr: r.stderr, code: r.code };
}

/** True when `dir` is inside a git work tree or is a git directory. */
export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    if (!(await stat(dir)).isDirectory()) return false;
  } catch {
    return false;
  }
  const r = await runGit(dir, ['rev-parse', '--git-dir'], { timeoutMs: 20_000 });
  return r.code === 0;
}

/** Throw a one-line KreviewError unless `dir` is a git repository. */
export async function assertGitRepo(dir: string): Promise<void> {
  if (!(await isGitRepo(dir))) throw new KreviewError(`${dir} is not a git repository`);
}

/**
 * Reject a revision string that git could read as an option or that could smuggle a second
 * argument or line into a --stdin protocol. Returns the revision unchanged.
 */
export function assertSafeRev(rev: string): string {
  if (typeof rev !== 'string' || rev.length === 0) throw new KreviewError('empty revision');
  if (rev.startsWith('-')) throw new KreviewError(`revision ${JSON.stringify(rev)} looks like an option; refused`);
  if (/[\x00-\x1f\x7f]/.test(rev)) throw new KreviewError(`revision ${JSON.stringify(rev)} contains control characters; refused`);
  if (rev.length > 1024) throw new KreviewError(`revision ${JSON.stringify(rev.slice(0, 40))}... is too long; refused`);
  return rev;
}

/** A full 40- or 64-digit lowercase object id? */
export function isFullOid(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}

/** A plausible abbreviated or full object id (4 to 64 hex digits)? */
export function isHexId(s: string): boolean {
  return /^[0-9a-fA-F]{4,64}$/.test(s);
}

/**
 * Run git and hand its stdout to `onData` chunk by chunk instead of buffering it (a full
 * `git log` of a kernel tree is gigabytes). Same guarantees as runGit otherwise.
 */
export function streamGit(
  repo: string,
  args: string[],
  onData: (chunk: Buffer) => void,
  opts: { input?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ stderr: string; code: number }> {
  const timeoutMs = opts.timeoutMs ?? 3_600_000;
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...args], { env: { ...gitEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const err: Buffer[] = [];
    let failure: Error | null = null;
    const what = `git ${args[0] ?? ''} in ${repo}`;
    const fail = (e: Error) => {
      if (failure) return;
      failure = e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new KreviewError(`${what} took longer than ${timeoutMs} ms and was stopped`)), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      if (failure) return;
      try {
        onData(b);
      } catch (e) {
        fail(e instanceof Error ? e : new KreviewError(String(e)));
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 1000) err.push(b);
    });
    child.on('error', (e) => fail(new KreviewError(`cannot run ${what}: ${e.message}`)));
    // git may exit before reading all of its input; that is its answer, not our error.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
