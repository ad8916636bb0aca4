// A real SMTP server on loopback (smtp-server) that keeps every message it accepts, for the tests.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface Captured {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpCapture {
  port: number;
  received: Captured[];
  close(): Promise<void>;
}

export interface CaptureOptions {
  /** The server holds its answer to the final `.` this long (it has the message already). */
  answerDelayMs?: number;
  /** Options for smtp-server over the defaults (no STARTTLS, AUTH optional). */
  server?: Partial<SMTPServerOptions>;
}

export async function startSmtpCapture(onMessage?: (m: Captured) => void, opts: CaptureOptions = {}): Promise<SmtpCapture> {
  const received: Captured[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...opts.server,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const m = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        received.push(m);
        onMessage?.(m);
        if (opts.answerDelayMs) setTimeout(() => cb(), opts.answerDelayMs);
        else cb();
      });
    },
  });
  // A client that gave up leaves a socket error behind; the server goes on.
  server.on('error', () => {});
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((res) => server.close(() => res())) };
}
