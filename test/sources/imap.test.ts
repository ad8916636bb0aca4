// The IMAP source against a real dovecot on loopback: messages appended between polls are read
// once, in UID order, and a restart continues from the stored UID cursor.
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { ImapSource } from '../../src/sources/imap.js';
import { CursorStore } from '../../src/state/cursors.js';
import { openState } from '../../src/state/open-state.js';
import type { RawMessage } from '../../src/watch/raw-message.js';
import { TestDovecot } from '../watch/dovecot-fixture.js';

const dovecot = new TestDovecot();

async function append(ids: string[]): Promise<void> {
  const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
  await c.connect();
  for (const id of ids) await c.append('INBOX', `From: a@example.org\r\nSubject: ${id}\r\nMessage-ID: <${id}@example.org>\r\n\r\nbody\r\n`);
  await c.logout();
}

/** A TCP relay to dovecot that counts the bytes the server sends: what the source downloaded. */
async function countingRelay(): Promise<{ port: number; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(dovecot.port, '127.0.0.1');
    upstream.on('data', (b: Buffer) => (received += b.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
      }),
  };
}

async function read(src: ImapSource): Promise<string[]> {
  const out: string[] = [];
  await src.poll(async (b: RawMessage[]) => void out.push(...b.map((m) => /Subject: (\S+)/.exec(m.raw.toString())![1])));
  return out;
}

describe('IMAP source (dovecot on loopback)', { timeout: 120_000 }, () => {
  beforeAll(async () => dovecot.start());
  afterAll(() => dovecot.stop());

  it('reads appended messages once, and continues after a restart from its UID cursor', async () => {
    const db = openState(':memory:');
    const cfg = { name: 'imap', host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: dovecot.pass, mailbox: 'INBOX', allowInsecureTls: false };
    let src = new ImapSource(cfg, new CursorStore(db));
    expect(await read(src)).toEqual([]);
    await append(['m1', 'm2']);
    expect(await read(src)).toEqual(['m1', 'm2']);
    expect(await read(src)).toEqual([]);
    await append(['m3']);
    expect(await read(src)).toEqual(['m3']);
    await src.close();
    src = new ImapSource(cfg, new CursorStore(db));
    await append(['m4']);
    expect(await read(src)).toEqual(['m4']);
    await src.close();
  });

  it('is told of new mail while idling, so the daemon need not wait for its next poll', async () => {
    const db = openState(':memory:');
    const cfg = { name: 'imap', host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: dovecot.pass, mailbox: 'INBOX', allowInsecureTls: false };
    const src = new ImapSource(cfg, new CursorStore(db));
    let woken = 0;
    src.onArrival(() => woken++);
    await read(src);
    await new Promise((r) => setTimeout(r, 1500)); // let imapflow enter IDLE
    await append(['idle-1']);
    const deadline = Date.now() + 30_000;
    while (woken === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(woken).toBeGreaterThan(0);
    expect(await read(src)).toEqual(['idle-1']);
    await src.close();
  });

  it('asks for sizes first: a message over the limit is skipped with a warning and never downloaded', async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await c.connect();
    await c.mailboxCreate('Big');
    const big = `From: a@example.org\r\nSubject: huge\r\nMessage-ID: <huge@example.org>\r\n\r\n${'x'.repeat(76) + '\r\n'}`.padEnd(3 << 20, 'y'.repeat(76) + '\r\n');
    for (const m of ['small-1', 'huge', 'small-2']) await c.append('Big', m === 'huge' ? big : `From: a@example.org\r\nSubject: ${m}\r\nMessage-ID: <${m}@example.org>\r\n\r\nbody\r\n`);
    await c.logout();

    const relay = await countingRelay();
    const db = openState(':memory:');
    const warnings: string[] = [];
    const cfg = { name: 'imap', host: '127.0.0.1', port: relay.port, secure: false, user: dovecot.user, pass: dovecot.pass, mailbox: 'Big', allowInsecureTls: false };
    const src = new ImapSource(cfg, new CursorStore(db), (m) => warnings.push(m), 64 << 10);
    try {
      expect(await read(src)).toEqual(['small-1', 'small-2']);
      expect(warnings).toEqual([expect.stringMatching(/^imap: uid 2 in Big is 31\d{5} bytes, larger than 65536; skipped without downloading it$/)]);
      expect(relay.received()).toBeLessThan(64 << 10);
      // The cursor is past it: the next poll neither reads nor warns again.
      expect(await read(src)).toEqual([]);
      expect(warnings).toHaveLength(1);
    } finally {
      await src.close();
      await relay.close();
    }
  });

  it('a wrong password is a one-line error naming the server', async () => {
    const db = openState(':memory:');
    const src = new ImapSource({ name: 'imap', host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: 'wrong', mailbox: 'INBOX', allowInsecureTls: false }, new CursorStore(db));
    await expect(src.poll(async () => {})).rejects.toThrow(new RegExp(`^imap: cannot open INBOX on 127\\.0\\.0\\.1:${dovecot.port}: `));
    await src.close();
  });
});
