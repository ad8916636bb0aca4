// Pairing a pull request's commits with the series' patch mails, and finding the series in a thread.
import { describe, expect, it } from 'vitest';
import type { Patch, PatchReview } from '../../src/core/types.js';
import type { MailHead } from '../../src/state/mail-heads.js';
import { pairParts, seriesMembers } from '../../src/watch/pr-mailer.js';

function patch(summary: string, over: Partial<Patch> = {}, from = 'jane@example.org'): Patch {
  return {
    id: summary, kind: 'mail', source: summary, subject: summary,
    prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary },
    author: { name: 'J', email: 'jane@example.org' }, date: null, message: '', trailers: [], notes: '', files: [],
    baseCommit: null, changeId: null, commit: null, parent: null,
    mail: { messageId: summary, from: { name: '', email: from }, replyTo: [], to: [], cc: [], inReplyTo: null, references: [], listIds: [], autoSubmitted: false, headers: {} },
    warnings: [], ...over,
  };
}

function head(id: string, part: number | null, summary: string, opts: { version?: number; from?: string } = {}): MailHead {
  return { messageId: id, thread: 'cover', kind: part === 0 ? 'cover' : 'patch', version: opts.version ?? 1, part, receivedAt: 0, patch: patch(summary, { id }, opts.from) };
}

function review(subject: string): PatchReview {
  return { patch: patch(subject, { kind: 'commit', mail: null }), base: { source: 'none', label: '' } as PatchReview['base'], applied: null, findings: [], notes: [], errors: [] };
}

describe('pairParts', () => {
  const parts = [head('p1', 1, 'mm: add the counters'), head('p2', 2, 'mm: read them under the lock'), head('p3', 3, 'mm: drop the old ones')];

  it('pairs by subject whatever the order, ignoring case and spacing', () => {
    const rs = [review('mm: drop  the old ones'), review('MM: add the counters'), review('mm: read them under the lock')];
    const got = pairParts(rs, parts);
    expect(rs.map((r) => got.get(r)?.messageId)).toEqual(['p3', 'p1', 'p2']);
  });

  it('pairs a reworded subject by position only when both sides have the same number of parts', () => {
    const rs = [review('mm: add the counters'), review('mm: read the counters under the lock'), review('mm: drop the old ones')];
    expect(rs.map((r) => pairParts(rs, parts).get(r)?.messageId)).toEqual(['p1', 'p2', 'p3']);
    const fewer = [rs[0], rs[1]];
    const got = pairParts(fewer, parts);
    expect(fewer.map((r) => got.get(r)?.messageId ?? null)).toEqual(['p1', null]);
  });

  it('a commit naming its mail in a Message-ID: or Link: trailer is paired with it, whatever its subject', () => {
    const rs = [review('mm: drop the old ones'), review('mm: add the counters'), review('mm: something else')];
    const twoParts = [head('p1@x', 1, 'mm: add the counters'), head('p2@x', 2, 'mm: read them under the lock')];
    rs[0].patch.message = 'mm: drop the old ones\n\nLink: https://patch.msgid.link/p2@x\n';
    rs[2].patch.message = 'mm: something else\n\nMessage-ID: <p1@x>\n';
    const got = pairParts(rs, twoParts);
    // By id: 0 -> p2, 2 -> p1; commit 1's subject names p1, which is taken.
    expect(rs.map((r) => got.get(r)?.messageId ?? null)).toEqual(['p2@x', null, 'p1@x']);
  });

  it('never pairs two commits with one mail', () => {
    const rs = [review('mm: add the counters'), review('mm: add the counters')];
    const got = pairParts(rs, [parts[0]]);
    expect(rs.map((r) => got.get(r)?.messageId ?? null)).toEqual([null, null]);
    const two = [head('a', 1, 'same'), head('b', 2, 'same')];
    const g2 = pairParts([review('same'), review('same')], two);
    expect([...g2.values()].map((h) => h.messageId)).toEqual(['a', 'b']);
  });
});

describe('seriesMembers', () => {
  it('keeps the named version, one message per part, the cover as part 0', () => {
    const named = head('cover2', 0, 'the series', { version: 2 });
    const thread = [
      head('cover1', 0, 'the series'), head('v1p1', 1, 'one'), head('v1p2', 2, 'two'),
      named, head('v2p2', 2, 'two', { version: 2 }), head('v2p1', 1, 'one', { version: 2 }),
    ];
    const m = seriesMembers(thread, named);
    expect(m.cover?.messageId).toBe('cover2');
    expect(m.parts.map((p) => p.messageId)).toEqual(['v2p1', 'v2p2']);
  });

  it("prefers the named message's sender when someone else posts a patch with the same number in the thread", () => {
    const named = head('c', 0, 'the series');
    const thread = [named, head('other', 1, 'a counter-proposal', { from: 'bob@example.org' }), head('mine', 1, 'one')];
    expect(seriesMembers(thread, named).parts.map((p) => p.messageId)).toEqual(['mine']);
  });

  it('a single unnumbered patch is its own series', () => {
    const named = head('solo', null, 'mm: one fix');
    expect(seriesMembers([named], named)).toEqual({ cover: null, parts: [named] });
  });
});
