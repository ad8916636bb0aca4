// Real public-inbox-httpd and public-inbox-nntpd (Debian's public-inbox) serving a test inbox on
// loopback, as lore serves every list over HTTP and NNTP.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { requireTool, type TestInbox } from '../watch/public-inbox-fixture.js';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export class PublicInboxDaemon {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** The inbox's newsgroup name, set in its config (nntpd serves only inboxes that have one). */
  static newsgroup(inbox: TestInbox): string {
    const group = `test.${inbox.name}`;
    execFileSync('git', ['config', '-f', join(inbox.root, 'pi-config'), `publicinbox.${inbox.name}.newsgroup`, group]);
    return group;
  }

  static async start(inbox: TestInbox, kind: 'httpd' | 'nntpd', port?: number): Promise<PublicInboxDaemon> {
    requireTool(`public-inbox-${kind}`);
    port ??= await freePort();
    const scheme = kind === 'httpd' ? 'http' : 'nntp';
    const child = spawn(`public-inbox-${kind}`, ['-l', `${scheme}://127.0.0.1:${port}`], {
      env: { ...process.env, PI_CONFIG: join(inbox.root, 'pi-config'), HOME: inbox.root },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null) throw new Error(`public-inbox-${kind} exited ${child.exitCode}: ${stderr.slice(0, 300)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`public-inbox-${kind} did not answer on port ${port} within 30 s: ${stderr.slice(0, 300)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return new PublicInboxDaemon(`${scheme}://127.0.0.1:${port}`, port, child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await done;
  }
}
