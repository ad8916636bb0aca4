// Which tree a patch is for and which base its series applies to: subject tags, the summary's
// project, paths against a small MAINTAINERS written for this test in the file's format, and
// bases tried in a maintainer's order with git apply on real repositories.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KreviewError, type Patch } from '../../src/core/types.js';
import { parseMaintainers } from '../../src/git/maintainers.js';
import { baseCandidates, chooseBase, routePatch } from '../../src/git/route.js';
import { parseMail } from '../../src/patch/mail.js';
import { groupSeries } from '../../src/series/group.js';
import { readInputs } from '../../src/sources/files.js';
import { TestRepo } from '../helpers/git-repo.js';

const MAINTAINERS = `List of maintainers (a test excerpt in the format of the kernel's file)
---------------------------------------------------------------------

	M: Mail patches to (a description line, indented)

BTRFS FILE SYSTEM
M:	Some One <one@example.org>
L:	linux-btrfs@vger.kernel.org
T:	git git://git.example.org/pub/scm/linux/kernel/git/kdave/linux.git
F:	fs/btrfs/
F:	include/linux/btrfs*
X:	fs/btrfs/tests/

NETWORKING [GENERAL]
L:	netdev@vger.kernel.org
T:	git git://git.example.org/pub/scm/linux/kernel/git/netdev/net-next.git
F:	net/
F:	include/net/*
N:	^drivers/net/.*phy

FIRMWARE LOADER
F:	drivers/base/firmware_loader/

THE REST
L:	linux-kernel@vger.kernel.org
T:	git git://git.example.org/pub/scm/linux/kernel/git/torvalds/linux.git
F:	*
F:	*/
`;

const m = parseMaintainers(MAINTAINERS);
const names = (path: string): string[] => m.sectionsFor(path).map((s) => s.name);

async function mail(subject: string, paths: string[], extra = ''): Promise<Patch> {
  const diff = paths.flatMap((p) => [`diff --git a/${p} b/${p}`, `--- a/${p}`, `+++ b/${p}`, '@@ -1,2 +1,2 @@', ' one', '-two', '+three']);
  const text = [`From: Jane Dev <jane@example.org>`, `Subject: ${subject}`, `Message-ID: <${Math.random().toString(36).slice(2)}@x>`, '', 'Text.', '', 'Signed-off-by: Jane Dev <jane@example.org>', extra, '---', ...diff, ''].join('\n');
  return parseMail(text, 'test');
}

describe('MAINTAINERS', () => {
  it('F: directories take everything below, globs stay within a component, X: excludes, N: matches anywhere, THE REST says nothing', () => {
    expect(names('fs/btrfs/inode.c')).toEqual(['BTRFS FILE SYSTEM']);
    expect(names('include/linux/btrfs_tree.h')).toEqual(['BTRFS FILE SYSTEM']);
    expect(names('fs/btrfs/tests/extent-io-tests.c')).toEqual([]);
    expect(names('include/net/sock.h')).toEqual(['NETWORKING [GENERAL]']);
    expect(names('include/net/netfilter/x.h')).toEqual([]);
    expect(names('drivers/net/phy/marvell.c')).toEqual(['NETWORKING [GENERAL]']);
    expect(names('cmds/filesystem.c')).toEqual([]);
    expect(m.knowsTop('drivers/brand-new/x.c')).toBe(true);
    expect(m.knowsTop('tests/btrfs/310')).toBe(false);
  });

  // Read from Debian's linux-source-6.1 package (a system tool of the tests: installed by
  // .ci/setup-system.sh, or the run stops naming it), never skipped when it is missing.
  it('reads the real kernel MAINTAINERS (Debian linux-source-6.1)', () => {
    const text = execFileSync('tar', ['--occurrence=1', '-xJf', '/usr/src/linux-source-6.1.tar.xz', '-O', 'linux-source-6.1/MAINTAINERS'], { encoding: 'utf8', maxBuffer: 8 << 20 });
    const real = parseMaintainers(text);
    expect(real.sectionsFor('fs/btrfs/inode.c').map((s) => s.name)).toContain('BTRFS FILE SYSTEM');
    expect(real.sectionsFor('net/core/dev.c').map((s) => s.name)).toContain('NETWORKING [GENERAL]');
    expect(real.sectionsFor('cmds/filesystem.c')).toEqual([]);
  }, 120_000);
});

describe('routePatch', () => {
  it('a user-space project named in the tag or the summary is not the kernel', async () => {
    expect(routePatch(await mail('[PATCH btrfs-progs] check: fix a leak', ['check/main.c']), m)).toMatchObject({ tree: 'btrfs-progs', kernel: false });
    expect(routePatch(await mail('[PATCH 1/2] btrfs-progs: check: add repair', ['check/main.c']), m)).toMatchObject({ tree: 'btrfs-progs', kernel: false });
    expect(routePatch(await mail('[PATCH fstests] btrfs: test a thing', ['tests/btrfs/310']), m)).toMatchObject({ tree: 'fstests', kernel: false });
    expect(routePatch(await mail('[PATCH u-boot v2] fs: btrfs: fix a read', ['fs/btrfs/inode.c']), m)).toMatchObject({ tree: 'u-boot', kernel: false });
  });

  it('paths no MAINTAINERS section covers, under no kernel top directory, are not the kernel', async () => {
    const r = routePatch(await mail('[PATCH] generic: add a test', ['tests/generic/777', 'common/rc']), m);
    expect(r).toMatchObject({ tree: 'unknown', kernel: false });
    expect(r.reason).toContain('tests/generic/777');
  });

  it('a patch to MAINTAINERS alone is a kernel patch (linux-block: "[PATCH] bcache: change maintainer\'s email address")', async () => {
    expect(routePatch(await mail("[PATCH] bcache: change maintainer's email address", ['MAINTAINERS']), m)).toMatchObject({ tree: 'linux', kernel: true });
    expect(routePatch(await mail('[PATCH v3] nvme-cli: nvmf-autoconnect: add a file', ['nvmf-autoconnect/udev-rules/x.rules']), m)).toMatchObject({ tree: 'nvme-cli', kernel: false });
  });

  it('kernel paths are the kernel, with the T: entries of their sections; [PATCH net-next] too', async () => {
    const r = routePatch(await mail('[PATCH net-next v2] net: fix', ['net/core/dev.c']), m);
    expect(r).toMatchObject({ tree: 'linux', kernel: true });
    expect(r.trees).toEqual(['git git://git.example.org/pub/scm/linux/kernel/git/netdev/net-next.git']);
    expect(routePatch(await mail('[PATCH] btrfs: fix', ['fs/btrfs/inode.c']), null)).toMatchObject({ kernel: true });
  });
});

describe('base choice', () => {
  const repo = new TestRepo();
  afterAll(() => repo.remove());
  const first = repo.commit('init', { files: { 'fs/btrfs/inode.c': 'one\ntwo\n', 'net/core/dev.c': 'one\ntwo\n' } });
  repo.git('branch', 'net-next');
  const moved = repo.commit('btrfs: rework', { files: { 'fs/btrfs/inode.c': 'zero\ntwo\n' } });

  it('candidates: base-commit:, the subject tree, the T: tree, the default, HEAD', async () => {
    const p = await mail('[PATCH net-next] net: fix', ['net/core/dev.c'], `\nbase-commit: ${first}`);
    const series = groupSeries([p])[0];
    const c = baseCandidates(series, [routePatch(p, m)], { 'net-next': 'net-next', 'kdave/linux.git': 'btrfs-next', default: 'master' });
    expect(c.map((x) => x.why)).toEqual(['base-commit:', '[PATCH net-next]', "the list's default", 'HEAD']);
    const b = await mail('[PATCH] btrfs: fix', ['fs/btrfs/inode.c']);
    const cb = baseCandidates(groupSeries([b])[0], [routePatch(b, m)], { 'kdave/linux.git': 'btrfs-next', default: 'master' });
    expect(cb.map((x) => x.why)).toEqual(['MAINTAINERS T: git://git.example.org/pub/scm/linux/kernel/git/kdave/linux.git', "the list's default", 'HEAD']);
  });

  it('tries the candidates until the series applies, and says which and why the others were not taken', async () => {
    const p = await mail('[PATCH] btrfs: fix', ['fs/btrfs/inode.c']);
    const series = groupSeries([p])[0];
    // At master the file starts with "zero": the patch needs "one"; net-next still has it.
    const got = await chooseBase(repo.dir, series, [
      { rev: 'no-such-branch', why: '[PATCH btrfs]' },
      { rev: 'master', why: "the list's default" },
      { rev: 'net-next', why: 'HEAD of net-next' },
    ]);
    expect(got).toMatchObject({ commit: first, applies: true, why: 'HEAD of net-next net-next' });
    expect(got.tried[0]).toBe('[PATCH btrfs] no-such-branch: not in the repository');
    expect(got.tried[1]).toMatch(/^the list's default master \([0-9a-f]{12}\): does not apply: 1\/1: error: patch failed: fs\/btrfs\/inode.c:1$/);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('a series that applies nowhere keeps the first base there is and says it does not apply', async () => {
    const p = await mail('[PATCH] btrfs: fix', ['fs/btrfs/nowhere.c']);
    const got = await chooseBase(repo.dir, groupSeries([p])[0], [{ rev: 'master', why: "the list's default" }]);
    expect(got).toMatchObject({ commit: moved, applies: false });
  });

  it('a real two-part series applies part after part (parts that touch the same file)', async () => {
    const r = new TestRepo();
    try {
      const base = r.commit('init', { files: { 'fs/btrfs/send.c': 'a\nb\nc\nd\n' } });
      r.commit('one', { files: { 'fs/btrfs/send.c': 'a\nB\nc\nd\n' } });
      r.commit('two', { files: { 'fs/btrfs/send.c': 'a\nB\nc\nD\n' } });
      const patches: Patch[] = [];
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const file = join(mkdtempSync(join(tmpdir(), 'kreview-fp-')), 's.mbox');
      writeFileSync(file, r.formatPatch(`${base}..HEAD`, '--thread', '--cover-letter'));
      for await (const p of readInputs([file])) if (!(p instanceof KreviewError)) patches.push(p);
      const series = groupSeries(patches)[0];
      expect(await chooseBase(r.dir, series, [{ rev: base, why: 'base-commit:' }])).toMatchObject({ commit: base, applies: true });
      expect(await chooseBase(r.dir, series, [{ rev: 'HEAD', why: 'HEAD' }])).toMatchObject({ applies: false });
    } finally {
      r.remove();
    }
  });
});

describe('base choice on the paths a series names', () => {
  it('a file the series creates must not be at the base; a file it changes must be, as it was', async () => {
    const r = new TestRepo();
    try {
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const base = r.commit('init', { files: { 'drivers/block/loop.c': 'a\nb\n', 'drivers/block/nbd.c': 'x\n' } });
      r.git('checkout', '-q', '-b', 'topic');
      r.commit('block: add brd helpers and use them', { files: { 'drivers/block/brd-helpers.c': 'new\n', 'drivers/block/loop.c': 'a\nB\n' } });
      r.commit('block: use the helpers in nbd too', { files: { 'drivers/block/brd-helpers.c': 'new\nmore\n' } });
      const file = join(mkdtempSync(join(tmpdir(), 'kreview-fp-')), 's.mbox');
      writeFileSync(file, r.formatPatch(`${base}..topic`, '--thread', '--cover-letter'));
      const patches: Patch[] = [];
      for await (const p of readInputs([file])) if (!(p instanceof KreviewError)) patches.push(p);
      const series = groupSeries(patches)[0];
      r.git('checkout', '-q', 'master');
      // The helper file already exists on this branch: the series cannot create it there.
      r.git('checkout', '-q', '-b', 'taken', base);
      const taken = r.commit('block: someone else added the file', { files: { 'drivers/block/brd-helpers.c': 'other\n' } });
      expect(await chooseBase(r.dir, series, [{ rev: base, why: 'base-commit:' }])).toMatchObject({ commit: base, applies: true });
      const got = await chooseBase(r.dir, series, [{ rev: taken, why: 'base-commit:' }]);
      expect(got).toMatchObject({ commit: taken, applies: false });
      expect(got.tried[0]).toMatch(/1\/2: error: drivers\/block\/brd-helpers.c: already exists in index/);
      expect(r.git('status', '--porcelain')).toBe('');
    } finally {
      r.remove();
    }
  });
});

describe('real traffic', () => {
  it('routes the btrfs-progs series of the real linux-btrfs fixture away from kernel rules', async () => {
    const patches: Patch[] = [];
    const file = fileURLToPath(new URL('../fixtures/mail/real/btrfs-300.mbox', import.meta.url));
    for await (const p of readInputs([file])) if (!(p instanceof KreviewError)) patches.push(p);
    const progs = patches.filter((p) => /btrfs-progs/.test(p.subject) && !p.prefix.isReply && p.files.length);
    expect(progs.length).toBeGreaterThan(0);
    for (const p of progs) expect(routePatch(p, m), p.subject).toMatchObject({ tree: 'btrfs-progs', kernel: false });
  });
});
