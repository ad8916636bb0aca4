// Follows an IMAP mailbox with imapflow: one connection kept open (imapflow IDLEs on it between
// polls), messages fetched by UID above a cursor that is reset when UIDVALIDITY changes.
import { ImapFlow } from 'imapflow';
import { KreviewError } from '../core/types.js';
import type { CursorStore } from '../state/cursors.js';
import type { BatchHandler, RawMessage, WatchSource } from '../watch/raw-message.js';

export interface ImapSourceConfig {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
  allowInsecureTls: boolean;
}

const BATCH = 200;

export class ImapSource implements WatchSource {
  readonly name: string;
  private client: ImapFlow | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly cfg: ImapSourceConfig,
    private readonly cursors: CursorStore,
    private readonly warn: (msg: string) => void = () => {},
  ) {
    this.name = cfg.name;
  }

  private async connect(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    const client = new ImapFlow({
      host: this.cfg.host,
      port: this.cfg.port,
      secure: this.cfg.secure,
      auth: { user: this.cfg.user, pass: this.cfg.pass },
      tls: this.cfg.allowInsecureTls ? { rejectUnauthorized: false } : undefined,
      logger: false,
    });
    client.on('error', (e: Error) => this.warn(`${this.name}: ${e.message}`));
    // imapflow IDLEs between commands; the server's EXISTS while idling means new mail.
    client.on('exists', () => this.wake?.());
    try {
      await client.connect();
      await client.mailboxOpen(this.cfg.mailbox, { readOnly: true });
    } catch (e) {
      throw new KreviewError(`${this.name}: cannot open ${this.cfg.mailbox} on ${this.cfg.host}:${this.cfg.port}: ${(e as Error).message.split('\n')[0]}`);
    }
    this.client = client;
    return client;
  }

  onArrival(wake: () => void): void {
    this.wake = wake;
  }

  async poll(handle: BatchHandler): Promise<number> {
    const client = await this.connect();
    // Between polls the connection idles; NOOP makes the server report what arrived meanwhile.
    await client.noop();
    const box = client.mailbox;
    if (!box) throw new KreviewError(`${this.name}: mailbox ${this.cfg.mailbox} is not open`);
    const key = `imap:${this.cfg.user}@${this.cfg.host}:${this.cfg.port}/${this.cfg.mailbox}`;
    const validity = String(box.uidValidity);
    const saved = this.cursors.get(key)?.split(':');
    // A new UIDVALIDITY renumbers the mailbox: read it all again (intake drops what it has seen).
    let last = saved && saved[0] === validity ? Number(saved[1]) : 0;
    // uidNext is only as fresh as the last SELECT; `exists` follows the server's EXISTS reports.
    if (box.exists === 0) return 0;
    let n = 0;
    let batch: RawMessage[] = [];
    let batchLast = last;
    const flush = async () => {
      if (!batch.length) return;
      await handle(batch);
      n += batch.length;
      last = batchLast;
      this.cursors.set(key, `${validity}:${last}`);
      batch = [];
    };
    for await (const msg of client.fetch(`${last + 1}:*`, { uid: true, source: true }, { uid: true })) {
      // `n:*` always names the highest message, even below n.
      if (msg.uid <= last || !msg.source) continue;
      batch.push({ raw: msg.source, origin: `${this.name} uid ${msg.uid}`, source: this.name });
      batchLast = Math.max(batchLast, msg.uid);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return n;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.logout().catch(() => c.close());
  }
}
