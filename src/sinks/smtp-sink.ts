// SMTP through nodemailer's SMTPConnection: one connection kept open, a send rate limit, DKIM when
// configured, bounded connect/greeting/answer times. The message goes as it was rendered, so the
// bytes on the wire are exactly the reply; DKIM adds its header in front.
//
// One SMTPConnection rather than nodemailer's pooled transport, because the outbox must know how a
// send failed: before the message went out (retry), after the whole of it went out with no answer
// to the final `.` (uncertain: the server may have taken it; see src/state/outbox.ts), or because
// the server cannot be reached at all (nothing else is tried this tick). The transport hides that.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { KreviewError } from '../core/types.js';
import { SinkUncertain, SinkUnreachable, type OutgoingMail, type Sink } from './sink.js';

export interface SmtpConfig {
  host: string;
  port?: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when offered. */
  secure?: boolean;
  user?: string;
  pass?: string;
  /**
   * Never talk in clear: STARTTLS or no session. Default: on whenever `user` is set without
   * `secure`, so that a server (or a man in the middle) offering AUTH without STARTTLS never gets the password.
   */
  requireTLS?: boolean;
  /** At most `rateLimit` messages per `rateDeltaMs`. */
  rateLimit?: number;
  rateDeltaMs?: number;
  /** Accept self-signed certificates (a test or a local relay). */
  allowInsecureTls?: boolean;
  dkim?: { domainName: string; keySelector: string; privateKeyFile: string };
  /** Time to open the TCP (or TLS) connection. */
  connectionTimeoutMs?: number;
  /** Time the server may take to greet (and to finish STARTTLS). */
  greetingTimeoutMs?: number;
  /** Time the server may stay silent once connected, the answer to the final `.` included. */
  socketTimeoutMs?: number;
}

export const SMTP_DEFAULTS = {
  connectionTimeoutMs: 30_000,
  greetingTimeoutMs: 30_000,
  // RFC 5321 4.5.3.2.6: a client waits up to 10 minutes for the answer to the final `.`.
  socketTimeoutMs: 600_000,
};

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  timeoutType?: string;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

export class SmtpSink implements Sink {
  readonly name: string;
  readonly answerWindowMs: number;
  private readonly options: SMTPConnection.Options;
  private readonly dkim: DKIM | null = null;
  private conn: SMTPConnection | null = null;
  private readonly sentAt: number[] = [];

  constructor(private readonly cfg: SmtpConfig) {
    this.name = `SMTP ${cfg.host}:${cfg.port ?? 25}`;
    if (cfg.dkim) {
      let privateKey: string;
      try {
        privateKey = readFileSync(cfg.dkim.privateKeyFile, 'utf8');
      } catch (e) {
        throw new KreviewError(`cannot read DKIM key ${cfg.dkim.privateKeyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      this.dkim = new DKIM({ domainName: cfg.dkim.domainName, keySelector: cfg.dkim.keySelector, privateKey });
    }
    this.answerWindowMs = cfg.socketTimeoutMs ?? SMTP_DEFAULTS.socketTimeoutMs;
    this.options = {
      host: cfg.host,
      port: cfg.port ?? 25,
      secure: cfg.secure ?? false,
      requireTLS: cfg.requireTLS ?? (cfg.user !== undefined && !cfg.secure),
      tls: cfg.allowInsecureTls ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: cfg.connectionTimeoutMs ?? SMTP_DEFAULTS.connectionTimeoutMs,
      greetingTimeout: cfg.greetingTimeoutMs ?? SMTP_DEFAULTS.greetingTimeoutMs,
      socketTimeout: this.answerWindowMs,
      logger: false,
    };
  }

  /** One line for an SMTP failure, naming the server and, for a timeout, which wait ran out. */
  private describe(e: SmtpError): string {
    const o = this.options;
    if (o.requireTLS && e.command === 'STARTTLS')
      return `${this.name} offers no STARTTLS and the sink requires TLS (it is on by default with a user): the password was not sent; use secure: true (port 465), a server with STARTTLS, or requireTLS: false on a trusted link`;
    const what =
      e.timeoutType === 'GREETING_TIMEOUT' || e.timeoutType === 'UPGRADE_TIMEOUT'
        ? `no greeting within ${seconds(o.greetingTimeout!)} (sink.greetingTimeoutSeconds)`
        : e.timeoutType === 'CONNECT_TIMEOUT'
          ? `no connection within ${seconds(o.connectionTimeout!)} (sink.connectionTimeoutSeconds)`
          : e.timeoutType === 'SOCKET_TIMEOUT'
            ? `no answer within ${seconds(o.socketTimeout!)} (sink.socketTimeoutSeconds)`
            : e.message.split('\n')[0];
    return `${this.name}: ${what}`;
  }

  private async open(): Promise<SMTPConnection> {
    if (this.conn) return this.conn;
    const c = new SMTPConnection(this.options);
    // Errors arrive as events too; without a listener one would crash the process.
    c.on('error', () => this.drop(c));
    c.on('end', () => this.drop(c));
    try {
      await new Promise<void>((resolve, reject) => {
        c.once('error', reject);
        c.connect((err) => (err ? reject(err) : resolve()));
      });
      if (this.cfg.user) {
        await new Promise<void>((resolve, reject) => c.login({ user: this.cfg.user!, pass: this.cfg.pass ?? '' }, (err) => (err ? reject(err) : resolve())));
      }
    } catch (e) {
      c.close();
      throw new SinkUnreachable(this.describe(e as SmtpError));
    }
    this.conn = c;
    return c;
  }

  private drop(c: SMTPConnection): void {
    if (this.conn === c) this.conn = null;
  }

  /** Waits until one more message fits the rate limit. */
  private async pace(): Promise<void> {
    const limit = this.cfg.rateLimit;
    if (!limit) return;
    const delta = this.cfg.rateDeltaMs ?? 1000;
    while (this.sentAt.length && Date.now() - this.sentAt[0] >= delta) this.sentAt.shift();
    if (this.sentAt.length >= limit) await new Promise((r) => setTimeout(r, this.sentAt[0] + delta - Date.now()));
    this.sentAt.push(Date.now());
  }

  async send(mail: OutgoingMail): Promise<void> {
    const bytes = this.dkim ? await buffer(this.dkim.sign(Readable.from([Buffer.from(mail.raw)]))) : Buffer.from(mail.raw);
    await this.pace();
    const c = await this.open();
    // Nodemailer reads the message only once the server said "354": when all of it was read, the
    // whole message (and then the final `.`) went to the server, and a missing answer is no proof
    // that it was refused.
    const message = Readable.from([bytes]);
    let handedOver = false;
    message.once('end', () => (handedOver = true));
    try {
      await new Promise<void>((resolve, reject) => c.send(mail.envelope, message, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      const err = e as SmtpError;
      this.drop(c);
      c.close();
      if (handedOver && !err.responseCode) throw new SinkUncertain(`${this.describe(err)} after the whole message was sent; it may have been delivered`);
      throw new Error(this.describe(err));
    }
  }

  /** SMTP cannot say whether an earlier attempt arrived. */
  async delivered(): Promise<null> {
    return null;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    c?.quit();
  }
}
