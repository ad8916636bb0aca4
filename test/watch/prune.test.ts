// The state database forgets what is past the retention window, and nothing that is still owed.
import { describe, expect, it } from 'vitest';
import type { Patch } from '../../src/core/types.js';
import { MessageStore } from '../../src/state/messages.js';
import { openState } from '../../src/state/open-state.js';
import { Outbox } from '../../src/state/outbox.js';
import { pruneState } from '../../src/state/prune.js';
import { SeriesStore } from '../../src/state/series-store.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-05T00:00:00Z');

function patch(id: string): Patch {
  return {
    id, kind: 'mail', source: id, subject: `[PATCH] ${id}`,
    prefix: { tags: ['PATCH'], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: id },
    author: { name: 'J', email: 'j@example.org' }, date: null, message: id, trailers: [], notes: '', files: [],
    baseCommit: null, changeId: null, commit: null, parent: null,
    mail: { messageId: id, from: null, replyTo: [], to: [], cc: [], inReplyTo: null, references: [], listIds: [], autoSubmitted: false, headers: {} },
    warnings: [],
  };
}

describe('pruneState', () => {
  it('deletes settled rows older than the window, keeps what is owed and what is recent, runs once a day', () => {
    const db = openState(':memory:');
    const messages = new MessageStore(db);
    const outbox = new Outbox(db);
    const series = new SeriesStore(db);
    const old = NOW - 200 * DAY;
    const recent = NOW - 10 * DAY;
    messages.add({ id: 'old-done', source: 's', at: old, kind: 'other', lists: [] });
    messages.add({ id: 'old-patch', source: 's', at: old, kind: 'patch', lists: [], patch: patch('old-patch'), head: 'patch' });
    messages.setState(['old-patch'], 'reviewed');
    messages.add({ id: 'old-waiting', source: 's', at: old, kind: 'patch', lists: [], patch: patch('old-waiting'), head: 'patch' });
    messages.add({ id: 'new-done', source: 's', at: recent, kind: 'other', lists: [] });
    const reply = (id: string) => ({ messageId: id, inReplyTo: 'old-patch', seriesKey: 'k', seriesIdentity: 'i', version: 1, list: 'l', thread: 't', envFrom: 'b@x', envTo: ['a@x'], raw: 'x', notBefore: 0 });
    outbox.enqueue(reply('sent-old'), old);
    db.prepare(`UPDATE outbox SET state = 'sent', sent_at = ? WHERE message_id = 'sent-old'`).run(old);
    outbox.enqueue(reply('pending-old'), old);
    outbox.enqueue(reply('failed-old'), old);
    db.prepare(`UPDATE outbox SET state = 'failed' WHERE message_id = 'failed-old'`).run();
    series.record('s-old#v1', 'i', 1, [], old, ['old-patch']);
    series.record('s-new#v1', 'j', 1, [], recent, ['x']);

    expect(pruneState(db, 180, NOW)).toEqual({ messages: 2, heads: 1, replies: 1, series: 1 });
    expect(['old-done', 'old-patch', 'old-waiting', 'new-done'].filter((id) => messages.has(id))).toEqual(['old-waiting', 'new-done']);
    expect(outbox.state('sent-old')).toBeNull();
    expect(outbox.state('pending-old')).toBe('pending');
    expect(outbox.state('failed-old')).toBe('failed');
    expect(series.reviewedVersion('i')).toBeNull();
    expect(series.reviewedVersion('j')).toBe(1);
    expect(series.reviewedWith(['old-patch'], 1)).toBeNull();
    expect(series.reviewedWith(['x'], 1)).toBe('s-new#v1');

    // Once a day, and never with retention 0.
    expect(pruneState(db, 180, NOW + DAY / 2)).toBeNull();
    expect(pruneState(db, 180, NOW + DAY)).toEqual({ messages: 0, heads: 0, replies: 0, series: 0 });
    expect(pruneState(db, 0, NOW + 10 * DAY)).toBeNull();
    db.close();
  });
});
