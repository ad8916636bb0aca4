// An SMTP server slower to answer the final `.` than the sink waits: the reply is left unsettled
// (the server may have it), settled by its copy coming back through the list, never sent twice.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRawMail } from '../../src/sinks/mail-format.js';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { MaildirSource } from '../../src/sources/maildir.js';
import { MessageStore } from '../../src/state/messages.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { peekHeaders } from '../../src/watch/header-scan.js';
import { parsePolicy } from '../../src/watch/policy.js';
import { startSmtpCapture } from './smtp-capture.js';

const ID = 'slow-1@bots.example.org';

function world() {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-slow-'));
  const maildir = join(dir, 'list');
  for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
  const db = openState(join(dir, 'state.db'));
  const outbox = new Outbox(db);
  const messages = new MessageStore(db);
  const raw = buildRawMail({ headers: [['From', 'kreview@bots.example.org'], ['To', 'jane@example.org'], ['Subject', 'Re: slow'], ['Message-ID', `<${ID}>`]], text: 'reply\n' });
  outbox.enqueue({ messageId: ID, inReplyTo: 'p@example.org', seriesKey: 's', seriesIdentity: 'i', version: 1, list: 'l', thread: 't', envFrom: 'kreview@bots.example.org', envTo: ['jane@example.org'], raw, notBefore: 0 });
  // The daemon's reading of the list: what came back is in the messages table.
  const readList = () =>
    new MaildirSource(maildir, 'list').poll(async (batch) => {
      for (const m of batch) messages.add({ id: peekHeaders(m.raw).messageId!, source: m.origin, at: 0, kind: 'ignored', lists: [] });
    });
  return { db, outbox, messages, maildir, readList };
}

describe('SMTP answer slower than the socket timeout', { timeout: 60_000 }, () => {
  it('leaves the reply unsettled, settles it by the list copy, and never sends it twice', async () => {
    const w = world();
    let n = 0;
    // The list relays what the server took at once; the server answers "250" only after 1.5 s.
    const smtp = await startSmtpCapture((m) => writeFileSync(join(w.maildir, 'new', `${n++}.list`), m.raw), { answerDelayMs: 1500 });
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, socketTimeoutMs: 400 });
    try {
      const t0 = 1_000_000;
      const r1 = await w.outbox.dispatch(sink, { now: t0 });
      expect(r1.sent).toEqual([]);
      expect(r1.uncertain).toEqual([ID]);
      expect(w.outbox.state(ID)).toBe('sending');
      // A later tick, past any retry back-off: first the list is read, then the outbox settles.
      for (const later of [t0 + 31_000, t0 + 3_600_000]) {
        await w.readList();
        const rec = await w.outbox.recover(sink, { now: later, seen: (id) => w.messages.has(id) });
        await w.outbox.dispatch(sink, { now: later, seen: (id) => w.messages.has(id) });
        if (later === t0 + 31_000) expect(rec.sent).toEqual([ID]);
      }
      expect(w.outbox.state(ID)).toBe('sent');
      expect(smtp.received).toHaveLength(1);
    } finally {
      await sink.close();
      await smtp.close();
      w.db.close();
    }
  });

  it('without a copy coming back, waits the answer window and the grace period before sending again', async () => {
    const w = world();
    const smtp = await startSmtpCapture(undefined, { answerDelayMs: 1500 });
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, socketTimeoutMs: 400 });
    try {
      const t0 = 1_000_000;
      expect((await w.outbox.dispatch(sink, { now: t0 })).uncertain).toEqual([ID]);
      const early = t0 + 400 + w.outbox.orphanGraceMs - 1;
      expect(await w.outbox.recover(sink, { now: early })).toEqual({ sent: [], requeued: [] });
      expect((await w.outbox.dispatch(sink, { now: early })).sent).toEqual([]);
      expect(smtp.received).toHaveLength(1);
      expect((await w.outbox.recover(sink, { now: early + 1 })).requeued).toEqual([ID]);
    } finally {
      await sink.close();
      await smtp.close();
      w.db.close();
    }
  });

  it('the policy sets the connection, greeting and socket timeouts', () => {
    const p = parsePolicy(
      'bot: { address: k@b.example.org }\nsink: { type: smtp, host: h, connectionTimeoutSeconds: 5, greetingTimeoutSeconds: 7, socketTimeoutSeconds: 0.4 }\n',
      '/tmp/p.yml',
    );
    expect(p.sink).toMatchObject({ type: 'smtp', connectionTimeoutMs: 5000, greetingTimeoutMs: 7000, socketTimeoutMs: 400 });
    const d = parsePolicy('bot: { address: k@b.example.org }\nsink: { type: smtp, host: h }\n', '/tmp/p.yml');
    expect(d.sink).toMatchObject({ connectionTimeoutMs: 30_000, greetingTimeoutMs: 30_000, socketTimeoutMs: 600_000 });
  });
});
