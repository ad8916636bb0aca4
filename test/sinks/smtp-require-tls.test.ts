// A server offering AUTH without STARTTLS (a misconfigured relay, or a man in the middle who
// stripped it): the sink with credentials never sends the password in clear.
import { describe, expect, it } from 'vitest';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { SinkUnreachable } from '../../src/sinks/sink.js';
import { parsePolicy } from '../../src/watch/policy.js';
import { startSmtpCapture } from './smtp-capture.js';

const mail = { messageId: 'tls-1@bots.example.org', raw: 'Subject: x\r\n\r\nhello\r\n', envelope: { from: 'kreview@bots.example.org', to: ['jane@example.org'] } };

describe('SMTP sink requireTLS', () => {
  it('with a user and no STARTTLS on offer: no password on the wire, nothing sent, one line', async () => {
    const passwords: string[] = [];
    const smtp = await startSmtpCapture(undefined, {
      server: {
        authOptional: false,
        allowInsecureAuth: true,
        onAuth(auth, _session, cb) {
          passwords.push(auth.password ?? '');
          cb(null, { user: auth.username });
        },
      },
    });
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, user: 'kreview', pass: 'hunter2' });
    try {
      const err = await sink.send(mail).then(() => null, (e: Error) => e);
      expect(err).toBeInstanceOf(SinkUnreachable);
      expect(err!.message).toMatch(/^SMTP 127\.0\.0\.1:\d+ offers no STARTTLS and the sink requires TLS .*: the password was not sent; .*requireTLS: false/);
      expect(err!.message).not.toContain('\n');
      expect(passwords).toEqual([]);
      expect(smtp.received).toEqual([]);
    } finally {
      await sink.close();
      await smtp.close();
    }
  });

  it('requireTLS: false is the operator saying the link is trusted: then it logs in', async () => {
    const passwords: string[] = [];
    const smtp = await startSmtpCapture(undefined, {
      server: { authOptional: false, allowInsecureAuth: true, onAuth: (auth, _s, cb) => (passwords.push(auth.password ?? ''), cb(null, { user: auth.username })) },
    });
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, user: 'kreview', pass: 'hunter2', requireTLS: false });
    try {
      await sink.send(mail);
      expect(passwords).toEqual(['hunter2']);
      expect(smtp.received).toHaveLength(1);
    } finally {
      await sink.close();
      await smtp.close();
    }
  });

  it('the policy key', () => {
    const p = parsePolicy('bot: { address: k@b.example.org }\nsink: { type: smtp, host: h, user: u, pass: p, requireTLS: false }\n', '/tmp/p.yml');
    expect(p.sink).toMatchObject({ requireTLS: false });
  });
});
