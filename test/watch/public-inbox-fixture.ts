// Real public-inbox v2 inboxes for the tests, made and changed with public-inbox's own tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function requireTool(cmd: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`]);
  if (r.status !== 0) throw new Error(`${cmd} is not installed: run sudo sh .ci/setup-system.sh (installs public-inbox, b4, dovecot-imapd, redis-server, chromium)`);
}

export class TestInbox {
  readonly root = mkdtempSync(join(tmpdir(), 'kreview-pi-'));
  readonly dir = join(this.root, 'inbox');
  readonly address: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly name = 'test-list') {
    requireTool('public-inbox-init');
    this.address = `${name}@lists.example.org`;
    const config = join(this.root, 'pi-config');
    writeFileSync(config, '[publicinboxmda]\n\tspamcheck = none\n');
    this.env = { ...process.env, PI_CONFIG: config, HOME: this.root, ORIGINAL_RECIPIENT: this.address };
    execFileSync('public-inbox-init', ['-V2', name, this.dir, `http://example.org/${name}`, this.address], { env: this.env, stdio: 'pipe' });
  }

  /** Delivers one message the way the list server would (public-inbox-mda on stdin). */
  deliver(raw: string): void {
    execFileSync('public-inbox-mda', [], { env: this.env, input: raw, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Removes a message from the archive, rewriting the epoch's history (public-inbox-purge). */
  purge(raw: string): void {
    execFileSync('public-inbox-purge', [this.dir], { env: this.env, input: raw, stdio: ['pipe', 'pipe', 'pipe'] });
  }
}
