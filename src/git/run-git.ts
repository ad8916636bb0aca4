// Runs git as a child process: no shell, C locale, no prompts, a time limit and an output cap, and
// none of the repository's config that runs programs (git-safety.ts). Every git kreview starts is
// spawned by spawnGit here (runGit, streamGit, and the long-lived cat-file and diff-tree processes).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { KreviewError } from '../core/types.js';
import { DIFF_FLAGS, GIT_CONFIG_ENV, KEPT_GIT_ENV, REMOTE_CONFIG, SAFE_CONFIG } from './git-safety.js';

/** How one git call differs from the safe default. */
export interface GitCallOptions {
  /** The call fetches or clones: allow the https, http, file and ssh transports. */
  remote?: boolean;
  /** More `key=value` config for this call, on the command line (nothing secret). */
  config?: string[];
  /** Config for this call passed in the environment, never in argv (an Authorization header). */
  secretConfig?: Record<string, string>;
  /** A scratch index file for this call (GIT_INDEX_FILE): route.ts tries patches without touching the repository's. */
  indexFile?: string;
  /**
   * The output is read whole, not answer by answer: git need not flush after each record
   * (GIT_FLUSH=0). A rev-list of DPDK's 45,000 commits wrote each id alone: 2,000-4,400 reads and
   * 210 ms of CPU here, against 32 reads and 20 ms.
   */
  buffered?: boolean;
}

export interface RunGitOptions extends GitCallOptions {
  input?: string | Buffer;
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

/**
 * The environment every git child gets: C locale so messages parse, never a prompt, no system
 * config, as global config only the file the operator names in KREVIEW_GIT_CONFIG, no replace refs
 * or grafts, and none of the inherited GIT_* variables that redirect git (GIT_DIR, GIT_EXTERNAL_DIFF...).
 */
export function gitEnv(secretConfig: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_') || KEPT_GIT_ENV.test(k)) env[k] = v;
  Object.assign(env, {
    LC_ALL: 'C',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: process.env[GIT_CONFIG_ENV] || '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    // git 2.44+: a partial clone does not fetch missing objects (older git: protocol.allow=never).
    GIT_NO_LAZY_FETCH: '1',
    // Objects as they are, as a clone sees them (it fetches no refs/replace/): replace refs and an
    // info/grafts file rewrite parents and contents of existing ids, and can come or go at any time,
    // so the history index and the answers kept with it would disagree with git from then on.
    GIT_NO_REPLACE_OBJECTS: '1',
    // A path that cannot exist (ENOTDIR): git reads no graft file and prints no advice about it.
    GIT_GRAFT_FILE: '/dev/null/kreview-reads-no-grafts',
  });
  const entries = Object.entries(secretConfig);
  if (entries.length) {
    env.GIT_CONFIG_COUNT = String(entries.length);
    entries.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  }
  return env;
}

/** The argv (after `git`) for `git -C repo args...` with the safe config and, for diff-producing commands, no textconv or external diff. */
export function gitArgv(repo: string, args: string[], opts: GitCallOptions = {}): string[] {
  const config = [...SAFE_CONFIG, ...(opts.remote ? REMOTE_CONFIG : []), ...(opts.config ?? [])];
  const [sub, ...rest] = args;
  const flags = sub === undefined ? [] : (DIFF_FLAGS[sub] ?? []);
  return ['--no-pager', ...config.flatMap((c) => ['-c', c]), '-C', repo, ...(sub === undefined ? [] : [sub]), ...flags, ...rest];
}

/** Start `git -C repo args...` with the safe argv and environment, all three streams piped. */
export function spawnGit(repo: string, args: string[], opts: GitCallOptions = {}): ChildProcessWithoutNullStreams {
  const env = gitEnv(opts.secretConfig);
  if (opts.indexFile) env.GIT_INDEX_FILE = opts.indexFile;
  if (opts.buffered) env.GIT_FLUSH = '0';
  return spawn('git', gitArgv(repo, args, opts), { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
    { ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
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

/** Throw a one-line KreviewError unless `dir` is a git repository git will work in. */
export async function assertGitRepo(dir: string): Promise<void> {
  if (await isGitRepo(dir)) return;
  const r = await runGit(dir, ['rev-parse', '--git-dir'], { timeoutMs: 20_000 }).catch(() => null);
  // git's own guard against a repository owned by someone else: kreview reads no ~/.gitconfig, so say where the exception goes.
  if (r && /dubious ownership/.test(r.stderr)) {
    throw new KreviewError(`git refuses ${dir}: it is owned by another user; name a git config file holding \`[safe] directory = ${dir}\` in ${GIT_CONFIG_ENV}`);
  }
  throw new KreviewError(`${dir} is not a git repository`);
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
  // /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/ by hand: asked several times per commit of a range.
  const n = s.length;
  if (n !== 40 && n !== 64) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || (c > 57 && c < 97) || c > 102) return false;
  }
  return true;
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
  opts: GitCallOptions & { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<{ stderr: string; code: number }> {
  const timeoutMs = opts.timeoutMs ?? 3_600_000;
  return new Promise((resolve, reject) => {
    const child = spawnGit(repo, args, opts);
    const err: Buffer[] = [];
    let failure: Error | null = null;
    const what = `git ${args[0] ?? ''} in ${repo}`;
    const fail = (e: Error) => {
      if (failure) return;
      failure = e;
      child.kill('SIGKILL');
      // Answered now, not when the pipes close: a program git started (a hook-less helper, a
      // transport, a wrapper's child) holds them open past git's own death, as long as it runs.
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      reject(e);
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
      if (!failure) resolve({ stderr: Buffer.concat(err).toString('utf8'), code: code ?? -1 });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
