// The waiting backlog comes out in bounded batches, each holding all of its senders' messages (a
// series comes from one sender and is never split across batches).
import { describe, expect, it } from 'vitest';
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
});
