import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SubjectPrefix } from '../../src/core/types.js';
import { parseSubject } from '../../src/patch/subject.js';

/** Renders a prefix back into a subject, the way git format-patch and b4 write it. */
function renderSubject(p: Pick<SubjectPrefix, 'version' | 'index' | 'total' | 'rfc' | 'resend' | 'tree' | 'summary'>): string {
  const words = [p.rfc ? 'RFC PATCH' : 'PATCH'];
  if (p.resend) words.push('RESEND');
  if (p.tree) words.push(p.tree);
  if (p.version > 1) words.push(`v${p.version}`);
  if (p.index !== null && p.total !== null) {
    const width = String(p.total).length;
    words.push(`${String(p.index).padStart(width, '0')}/${p.total}`);
  }
  return `[${words.join(' ')}] ${p.summary}`;
}

type Want = Partial<ReturnType<typeof parseSubject>>;
const cases: [string, Want][] = [
  ['[PATCH v3 2/7] btrfs: fix it', { isPatch: true, version: 3, index: 2, total: 7, tree: null, summary: 'btrfs: fix it' }],
  ['[PATCH net-next v4 3/3] net: foo', { version: 4, index: 3, total: 3, tree: 'net-next', summary: 'net: foo' }],
  ['[PATCH V12 05/09] mm: bar', { version: 12, index: 5, total: 9 }],
  ['[PATCHv3 02/10] x: y', { isPatch: true, version: 3, index: 2, total: 10 }],
  ['[RFC PATCH 1/2] a: b', { rfc: true, version: 1, index: 1, total: 2 }],
  ['[RFCv2 PATCH 1/2] a: b', { rfc: true, version: 2 }],
  ['[PATCH RESEND v2] a: b', { resend: true, version: 2, index: null, total: null }],
  ['[PATCH -next] a: b', { tree: 'next' }],
  ['[PATCH bpf-next] a: b', { tree: 'bpf-next', version: 1 }],
  ['[PATCH v2 bpf 0/3] cover', { tree: 'bpf', index: 0, total: 3, version: 2 }],
  ['[f2fs-dev] [PATCH v2 1/3] f2fs: z', { tags: ['f2fs-dev', 'PATCH v2 1/3'], version: 2, index: 1, summary: 'f2fs: z' }],
  ['Re: [PATCH v3 2/7] btrfs: fix it', { isReply: true, isPatch: true, version: 3, summary: 'btrfs: fix it' }],
  ['RE: [PATCH] x', { isReply: true }],
  ['AW: [PATCH] x', { isReply: true }],
  ['Sv: Re: [PATCH] x', { isReply: true }],
  ['Odp: [PATCH] x', { isReply: true }],
  ['回复: [PATCH] x', { isReply: true, summary: 'x' }],
  ['Re[2]: [PATCH] x', { isReply: true }],
  ['[f2fs-dev] Re: [PATCH] x', { isReply: true, tags: ['f2fs-dev', 'PATCH'] }],
  ['Fwd: [PATCH] x', { isReply: false, isPatch: true, summary: 'x' }],
  ['[PATCH] [v2] [1/3] old style', { version: 2, index: 1, total: 3 }],
  ['[PATCH] Re: the summary keeps it', { isReply: false, summary: 'Re: the summary keeps it' }],
  ['[GIT PULL] btrfs fixes', { isPatch: false, tree: null, summary: 'btrfs fixes' }],
  ['r8169: not a reply marker', { isReply: false, isPatch: false, summary: 'r8169: not a reply marker' }],
  ['[PATCH 6.1.y] stable backport', { tree: '6.1.y' }],
  ['[PATCH AUTOSEL 6.6 07/12] selected for stable', { tree: '6.6', index: 7, total: 12 }],
  ['[PATCH 1/2][v2] glued groups', { version: 2, index: 1, total: 2, summary: 'glued groups' }],
  ['[PATCH-v4 3/3] dash', { version: 4, index: 3 }],
  ['[PATCH v2,1/3] comma', { version: 2, index: 1, total: 3 }],
  ['  [PATCH   v2 1/3]   folded\t header   text ', { summary: 'folded header text', version: 2 }],
  // Real subjects from the linux-block, linux-btrfs, linux-ext4, linux-nfs and linux-xfs archives:
  // patch words joined to other words by a dash.
  ['[PATCH-RFC] btrfs: for unclustered allocation don\'t consider ffe_ctl->empty_cluster', { isPatch: true, rfc: true, tree: null, summary: "btrfs: for unclustered allocation don't consider ffe_ctl->empty_cluster" }],
  ['[RFC-PATCH] xfs: do not update sunit/swidth in the superblock to match those provided during mount', { isPatch: true, rfc: true, tree: null }],
  ['[PATCH -RFC 2/2] ext4: avoid data corruption when extending DIO write race with buffered read', { isPatch: true, rfc: true, tree: null, index: 2, total: 2 }],
  ['[PATCH-next v4] loop: loop_set_status_from_info() check before assignment', { isPatch: true, rfc: false, version: 4, tree: 'next' }],
  ['[PATCH-next] nbd: fix incomplete validation of ioctl arg', { isPatch: true, version: 1, tree: 'next' }],
  ['[PATCH-block v3 1/2] bdi, blk-cgroup: Fix potential UAF of blkcg', { isPatch: true, version: 3, index: 1, total: 2, tree: 'block', summary: 'bdi, blk-cgroup: Fix potential UAF of blkcg' }],
  ['[PATCH-block v3 0/2] blk-cgroup: Fix potential UAF & flush rstat at blkgs destruction path', { isPatch: true, version: 3, index: 0, total: 2, tree: 'block' }],
  ['[STABLE-PATCH] xfs: Correctly invert xfs_buftarg LRU isolation logic', { isPatch: true, tree: 'STABLE' }],
  ['[RFC-v2 1/2] a: b', { isPatch: true, rfc: true, version: 2, index: 1 }],
  ['[PATCH-net-next v2] a: tree names keep their own dashes', { isPatch: true, version: 2, tree: 'net-next' }],
];

describe('parseSubject', () => {
  it.each(cases)('%s', (subject, want) => {
    expect(parseSubject(subject)).toMatchObject(want);
  });

  it('round-trips any rendered prefix', () => {
    const reserved = /^(patch|rfc|rft|resend\d*|repost|fyi|for-review|autosel|v\d+|(patch|rfc|rft)-?v\d+)$/i;
    // A tree whose dash-separated end is a patch word (`rfc-x`, `x-patch`) reads as tags, as real mail means it.
    const dashedTag = /(^|-)(patch|rfc|rft|(patch|rfc|rft)-?v\d+)(-|$)/i;
    const tree = fc.option(fc.oneof(fc.constantFrom('net-next', 'bpf', 'mm-hotfixes', 'next', '6.6.y'), fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,12}$/).filter((t) => !reserved.test(t) && !dashedTag.test(t) && !/^\d+\/\d+$/.test(t))), { nil: null });
    const marker = fc.constantFrom('Re: ', 'RE: ', 'AW: ', 'Sv: ', 'Odp: ', '回复: ', 'Re[3]: ', 'Re: Re: ');
    const summary = fc.stringMatching(/^[a-z][a-z0-9 :_-]{0,40}[a-z0-9]$/).filter((s) => !/ {2}/.test(s));
    const counter = fc.integer({ min: 1, max: 150 }).chain((total) =>
      fc.record({ index: fc.integer({ min: 0, max: total }), total: fc.constant(total) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), tree, fc.integer({ min: 1, max: 40 }), fc.option(counter), summary, marker,
        (rfc, resend, t, version, c, s, m) => {
          const p = { rfc, resend, tree: t, version, index: c?.index ?? null, total: c?.total ?? null, summary: s };
          const got = parseSubject(renderSubject(p));
          expect(got).toMatchObject({ ...p, isPatch: true, isReply: false });
          expect(parseSubject(`${m}${renderSubject(p)}`)).toMatchObject({ ...p, isReply: true });
          expect(parseSubject(`[some-list] ${m}${renderSubject(p)}`)).toMatchObject({ ...p, isReply: true });
        }),
      { numRuns: 300 },
    );
  });
});
