// GitHub texts from templates/github: markers kreview finds again, fences, escaping, the PR-body Message-ID, commands.
import { describe, expect, it } from 'vitest';
import { isRecheck } from '../../src/app/commands.js';
import { commitMessageId, seriesMessageId } from '../../src/app/mail-forward.js';
import type { PlacedFinding } from '../../src/app/placement.js';
import { fence, md, readMarkers, renderComment, renderOutdated } from '../../src/app/render.js';

const placed = (over: Partial<PlacedFinding['finding']> = {}): PlacedFinding => ({
  finding: {
    id: 'lock/reserve-under-page-lock',
    severity: 'warning',
    message: 'btrfs_delalloc_reserve_space() called with <page lock> held',
    location: { kind: 'file', path: 'fs/btrfs/inode.c', line: 12 },
    explanation: 'The reservation can flush delalloc and wait for writeback.',
    evidence: ['f4b1363cae43 ("btrfs: do not do delalloc reservation under page lock")'],
    ...over,
  },
  patch: {} as PlacedFinding['patch'],
  key: '0123456789abcdef',
  path: 'fs/btrfs/inode.c',
  headLine: 12,
});

describe('render', () => {
  it('renders an inline comment with its marker, escaped angle brackets and evidence', () => {
    const body = renderComment(placed());
    expect(body).toMatch(/^\*\*Warning\*\* `lock\/reserve-under-page-lock`: btrfs_delalloc_reserve_space\(\) called with &lt;page lock> held/);
    expect(body).toContain('- f4b1363cae43 ("btrfs: do not do delalloc reservation under page lock")');
    expect(readMarkers(body)).toEqual([{ kind: 'comment', value: '0123456789abcdef' }]);
    expect(body).not.toContain('```suggestion');
  });

  it('fences a suggestion as plain text, longer than any backticks inside', () => {
    expect(fence('Fixes: 123456789012 ("x")')).toBe('```text\nFixes: 123456789012 ("x")\n```');
    expect(fence('a ``` b')).toBe('````text\na ``` b\n````');
    expect(md('a -> b < c & d')).toBe('a -> b &lt; c & d');
  });

  it('turns an old comment into an outdated one that keeps its key', () => {
    const out = renderOutdated(renderComment(placed()), 'abcdef0123456789abcdef0123456789abcdef01');
    expect(out).toMatch(/^\*\*Outdated\*\*: kreview no longer reports this at abcdef012345\./);
    expect(readMarkers(out).map((m) => m.kind).sort()).toEqual(['comment', 'outdated']);
  });
});

describe('seriesMessageId', () => {
  it('finds the Message-ID as a header line or a lore / msgid link', () => {
    expect(seriesMessageId('Pull request for series with\nMessage-Id: <20240101.1-v3-0-abc@kernel.org>\n')).toBe('20240101.1-v3-0-abc@kernel.org');
    expect(seriesMessageId('see https://lore.kernel.org/bpf/20240101120000.1234-1-a%40b.org/')).toBe('20240101120000.1234-1-a@b.org');
    expect(seriesMessageId('https://patch.msgid.link/x-1@y.z')).toBe('x-1@y.z');
    expect(seriesMessageId('https://lore.kernel.org/bpf/a%ZZ@b/')).toBe('a%ZZ@b');
    expect(seriesMessageId('no id here')).toBeNull();
    expect(seriesMessageId(null)).toBeNull();
  });
});

describe('commitMessageId', () => {
  it('reads the Message-ID trailer of git am --message-id, else the last msgid link', () => {
    expect(commitMessageId('x: y\n\nbody\n\nSigned-off-by: A <a@b>\nMessage-ID: <20240101-x-v1-1-abc@kernel.org>\n')).toBe('20240101-x-v1-1-abc@kernel.org');
    expect(
      commitMessageId('x: y\n\nReported-by: R <r@b>\nCloses: https://lore.kernel.org/all/report-1@r.b/\nLink: https://lore.kernel.org/r/other%40x.y\nSigned-off-by: A <a@b>\nLink: https://patch.msgid.link/20240101-x-v1-1-abc@kernel.org\n'),
    ).toBe('20240101-x-v1-1-abc@kernel.org');
    expect(commitMessageId('x: y\n\nLink: https://bugzilla.kernel.org/show_bug.cgi?id=1\n')).toBeNull();
    expect(commitMessageId('x: y\n\nno trailers\n')).toBeNull();
  });
});

describe('isRecheck', () => {
  it('takes the command at the start of a line only', () => {
    expect(isRecheck('/kreview recheck')).toBe(true);
    expect(isRecheck('thanks!\n/kreview   recheck  \n')).toBe(true);
    expect(isRecheck('> /kreview recheck')).toBe(false);
    expect(isRecheck('please run /kreview recheck')).toBe(false);
    expect(isRecheck('/kreview rechecking')).toBe(false);
  });
});
