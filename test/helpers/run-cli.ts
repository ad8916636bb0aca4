// Runs the real `kreview` command (bin/kreview.js) as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const KREVIEW_BIN = fileURLToPath(new URL('../../bin/kreview.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [KREVIEW_BIN, ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` without blocking the test's event loop, so servers the test runs keep answering. */
export function runNodeAsync(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The real `kreview` command, as runCli does it, without blocking the test's event loop. */
export function runCliAsync(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return runNodeAsync([KREVIEW_BIN, ...args], opts);
}
