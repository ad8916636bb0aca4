// SMTP with DKIM configured: the message arrives signed for the bot's domain, body unchanged.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRawMail } from '../../src/sinks/mail-format.js';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { startSmtpCapture } from './smtp-capture.js';

describe('SMTP sink with DKIM', () => {
  it('signs the raw message with the configured selector and domain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-dkim-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const smtp = await startSmtpCapture();
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, dkim: { domainName: 'bots.example.org', keySelector: 'kr2026', privateKeyFile: join(dir, 'dkim.pem') } });
    const raw = buildRawMail({ headers: [['From', 'kreview <kreview@bots.example.org>'], ['To', 'jane@example.org'], ['Subject', 'Re: x'], ['Message-ID', '<d1@bots.example.org>']], text: 'hello\n' });
    await sink.send({ messageId: 'd1@bots.example.org', raw, envelope: { from: 'kreview@bots.example.org', to: ['jane@example.org'] } });
    await sink.close();
    await smtp.close();
    const got = smtp.received[0].raw;
    expect(got).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;[\s\S]*d=bots\.example\.org;[\s\S]*s=kr2026;/m);
    expect(got.endsWith(raw.slice(raw.indexOf('\r\n\r\n')))).toBe(true);
  });

  it('a DKIM key that cannot be read is a one-line error naming the file', () => {
    expect(() => new SmtpSink({ host: '127.0.0.1', dkim: { domainName: 'x.org', keySelector: 's', privateKeyFile: '/nonexistent/key.pem' } })).toThrow(
      /^cannot read DKIM key \/nonexistent\/key\.pem: ENOENT$/,
    );
  });
});
