// A small Redis client speaking RESP2 over one TCP connection, shaped like the raw client BullMQ's
// own adapter wraps (send / connect / close / duplicate and the onconnect / onclose callbacks), so
// BullMQ does the rest: scripts, transactions, blocking pops, reconnects.
//
// Why it exists: BullMQ needs a Redis driver and none is among the project's dependencies (its
// usual one, ioredis, is an optional peer that was not installed). When ioredis is added, pass an
// ioredis instance as BullMQ's `connection` instead and delete this file.
import { connect as tcpConnect, type Socket } from 'node:net';
import { KreviewError } from '../core/types.js';

export type RespValue = string | number | null | Error | RespValue[];

/** Parses `redis://[:password@]host:port[/db]`; rediss (TLS) and unix sockets are not supported here. */
export function parseRedisUrl(url: string): { host: string; port: number; password: string | null; db: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KreviewError(`--queue ${url}: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:') throw new KreviewError(`--queue ${url}: only redis:// URLs are supported`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new KreviewError(`--queue ${url}: the database number must be a whole number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    password: u.password ? decodeURIComponent(u.password) : null,
    db,
  };
}

function encode(command: string, args: readonly (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** One reply parsed from `buf` at `at`, or null when the buffer does not hold it whole yet. */
function parse(buf: Buffer, at: number): { value: RespValue; next: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const line = buf.toString('utf8', at + 1, eol);
  switch (buf[at]) {
    case 0x2b: // +
      return { value: line, next: eol + 2 };
    case 0x2d: // -
      return { value: new Error(line), next: eol + 2 };
    case 0x3a: // :
      return { value: Number(line), next: eol + 2 };
    case 0x24: {
      // $
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return null;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      const out: RespValue[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, next);
        if (!r) return null;
        out.push(r.value);
        next = r.next;
      }
      return { value: out, next };
    }
    default:
      throw new KreviewError(`redis: unexpected reply byte 0x${buf[at].toString(16)}`);
  }
}

interface Pending {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

export class RespClient {
  onconnect: () => void = () => undefined;
  onclose: (error?: Error) => void = () => undefined;
  onerror: (error: Error) => void = () => undefined;
  connected = false;
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  constructor(readonly url: string) {
    parseRedisUrl(url);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    const { host, port, password, db } = parseRedisUrl(this.url);
    const socket = tcpConnect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (e) => this.onerror(e));
    socket.on('close', () => {
      const was = this.connected;
      this.connected = false;
      this.socket = null;
      const err = new Error('Connection closed');
      for (const p of this.pending.splice(0)) p.reject(err);
      if (was) this.onclose(err);
    });
    this.connected = true;
    if (password !== null) await this.send('AUTH', [password]);
    if (db !== 0) await this.send('SELECT', [String(db)]);
    this.onconnect();
  }

  private read(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const r = at < this.buf.length ? parse(this.buf, at) : null;
      if (!r) break;
      at = r.next;
      const p = this.pending.shift();
      if (!p) continue;
      if (r.value instanceof Error) p.reject(r.value);
      else p.resolve(r.value);
    }
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
  }

  send(command: string, args: readonly (string | number | Buffer)[]): Promise<RespValue> {
    if (!this.socket || !this.connected) return Promise.reject(new Error('Connection is closed.'));
    const socket = this.socket;
    return new Promise<RespValue>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encode(command, args));
    });
  }

  close(): void {
    this.socket?.end();
    this.socket?.destroy();
  }

  async duplicate(): Promise<RespClient> {
    return new RespClient(this.url);
  }
}
