// The waiting backlog comes out in bounded batches, each holding all of its senders' messages (a
// series comes from one sender and is never split across batches).
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore } from '../../src/state/messages.js';
import { openState } from '../../src/state/open-state.js';
import { parseMail } from '../../src/patch/mail.js';
import { mailText } from './mail-fixtures.js';

describe('MessageStore.waitingBatches', () => {
  it('bounds each batch and keeps a sender whole', async () => {
    const db = openState(':memory:');
    const store = new MessageStore(db);
    const senders = ['a', 'b', 'c', 'd'];
    const sizes = [3, 1, 5, 2];
    let n = 0;
    for (const [i, s] of senders.entries()) {
      for (let k = 0; k < sizes[i]; k++) {
        const raw = mailText({ messageId: `m${n}@example.org`, subject: `[PATCH ${k + 1}/${sizes[i]}] x: part ${k + 1} of ${s}`, from: `${s.toUpperCase()} <${s}@example.org>` });
        const patch = await parseMail(Buffer.from(raw), 'test');
        store.add({ id: patch.id, source: 'test', at: n++, kind: 'patch', lists: [], patch });
      }
    }
    const batches = [...store.waitingBatches(4)].map((b) => b.map((w) => w.patch.author.email[0]));
    expect(batches.flat().sort()).toEqual(senders.flatMap((s, i) => Array(sizes[i]).fill(s)).sort());
    for (const b of batches) for (const s of new Set(b)) expect(b.filter((x) => x === s)).toHaveLength(sizes[senders.indexOf(s)]);
    expect(batches.slice(0, -1).every((b) => b.length >= 4)).toBe(true);
    expect(batches.every((b) => b.length < 4 + Math.max(...sizes))).toBe(true);
    expect(batches.length).toBeGreaterThan(1);
    db.close();
  });

  it('a batch keeps the JSON of what it handled until it ends; one the process died in is given again, whole, after the restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kreview-batch-')), 'state.db');
    const db = openState(file);
    const store = new MessageStore(db);
    for (let k = 0; k < 3; k++) {
      const raw = mailText({ messageId: `p${k}@example.org`, subject: `[PATCH ${k + 1}/3] x: part ${k + 1}`, from: 'A <a@example.org>' });
      store.add({ id: `p${k}@example.org`, source: 'test', at: k, kind: 'patch', lists: [], patch: await parseMail(Buffer.from(raw), 'test') });
    }
    const kept = () => db.prepare(`SELECT count(*) FROM messages WHERE patch_json IS NOT NULL`).pluck().get();
    store.beginBatch();
    store.setState(['p0@example.org'], 'superseded');
    store.setState(['p1@example.org'], 'reviewed');
    expect(kept()).toBe(3);
    // The process dies here: the next one finds the batch's messages still whole.
    db.close();
    const db2 = openState(file);
    const again = new MessageStore(db2);
    again.recoverInterrupted();
    const [batch] = [...again.waitingBatches(10)];
    expect(batch.map((w) => [w.patch.id, w.settled ?? false])).toEqual([
      ['p0@example.org', true],
      ['p1@example.org', true],
      ['p2@example.org', false],
    ]);
    again.beginBatch(['p0@example.org', 'p1@example.org']);
    again.setState(['p2@example.org'], 'reviewed');
    again.endBatch();
    expect(db2.prepare(`SELECT count(*) FROM messages WHERE patch_json IS NOT NULL`).pluck().get()).toBe(0);
    expect(db2.prepare(`SELECT state FROM messages ORDER BY message_id`).pluck().all()).toEqual(['superseded', 'reviewed', 'reviewed']);
    // Outside a batch the JSON goes at once, as before.
    expect([...again.waitingBatches(10)]).toEqual([]);
    db2.close();
  });
});
