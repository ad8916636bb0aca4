// The real `kreview watch --http` child: the daemon starts, the web view answers on loopback with
// the strict headers, and SIGTERM stops both; --http with --once is refused in one line.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KREVIEW_BIN, runCli } from '../helpers/run-cli.js';

function policy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-web-cli-'));
  for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, 'mail', d), { recursive: true });
  const file = join(dir, 'policy.yml');
  writeFileSync(file, `bot: { address: kreview@bots.example.org }\nsources:\n  - { type: maildir, path: mail }\ntiming: { pollSeconds: 3600 }\n`);
  return file;
}

describe('kreview watch --http', { timeout: 120_000 }, () => {
  it('serves the web view on loopback while the daemon runs, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [KREVIEW_BIN, 'watch', '-c', policy(), '--http', '0'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /web view on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await r.text()).toContain('No series reviewed yet.');
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('--http with --once is refused in one line', () => {
    const r = runCli(['watch', '-c', policy(), '--once', '--http', '8080']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('kreview: --http serves the web view while the daemon runs: not with --once or --status');
  });
});
