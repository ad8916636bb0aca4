// A private dovecot IMAP server on loopback for the IMAP source tests: its own config, state,
// Maildir and password file in a temporary directory, stopped by its master pid.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`dovecot did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class TestDovecot {
  readonly dir = mkdtempSync(join(tmpdir(), 'kreview-dovecot-'));
  readonly user = 'bot';
  readonly pass = 'secret';
  port = 0;
  private readonly conf = join(this.dir, 'dovecot.conf');

  async start(): Promise<void> {
    if (!existsSync('/usr/sbin/dovecot')) throw new Error('dovecot is not installed: run sudo sh .ci/setup-system.sh (installs public-inbox, b4, dovecot-imapd, redis-server, chromium)');
    this.port = await freePort();
    // Dovecot refuses to deliver mail as root: as root, the mailbox belongs to nobody.
    const root = (process.getuid?.() ?? 0) === 0;
    const uid = root ? 65534 : (process.getuid?.() ?? 0);
    const gid = root ? 65534 : (process.getgid?.() ?? 0);
    mkdirSync(join(this.dir, 'run'));
    mkdirSync(join(this.dir, 'mail'));
    chmodSync(this.dir, 0o755);
    if (root) chownSync(join(this.dir, 'mail'), uid, gid);
    writeFileSync(join(this.dir, 'users'), `${this.user}:{PLAIN}${this.pass}\n`);
    writeFileSync(
      this.conf,
      `base_dir = ${this.dir}/run
instance_name = kreview-test-${this.port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = ${this.dir}/dovecot.log
mail_location = maildir:${this.dir}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 0
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${this.dir}/users
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${this.dir}/mail/%u
}
`,
    );
    // The master daemonises and keeps inherited pipes open: give it none.
    execFileSync('/usr/sbin/dovecot', ['-c', this.conf], { stdio: 'ignore' });
    await waitForPort(this.port, 15_000);
  }

  stop(): void {
    const pidFile = join(this.dir, 'run', 'master.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) spawnSync('kill', [String(pid)]);
  }
}
