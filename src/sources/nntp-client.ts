// The few NNTP commands (RFC 3977) a reader of lore needs: GROUP, OVER and ARTICLE by number, over a
// plain or TLS connection. Every wait is bounded; an article larger than the limit is read to its end
// and dropped, so the connection stays in step.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { KreviewError } from '../core/types.js';

export interface NntpEndpoint {
  host: string;
  port: number;
  /** NNTPS (port 563): TLS from the first byte. */
  secure: boolean;
  timeoutMs: number;
}

export interface GroupInfo {
  count: number;
  low: number;
  high: number;
}

export interface Response {
  code: number;
  text: string;
}

/** A line longer than this without its end is no NNTP: the connection is dropped. */
const MAX_LINE = 64 << 20;

export class NntpClient {
  /** Whole lines received and not yet read, and the pieces of the line still arriving. */
  private lines: Buffer[] = [];
  private head = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket, private readonly where: string, private readonly timeoutMs: number) {
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', (e) => this.fail(new KreviewError(`${where}: ${e.message}`)));
    socket.on('close', () => this.fail(new KreviewError(`${where}: the server closed the connection`)));
    socket.setTimeout(timeoutMs, () => {
      this.fail(new KreviewError(`${where}: no answer in ${Math.round(timeoutMs / 1000)} s`));
      socket.destroy();
    });
  }

  static async open(ep: NntpEndpoint): Promise<NntpClient> {
    const where = `nntp${ep.secure ? 's' : ''}://${ep.host}:${ep.port}`;
    const socket = ep.secure ? tlsConnect({ host: ep.host, port: ep.port, servername: ep.host }) : netConnect({ host: ep.host, port: ep.port });
    const client = new NntpClient(socket, where, ep.timeoutMs);
    const hello = await client.status();
    if (hello.code !== 200 && hello.code !== 201) {
      client.close();
      throw new KreviewError(`${where}: the server does not serve readers (${hello.code} ${hello.text})`);
    }
    return client;
  }

  // Splits arriving bytes into lines as they come, so each byte is looked at and copied once.
  private receive(d: Buffer): void {
    let start = 0;
    for (let nl = d.indexOf(0x0a); nl >= 0; nl = d.indexOf(0x0a, start)) {
      this.partial.push(d.subarray(start, nl));
      let line = this.partial.length === 1 ? this.partial[0] : Buffer.concat(this.partial);
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      this.lines.push(line);
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
    if (start < d.length) {
      this.partial.push(d.subarray(start));
      this.partialBytes += d.length - start;
      if (this.partialBytes > MAX_LINE) {
        this.fail(new KreviewError(`${this.where}: a line longer than ${MAX_LINE} bytes`));
        this.socket.destroy();
      }
    }
    this.wake();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  /** One line, without its CRLF. */
  private async line(): Promise<Buffer> {
    for (;;) {
      if (this.head < this.lines.length) {
        const l = this.lines[this.head++];
        if (this.head > 4096) {
          this.lines = this.lines.slice(this.head);
          this.head = 0;
        }
        return l;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  private async status(): Promise<Response> {
    const l = (await this.line()).toString('latin1');
    const m = /^(\d{3})\s?(.*)$/.exec(l);
    if (!m) throw new KreviewError(`${this.where}: not an NNTP answer: ${l.slice(0, 80)}`);
    return { code: Number(m[1]), text: m[2] };
  }

  async command(cmd: string): Promise<Response> {
    if (/[\r\n]/.test(cmd)) throw new KreviewError(`${this.where}: refusing a command with a line break`);
    if (this.failure) throw this.failure;
    this.socket.write(`${cmd}\r\n`);
    return await this.status();
  }

  /**
   * The data block after a multi-line answer, dot-unstuffed, lines joined with `\n`; null when it grew
   * past maxBytes (the block is still read to its end).
   */
  async block(maxBytes: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    for (;;) {
      let l = await this.line();
      if (l.length === 1 && l[0] === 0x2e) break;
      if (l[0] === 0x2e) l = l.subarray(1);
      size += l.length + 1;
      if (size > maxBytes) over = true;
      if (!over) parts.push(l, Buffer.from('\n'));
    }
    return over ? null : Buffer.concat(parts);
  }

  async group(name: string): Promise<GroupInfo> {
    const r = await this.command(`GROUP ${name}`);
    if (r.code === 411) throw new KreviewError(`${this.where}: no newsgroup ${name}`);
    if (r.code !== 211) throw new KreviewError(`${this.where}: GROUP ${name}: ${r.code} ${r.text}`);
    const [count, low, high] = r.text.split(/\s+/).map(Number);
    return { count, low, high };
  }

  close(): void {
    if (!this.socket.destroyed) {
      this.socket.end('QUIT\r\n');
      this.socket.destroySoon?.();
    }
  }
}
