// Series assembly on real threads (headers as sent to the lists, bodies re-told; see
// test/fixtures/mail/real/README.md): the version a sender put on the cover or the first part only,
// and a cover letter sent without a `[PATCH 0/N]` tag.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { KreviewError, type Patch, type Series } from '../../src/core/types.js';
import { classifyMessage } from '../../src/series/classify.js';
import { groupSeries } from '../../src/series/group.js';
import { readInputs } from '../../src/sources/files.js';
import { assemble } from '../../src/watch/assembler.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/mail/real/${name}`, import.meta.url));

async function read(name: string): Promise<Patch[]> {
  const out: Patch[] = [];
  for await (const p of readInputs([fixture(name)])) if (!(p instanceof KreviewError)) out.push(p);
  return out;
}

const show = (s: Series): string => `v${s.version} cover=${s.cover?.id ?? '-'} patches=[${s.patches.map((p) => p.id.replace(/@.*/, '')).join(',')}]${s.complete ? ' complete' : ''}`;

describe('series on real threads', () => {
  it('a [PATCH v2 0/2] cover with unversioned [PATCH 1/2] and [PATCH 2/2] under it is one v2 series (linux-btrfs, 2025-08-21)', async () => {
    const patches = await read('btrfs-v2-cover-unversioned-parts.mbox');
    expect(groupSeries(patches).map(show)).toEqual(['v2 cover=20250821131557.5185-1-sunk67188@gmail.com patches=[20250821131557.5185-2-sunk67188,20250821131557.5185-3-sunk67188] complete']);
    // The daemon's assembler reviews it whole with its cover (and the cover's base-commit:), abandoning nothing.
    const a = assemble(patches.map((patch) => ({ patch, receivedAt: 0, lists: [] })), { partialWaitMs: 0, settleMs: 0 }, 1, () => null);
    expect(a.abandoned).toEqual([]);
    expect(a.ready.map((r) => show(r.series))).toEqual(groupSeries(patches).map(show));
  });

  it('[PATCH v3 1/2] with an unversioned [PATCH 2/2] answering it is one v3 series (linux-ext4, 2020-06-22)', async () => {
    const patches = await read('ext4-v3-first-part-only.mbox');
    expect(groupSeries(patches).map(show)).toEqual([
      'v3 cover=- patches=[1592831677-13945-1-git-send-email-wangshilong1991,1592831677-13945-2-git-send-email-wangshilong1991] complete',
    ]);
  });

  it('a cover letter without a [PATCH 0/N] tag is the cover of the parts that answer it (linux-btrfs, 2026-01-08)', async () => {
    const patches = await read('btrfs-cover-without-tag.mbox');
    const series = groupSeries(patches);
    expect(series).toHaveLength(1);
    expect(series[0].cover?.id).toBe('20260108141934.2052404-1-hch@lst.de');
    expect(series[0].patches).toHaveLength(11);
    expect(series[0].complete).toBe(true);
  });

  it('a counter-less cover that no part answers makes no series with patches, and the assembler lets it go', async () => {
    const [cover] = (await read('btrfs-cover-without-tag.mbox')).filter((p) => p.id === '20260108141934.2052404-1-hch@lst.de');
    const a = assemble([{ patch: cover, receivedAt: 0, lists: [] }], { partialWaitMs: 0, settleMs: 0 }, 1, () => null);
    expect(a.ready).toEqual([]);
    expect(a.abandoned).toEqual([cover.id]);
  });

  it('a [PATCHSET v2 2/2] cover (a set of sets, no patch tag, a diffstat) is the cover of the [PATCH i/2] parts answering it (linux-xfs, 2026-02)', async () => {
    const patches = await read('xfs-patchset-cover.mbox');
    const series = groupSeries(patches);
    expect(series.map(show)).toEqual([
      'v1 cover=177154903995.1351989.7277473944406826383.stgit@frogsfrogsfrogs patches=[177154904025.1351989.18130031325957531561.stgit,177154904047.1351989.1087153602279831695.stgit] complete',
    ]);
  });

  // What the daemon's intake keeps for assembly: patches and covers, not the replies between them.
  const waitingOf = (patches: Patch[], at: (p: Patch) => number = () => 0) =>
    patches.filter((p) => ['patch', 'cover'].includes(classifyMessage(p))).map((patch) => ({ patch, receivedAt: at(patch), lists: [] }));
  const reviewedIds = (a: ReturnType<typeof assemble>): string[] => a.ready.flatMap((r) => r.messageIds).sort();

  it('[PATCH -next v7 5/5] sent in answer to a review of v6 5/5 (not to v6 5/5 itself) borrows v6 0/5-4/5: none of them is dropped (linux-raid, 2023-04-13)', async () => {
    const patches = await read('raid-partial-reroll-through-reply.mbox');
    const v6 = (i: number) => `20230413113217.1934353-${i + 1}-yukuai1@huaweicloud.com`;
    const v7 = '20230414013246.1969224-1-yukuai1@huaweicloud.com';
    // The only link from v7 5/5 to v6 is the review it answers, which intake keeps no headers of.
    expect(patches.find((p) => p.id === v7)?.mail?.references).toEqual(['961691d0-7224-caad-6c19-d9c8ca07a801@deltatee.com']);
    const series = groupSeries(waitingOf(patches).map((w) => w.patch));
    expect(series.map(show)).toEqual([
      `v6 cover=${v6(0)} patches=[${[1, 2, 3, 4, 5].map((i) => v6(i).replace(/@.*/, '')).join(',')}] complete`,
      `v7 cover=${v6(0)} patches=[${[1, 2, 3, 4].map((i) => v6(i).replace(/@.*/, '')).join(',')},${v7.replace(/@.*/, '')}] complete`,
    ]);
    // Both versions waiting at once (a backlog, or a daemon that was down): what b4 am applies is
    // reviewed, v6's cover and 1/5-4/5 with v7's 5/5; only v6's own 5/5 is superseded. Before, v7's
    // 5/5 made a series of one part of the same identity, and v6 was superseded whole: four patches
    // never reviewed.
    const hour = 3_600_000;
    const a = assemble(waitingOf(patches, (p) => (p.id === v7 ? 14 * hour : 0)), { partialWaitMs: hour, settleMs: 0 }, 16 * hour, () => null);
    expect(reviewedIds(a)).toEqual([v6(0), v6(1), v6(2), v6(3), v6(4), v7].sort());
    expect(a.superseded.filter((id) => !reviewedIds(a).includes(id))).toEqual([v6(5)]);
  });

  it('a part that borrows through an unknown message waits the partial wait after it arrives (a fresh v7 may still be in transit)', async () => {
    const patches = await read('raid-partial-reroll-through-reply.mbox');
    const v7 = '20230414013246.1969224-1-yukuai1@huaweicloud.com';
    const hour = 3_600_000;
    const waiting = waitingOf(patches, (p) => (p.id === v7 ? 14 * hour : 0));
    const early = assemble(waiting, { partialWaitMs: hour, settleMs: 0 }, 14 * hour + hour / 2, () => null);
    expect(early.ready).toEqual([]);
    // v6 is not superseded meanwhile: it would leave the waiting messages, and v7 would find nothing to borrow.
    expect(early.superseded).toEqual([]);
    expect(reviewedIds(assemble(waiting, { partialWaitMs: hour, settleMs: 0 }, 15 * hour, () => null))).toContain(v7);
  });

  it('[PATCH RFC 0/3] with parts numbered 1/2, 2/2 and 3/3, all answering it, is one series of three (linux-raid, 2024-02-19)', async () => {
    const patches = await read('raid-rfc-miscounted-parts.mbox');
    const id = (i: number) => `20240219062621.92960-${i}-xni@redhat.com`;
    expect(groupSeries(patches).map(show)).toEqual([`v1 cover=${id(1)} patches=[${[2, 3, 4].map((i) => id(i).replace(/@.*/, '')).join(',')}] complete`]);
    const a = assemble(waitingOf(patches), { partialWaitMs: 0, settleMs: 0 }, 1, () => null);
    expect(a.ready.map((r) => r.messageIds)).toEqual([[id(1), id(2), id(3), id(4)]]);
  });

  it('a [PATCH V2] sent in answer to a review whose parent never reached the list supersedes the [PATCH]; V2 is reviewed (linux-raid, 2025-09)', async () => {
    const patches = await read('raid-v2-after-missing-reply.mbox');
    const v1 = 'b58dddf537d5aa7519670a4df5838e7056a37c2a.1758201368.git.heinzm@redhat.com';
    const v2 = 'd4bab4c8921eaecae856447131c4f4f1aa190dd3.1758631268.git.heinzm@redhat.com';
    const a = assemble(waitingOf(patches), { partialWaitMs: 0, settleMs: 0 }, 1, () => null);
    expect(reviewedIds(a)).toContain(v2);
    expect(a.superseded).toEqual([v1]);
  });
});
