// Outbox policy at send time: the embargo holds a reply back, rate limits per list and per thread
// defer (never drop) what is over, a newer version cancels what an older one still owed.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySink } from '../../src/sinks/directory-sink.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox, type OutboxEntry } from '../../src/state/outbox.js';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

function entry(id: string, over: Partial<OutboxEntry> = {}): OutboxEntry {
  return { messageId: id, inReplyTo: `p-${id}`, seriesKey: 's', seriesIdentity: 'jane\0topic', version: 1, list: 'btrfs', thread: 't1', envFrom: 'bot@x.org', envTo: ['jane@example.org'], raw: `Message-ID: <${id}>\r\n\r\nx\r\n`, notBefore: T0, ...over };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-limits-'));
  const db = openState(join(dir, 'state.db'));
  return { outbox: new Outbox(db), sink: new DirectorySink(join(dir, 'out')), out: join(dir, 'out') };
}

describe('outbox policy', () => {
  it('holds a reply until its embargo ends', async () => {
    const { outbox, sink } = setup();
    outbox.enqueue(entry('a', { notBefore: T0 + 24 * HOUR }), T0);
    expect((await outbox.dispatch(sink, { now: T0 + 23 * HOUR })).sent).toEqual([]);
    expect((await outbox.dispatch(sink, { now: T0 + 24 * HOUR })).sent).toEqual(['a']);
  });

  it('defers what is over the per-thread and per-list hourly limits, and sends it later', async () => {
    const { outbox, sink, out } = setup();
    for (const id of ['a', 'b', 'c']) outbox.enqueue(entry(id), T0);
    outbox.enqueue(entry('d', { thread: 't2' }), T0);
    const limits = () => ({ perThreadPerHour: 2, perListPerHour: 3 });
    const r1 = await outbox.dispatch(sink, { now: T0, limits });
    expect(r1.sent).toEqual(['a', 'b', 'd']);
    expect(r1.deferred).toEqual(['c']);
    expect((await outbox.dispatch(sink, { now: T0 + 10 * 60_000, limits })).sent).toEqual([]);
    const r3 = await outbox.dispatch(sink, { now: T0 + 2 * HOUR, limits });
    expect(r3.sent).toEqual(['c']);
    expect(readdirSync(out)).toHaveLength(4);
  });

  it('the same Message-ID is queued once; a newer version cancels older pending replies only', async () => {
    const { outbox, sink } = setup();
    expect(outbox.enqueue(entry('a'), T0)).toBe(true);
    expect(outbox.enqueue(entry('a'), T0)).toBe(false);
    outbox.enqueue(entry('b', { notBefore: T0 + HOUR }), T0);
    await outbox.dispatch(sink, { now: T0 });
    expect(outbox.cancelOlder('jane\0topic', 2)).toBe(1);
    expect(outbox.state('a')).toBe('sent');
    expect(outbox.state('b')).toBe('cancelled');
    expect(outbox.answered('p-a')).toBe(true);
    expect(outbox.answered('p-b')).toBe(false);
  });
});
