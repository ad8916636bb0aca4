// Follows an IMAP mailbox with imapflow: one connection kept open (imapflow IDLEs on it between
// polls), messages fetched by UID above a cursor that is reset when UIDVALIDITY changes. Sizes
// (RFC822.SIZE) are asked first: a message over limits.messageBytes is skipped with a warning,
// never downloaded.
import { ImapFlow } from 'imapflow';
import { DEFAULT_LIMITS } from '../core/limits.js';
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
    /** `limits.messageBytes`: a larger message is skipped with one line, without being downloaded. */
    private readonly maxMessageBytes: number = DEFAULT_LIMITS.messageBytes,
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
    // UIDs and sizes only (a few bytes a message), then the sources of those within the limit.
    const news: { uid: number; size: number }[] = [];
    for await (const msg of client.fetch(`${last + 1}:*`, { uid: true, size: true }, { uid: true })) {
      // `n:*` always names the highest message, even below n.
      if (msg.uid > last) news.push({ uid: msg.uid, size: msg.size ?? 0 });
    }
    news.sort((a, b) => a.uid - b.uid);
    let n = 0;
    for (let i = 0; i < news.length; i += BATCH) {
      const chunk = news.slice(i, i + BATCH);
      const wanted = new Set<number>();
      for (const m of chunk) {
        if (m.size > this.maxMessageBytes) this.warn(`${this.name}: uid ${m.uid} in ${this.cfg.mailbox} is ${m.size} bytes, larger than ${this.maxMessageBytes}; skipped without downloading it`);
        else wanted.add(m.uid);
      }
      const batch: { uid: number; raw: Buffer }[] = [];
      if (wanted.size) {
        for await (const msg of client.fetch([...wanted].join(','), { uid: true, source: true }, { uid: true })) {
          if (!wanted.has(msg.uid) || !msg.source) continue;
          // The server's size was wrong (or the message changed): the limit holds all the same.
          if (msg.source.length > this.maxMessageBytes) this.warn(`${this.name}: uid ${msg.uid} in ${this.cfg.mailbox} is larger than ${this.maxMessageBytes} bytes; skipped`);
          else batch.push({ uid: msg.uid, raw: msg.source });
        }
      }
      batch.sort((a, b) => a.uid - b.uid);
      if (batch.length) await handle(batch.map((m) => ({ raw: m.raw, origin: `${this.name} uid ${m.uid}`, source: this.name })));
      n += batch.length;
      // Past the chunk, skipped ones included: they are not asked for again.
      last = chunk[chunk.length - 1].uid;
      this.cursors.set(key, `${validity}:${last}`);
    }
    return n;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.logout().catch(() => c.close());
  }
}
