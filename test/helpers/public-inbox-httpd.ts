// A real public-inbox-httpd (Debian's public-inbox) serving a test inbox on loopback, as lore serves
// every list.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { requireTool, type TestInbox } from '../watch/public-inbox-fixture.js';

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export class PublicInboxHttpd {
  private constructor(readonly url: string, private readonly child: ChildProcess) {}

  static async start(inbox: TestInbox): Promise<PublicInboxHttpd> {
    requireTool('public-inbox-httpd');
    const port = await freePort();
    const child = spawn('public-inbox-httpd', ['-l', `http://127.0.0.1:${port}`], {
      env: { ...process.env, PI_CONFIG: join(inbox.root, 'pi-config'), HOME: inbox.root },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`public-inbox-httpd exited ${child.exitCode}: ${stderr.slice(0, 300)}`);
      try {
        await fetch(`${url}/${inbox.name}/`);
        return new PublicInboxHttpd(url, child);
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`public-inbox-httpd did not answer on ${url} within 30 s: ${stderr.slice(0, 300)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}
