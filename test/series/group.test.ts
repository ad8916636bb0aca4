import { describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import fc from 'fast-check';
import type { Patch, Series } from '../../src/core/types.js';
import { parseMail } from '../../src/patch/mail.js';
import { patchFromCommit } from '../../src/patch/commit.js';
import { classifyMessage, seriesKeyOf } from '../../src/series/classify.js';
import { groupSeries } from '../../src/series/group.js';
import { readMessages } from '../../src/sources/mbox.js';
import { assemble } from '../../src/watch/assembler.js';

interface Spec {
  id: string;
  subject: string;
  irt?: string;
  refs?: string[];
  from?: string;
  /** Body lines; a small diff is added unless `diff: false`. */
  body?: string[];
  diff?: boolean;
  footer?: string[];
}

const DIFF = ['diff --git a/a.c b/a.c', '--- a/a.c', '+++ b/a.c', '@@ -1 +1 @@', '-x', '+y'];

async function mk(s: Spec): Promise<Patch> {
  const refs = s.refs ?? (s.irt ? [s.irt] : []);
  const headers = [
    `From: ${s.from ?? 'Jane Dev <jane@example.org>'}`,
    `Subject: ${s.subject}`,
    `Message-ID: <${s.id}>`,
    ...(s.irt ? [`In-Reply-To: <${s.irt}>`] : []),
    ...(refs.length ? [`References: ${refs.map((r) => `<${r}>`).join(' ')}`] : []),
  ];
  const withDiff = s.diff ?? !/ 0\/\d+\]/.test(s.subject);
  const body = [...(s.body ?? ['Text.', '', 'Signed-off-by: Jane Dev <jane@example.org>']), ...(withDiff ? ['---', ...DIFF] : []), ...(s.footer ?? [])];
  return parseMail(`${headers.join('\n')}\n\n${body.join('\n')}\n`, s.id);
}
const mkAll = (specs: Spec[]): Promise<Patch[]> => Promise.all(specs.map(mk));

/** A compact picture of series: `v2 cover=c patches=[p1,p2] missing=[3] complete`. */
const show = (series: Series[]): string[] =>
  series.map((s) => `v${s.version} cover=${s.cover?.id ?? '-'} patches=[${s.patches.map((p) => p.id).join(',')}] total=${s.total} missing=[${s.missing.join(',')}]${s.complete ? ' complete' : ''}`);

const threadV1 = (): Spec[] => [
  { id: 'p2', subject: '[PATCH 2/3] b', irt: 'c' },
  { id: 'p1', subject: '[PATCH 1/3] a', irt: 'c' },
  { id: 'p3', subject: '[PATCH 3/3] c', irt: 'c' },
  { id: 'c', subject: '[PATCH 0/3] topic' },
];

describe('groupSeries', () => {
  it('orders parts that arrived out of order, cover letter last', async () => {
    expect(show(groupSeries(await mkAll(threadV1())))).toEqual(['v1 cover=c patches=[p1,p2,p3] total=3 missing=[] complete']);
  });

  it('lists parts that never came', async () => {
    const got = groupSeries(await mkAll(threadV1().filter((s) => s.id !== 'p2')));
    expect(show(got)).toEqual(['v1 cover=c patches=[p1,p3] total=3 missing=[2]']);
  });

  it('makes one series per version, oldest first, whether or not v2 is threaded under v1', async () => {
    const v2 = (irt?: string): Spec[] => [
      { id: 'c2', subject: '[PATCH v2 0/2] topic', irt, refs: irt ? [irt] : [] },
      { id: 'q1', subject: '[PATCH v2 1/2] a', irt: 'c2', refs: [...(irt ? [irt] : []), 'c2'] },
      { id: 'q2', subject: '[PATCH v2 2/2] b', irt: 'c2', refs: [...(irt ? [irt] : []), 'c2'] },
    ];
    const v1: Spec[] = [{ id: 'c', subject: '[PATCH 0/2] topic' }, { id: 'p1', subject: '[PATCH 1/2] a', irt: 'c' }, { id: 'p2', subject: '[PATCH 2/2] b', irt: 'c' }];
    const want = ['v1 cover=c patches=[p1,p2] total=2 missing=[] complete', 'v2 cover=c2 patches=[q1,q2] total=2 missing=[] complete'];
    expect(show(groupSeries(await mkAll([...v2(), ...v1])))).toEqual(want);
    expect(show(groupSeries(await mkAll([...v1, ...v2('c')])))).toEqual(want);
  });

  it('does not take replies as patches, even with [PATCH and a quoted diff', async () => {
    const got = groupSeries(await mkAll([
      ...threadV1(),
      { id: 'r1', subject: 'Re: [PATCH 1/3] a', irt: 'p1', refs: ['c', 'p1'], body: ['> -x', '> +y', '', 'Looks good.', '', 'Reviewed-by: R <r@x>'], diff: false },
      { id: 'r2', subject: '[PATCH 2/3] b', irt: 'p2', refs: ['c', 'p2'], body: ['> diff --git a/a.c b/a.c', '> -x', '', 'Why?'], diff: false },
      { id: 'r3', subject: 'AW: [PATCH 3/3] c', irt: 'p3', refs: ['c', 'p3'], body: ['Quoted in full:'] },
    ]));
    expect(show(got)).toEqual(['v1 cover=c patches=[p1,p2,p3] total=3 missing=[] complete']);
  });

  it('makes a lone patch without counters a series of one', async () => {
    const got = groupSeries(await mkAll([{ id: 'a', subject: '[PATCH] one' }, { id: 'b', subject: '[PATCH v2] one', irt: 'a' }, { id: 'c', subject: '[PATCH] other' }]));
    expect(show(got)).toEqual(['v1 cover=- patches=[a] total=1 missing=[] complete', 'v2 cover=- patches=[b] total=1 missing=[] complete', 'v1 cover=- patches=[c] total=1 missing=[] complete']);
  });

  it('keeps RFC and RESEND as attributes of the parts', async () => {
    const got = groupSeries(await mkAll([{ id: 'c', subject: '[RFC PATCH RESEND v3 0/1] t' }, { id: 'p', subject: '[RFC PATCH RESEND v3 1/1] a', irt: 'c' }]));
    expect(show(got)).toEqual(['v3 cover=c patches=[p] total=1 missing=[] complete']);
    expect(got[0].patches[0].prefix).toMatchObject({ rfc: true, resend: true });
  });

  it('lets a v2 of one patch sent in reply to its v1 borrow the other parts (partial reroll)', async () => {
    const got = groupSeries(await mkAll([...threadV1(), { id: 'p2v2', subject: '[PATCH v2 2/3] b', irt: 'p2', refs: ['c', 'p2'] }]));
    expect(show(got)).toEqual(['v1 cover=c patches=[p1,p2,p3] total=3 missing=[] complete', 'v2 cover=c patches=[p1,p2v2,p3] total=3 missing=[] complete']);
  });

  it('keeps v1 waiting while the v2 that borrows its parts settles, so none of v1 is dropped', async () => {
    const patches = await mkAll([...threadV1(), { id: 'p2v2', subject: '[PATCH v2 2/3] b', irt: 'p2', refs: ['c', 'p2'] }]);
    const waiting = patches.map((patch) => ({ patch, receivedAt: patch.id === 'p2v2' ? 1000 : 0, lists: [] }));
    const timing = { partialWaitMs: 60_000, settleMs: 500 };
    // Before it settles, nothing of v1 is superseded: marked so, it would leave the waiting messages,
    // and on the next pass v2's 2/3 would have no parts to borrow (v1's 1/3 and 3/3 never reviewed).
    const early = assemble(waiting, timing, 1200, () => null);
    expect([early.ready.length, early.superseded]).toEqual([0, []]);
    const late = assemble(waiting, timing, 1500, () => null);
    expect(late.ready.map((r) => r.messageIds)).toEqual([['c', 'p1', 'p2v2', 'p3']]);
    expect(late.superseded.filter((id) => !late.ready[0].messageIds.includes(id))).toEqual(['p2']);
  });

  it('does not borrow parts for a fresh v2 whose last part has not come yet', async () => {
    const got = groupSeries(await mkAll([...threadV1(), { id: 'n0', subject: '[PATCH v2 0/3] topic', irt: 'c' }, { id: 'n1', subject: '[PATCH v2 1/3] a', irt: 'n0', refs: ['c', 'n0'] }]));
    expect(show(got)).toEqual(['v1 cover=c patches=[p1,p2,p3] total=3 missing=[] complete', 'v2 cover=n0 patches=[n1] total=3 missing=[2,3]']);
  });

  it('groups unthreaded format-patch files by author, version and counters', async () => {
    const got = groupSeries(await mkAll([
      { id: 'a1', subject: '[PATCH 1/2] a' },
      { id: 'b1', subject: '[PATCH 1/2] other', from: 'Bob <bob@x>' },
      { id: 'a2', subject: '[PATCH 2/2] b' },
      { id: 'a1b', subject: '[PATCH 1/2] second series, same author' },
    ]));
    expect(show(got)).toEqual([
      'v1 cover=- patches=[a1,a2] total=2 missing=[] complete',
      'v1 cover=- patches=[b1] total=2 missing=[2]',
      'v1 cover=- patches=[a1b] total=2 missing=[2]',
    ]);
  });

  it('follows deep threading and a series without a cover', async () => {
    const got = groupSeries(await mkAll([
      { id: 'd1', subject: '[PATCH 1/3] a' },
      { id: 'd2', subject: '[PATCH 2/3] b', irt: 'd1', refs: ['d1'] },
      { id: 'd3', subject: '[PATCH 3/3] c', irt: 'd2', refs: ['d1', 'd2'] },
    ]));
    expect(show(got)).toEqual(['v1 cover=- patches=[d1,d2,d3] total=3 missing=[] complete']);
  });

  it('joins parts whose cover is missing from the input', async () => {
    const got = groupSeries(await mkAll(threadV1().filter((s) => s.id !== 'c').map((s) => ({ ...s, from: `Dev ${s.id} <same@x>` }))));
    expect(show(got)).toEqual(['v1 cover=- patches=[p1,p2,p3] total=3 missing=[] complete']);
  });

  it('keeps a cover whose patches never came, as a series with everything missing', async () => {
    expect(show(groupSeries(await mkAll([{ id: 'c', subject: '[PATCH v4 0/2] t' }])))).toEqual(['v4 cover=c patches=[] total=2 missing=[1,2]']);
  });

  it('uses change-id as the series id and drops duplicate Message-IDs', async () => {
    const specs = [{ id: 'c', subject: '[PATCH 0/1] t', footer: ['', 'change-id: 20240101-t-0123456789ab'] }, { id: 'p', subject: '[PATCH 1/1] a', irt: 'c' }];
    const patches = await mkAll([...specs, ...specs]);
    const got = groupSeries(patches);
    expect(got).toHaveLength(1);
    expect(got[0].id).toBe('20240101-t-0123456789ab');
    expect(got[0].patches).toHaveLength(1);
  });

  it('makes commits of a range one series', () => {
    const commits = ['a', 'b'].map((oid, i) => patchFromCommit({ oid: oid.repeat(40), parents: i ? ['a'.repeat(40)] : [], author: { name: 'n', email: 'e' }, date: 0, rawMessage: `s${i}\n`, source: 'r' }));
    expect(show(groupSeries(commits))).toEqual([`v1 cover=- patches=[${'a'.repeat(40)},${'b'.repeat(40)}] total=2 missing=[] complete`]);
  });

  it('groups the same way whatever order the messages come in', async () => {
    const all = await mkAll([...threadV1(), { id: 'x1', subject: '[PATCH v2 1/2] a', from: 'B <b@x>' }, { id: 'x2', subject: '[PATCH v2 2/2] b', irt: 'x1', from: 'B <b@x>' }]);
    const want = show(groupSeries(all)).sort();
    fc.assert(fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (shuffled) => {
      expect(show(groupSeries(shuffled)).sort()).toEqual(want);
    }), { numRuns: 50 });
  });

  it('stays fast on a mailbox of thousands of parts', async () => {
    const base = await mk({ id: 'tmpl', subject: '[PATCH 1/2] a' });
    const many: Patch[] = [];
    for (let s = 0; s < 2500; s++) {
      for (const index of [1, 2]) {
        const id = `s${s}p${index}`;
        many.push({ ...base, id, prefix: { ...base.prefix, index }, mail: { ...base.mail!, messageId: id, inReplyTo: index === 2 ? `s${s}p1` : null, references: index === 2 ? [`s${s}p1`] : [] } });
      }
    }
    const t = Date.now();
    const got = groupSeries(many);
    // Generous: the bound catches quadratic grouping, not a busy machine.
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(got).toHaveLength(2500);
    expect(got.every((s) => s.complete && s.patches.length === 2)).toBe(true);
  });

  it('reads a real lore thread: v2 with one part, v3 complete, a reply', async () => {
    const patches: Patch[] = [];
    for await (const m of readMessages(createReadStream(new URL('../fixtures/mail/real/thread-A-online-resize.mbox', import.meta.url)), 'thread-A')) patches.push(await parseMail(m.raw, m.source));
    const got = groupSeries(patches);
    expect(got.map((s) => [s.version, s.cover !== null, s.patches.map((p) => p.prefix.index), s.missing])).toEqual([
      [2, true, [1], [2, 3]],
      [3, true, [1, 2, 3], []],
    ]);
  });
});

describe('classifyMessage and seriesKeyOf', () => {
  it.each([
    [{ id: 'a', subject: '[PATCH 1/2] x' }, 'patch'],
    [{ id: 'a', subject: '[PATCH 0/2] x' }, 'cover'],
    [{ id: 'a', subject: 'Re: [PATCH 1/2] x' }, 'reply'],
    [{ id: 'a', subject: '[PATCH 1/2] x', irt: 'b', diff: false }, 'reply'],
    [{ id: 'a', subject: '[PATCH 1/2] x', diff: false }, 'other'],
    [{ id: 'a', subject: 'x: no prefix but a diff' }, 'patch'],
    [{ id: 'a', subject: '[GIT PULL] x' }, 'other'],
    [{ id: 'a', subject: 'hello', diff: false }, 'other'],
  ] as [Spec, string][])('%j is a %s', async (spec, want) => {
    expect(classifyMessage(await mk(spec))).toBe(want);
  });

  it('gives the parts of a default-threaded series one key per version', async () => {
    const keys = (await mkAll([...threadV1(), { id: 'n1', subject: '[PATCH v2 1/2] a' }, { id: 'n2', subject: '[PATCH v2 2/2] b', irt: 'n1' }])).map(seriesKeyOf);
    expect(keys).toEqual(['c#v1', 'c#v1', 'c#v1', 'c#v1', 'n1#v2', 'n1#v2']);
  });
});
