// SMTP through nodemailer: pooled connections, a send rate limit, DKIM when configured.
// The message goes as `raw`, so the bytes on the wire are exactly the rendered reply.
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { KreviewError } from '../core/types.js';
import type { OutgoingMail, Sink } from './sink.js';

export interface SmtpConfig {
  host: string;
  port?: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when offered. */
  secure?: boolean;
  user?: string;
  pass?: string;
  /** Connections kept open. */
  maxConnections?: number;
  /** At most `rateLimit` messages per `rateDeltaMs`. */
  rateLimit?: number;
  rateDeltaMs?: number;
  /** Accept self-signed certificates (a test or a local relay). */
  allowInsecureTls?: boolean;
  dkim?: { domainName: string; keySelector: string; privateKeyFile: string };
  timeoutMs?: number;
}

export class SmtpSink implements Sink {
  readonly name: string;
  private readonly transport: Transporter;

  constructor(cfg: SmtpConfig) {
    this.name = `SMTP ${cfg.host}:${cfg.port ?? 25}`;
    let dkim: SMTPPool.Options['dkim'];
    if (cfg.dkim) {
      let privateKey: string;
      try {
        privateKey = readFileSync(cfg.dkim.privateKeyFile, 'utf8');
      } catch (e) {
        throw new KreviewError(`cannot read DKIM key ${cfg.dkim.privateKeyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      dkim = { domainName: cfg.dkim.domainName, keySelector: cfg.dkim.keySelector, privateKey };
    }
    const opts: SMTPPool.Options = {
      pool: true,
      host: cfg.host,
      port: cfg.port ?? 25,
      secure: cfg.secure ?? false,
      auth: cfg.user ? { user: cfg.user, pass: cfg.pass ?? '' } : undefined,
      maxConnections: cfg.maxConnections ?? 2,
      rateLimit: cfg.rateLimit,
      rateDelta: cfg.rateDeltaMs ?? 1000,
      tls: cfg.allowInsecureTls ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: cfg.timeoutMs ?? 30_000,
      socketTimeout: cfg.timeoutMs ?? 60_000,
      dkim,
    };
    this.transport = nodemailer.createTransport(opts);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ envelope: mail.envelope, raw: mail.raw });
  }

  /** SMTP cannot say whether an earlier attempt arrived. */
  async delivered(): Promise<null> {
    return null;
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
