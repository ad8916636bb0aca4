// An SMTP server that never greets: one greeting timeout per dispatch, however many replies wait;
// the one that was tried is retried later, the others are not even claimed.
import { describe, expect, it } from 'vitest';
import { SmtpSink } from '../../src/sinks/smtp-sink.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { startSilentServer } from './silent-server.js';

describe('SMTP server that never greets', { timeout: 20_000 }, () => {
  it('costs one greeting timeout per dispatch, not one per pending reply', async () => {
    const db = openState(':memory:');
    const outbox = new Outbox(db);
    const ids = ['a', 'b', 'c'].map((x) => `${x}@bots.example.org`);
    ids.forEach((id, i) =>
      outbox.enqueue({ messageId: id, inReplyTo: `p${i}`, seriesKey: 's', seriesIdentity: 'i', version: 1, list: 'l', thread: `t${i}`, envFrom: 'kreview@bots.example.org', envTo: ['jane@example.org'], raw: 'Subject: x\r\n\r\nx\r\n', notBefore: 0 }, i),
    );
    const dead = await startSilentServer();
    const sink = new SmtpSink({ host: '127.0.0.1', port: dead.port, greetingTimeoutMs: 500 });
    try {
      const t0 = Date.now();
      const r = await outbox.dispatch(sink, { now: 1_000_000 });
      const took = Date.now() - t0;
      expect(took).toBeLessThan(1400);
      expect(dead.connections()).toBe(1);
      expect(r.retried).toEqual([ids[0]]);
      expect(r.errors).toEqual([`SMTP 127.0.0.1:${dead.port}: no greeting within 0.5 s (sink.greetingTimeoutSeconds); 2 more replies wait for the next try`]);
      const attempts = db.prepare(`SELECT message_id, attempts, state FROM outbox ORDER BY message_id`).all();
      expect(attempts).toEqual([
        { message_id: ids[0], attempts: 1, state: 'pending' },
        { message_id: ids[1], attempts: 0, state: 'pending' },
        { message_id: ids[2], attempts: 0, state: 'pending' },
      ]);
    } finally {
      await sink.close();
      await dead.close();
      db.close();
    }
  });
});
