// Runs the real `kreview` command (bin/kreview.js) as a child process.
import { spawnSync } from 'node:child_process';
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
