// The Fixes: check on histories with conventions of their own, learned from the history itself:
// DPDK's layout (Fixes: and Cc: stable@dpdk.org in a paragraph above the sign-offs), a mirror whose
// tags name another tree's commits, and the same layout in a kernel history, which keeps the
// kernel's rules. Real repositories, built with git commit-tree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { describeConventions, fixesRules } from '../../src/git/conventions.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { defaultConfig } from '../../src/core/config.js';
import { TestRepo } from '../../test/helpers/git-repo.js';
import { messagePatch, runFixes } from './test-support.js';

const SOB = 'Signed-off-by: Pat Sender <pat@example.org>';

interface Built {
  repo: TestRepo;
  history: History;
  /** The canonical Fixes: line of the i-th feature commit. */
  line: (i: number) => string;
  head: string;
}

/**
 * 20 feature commits, a release tag, then 60 fixes of them (each feature fixed three times) written
 * by `fixMessage`. `root` is the first commit's subject.
 */
async function build(root: string, fixMessage: (n: number, fixesLine: string) => string): Promise<Built> {
  const repo = new TestRepo();
  const tree = repo.git('hash-object', '-t', 'tree', '-w', '/dev/null');
  let parent: string | null = null;
  let clock = 1_600_000_000;
  const commit = (msg: string): string => {
    clock += 60;
    const env = { ...process.env, GIT_AUTHOR_DATE: `${clock} +0000`, GIT_COMMITTER_DATE: `${clock} +0000`, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.org', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.org' };
    const args = ['commit-tree', tree, ...(parent ? ['-p', parent] : [])];
    parent = execFileSync('git', args, { cwd: repo.dir, input: msg, env, encoding: 'utf8' }).trim();
    return parent;
  };
  commit(`${root}\n`);
  const features: string[] = [];
  for (let i = 0; i < 20; i++) features.push(commit(`net/foo${i}: add feature ${i}\n\nAdds it.\n\n${SOB}\n`));
  repo.git('update-ref', 'refs/heads/master', parent!);
  repo.git('tag', 'v1.0', parent!);
  const line = (i: number) => repo.git('log', '-1', '--abbrev=12', '--format=Fixes: %h ("%s")', features[i]);
  const lines = features.map((_, i) => line(i));
  for (let n = 0; n < 60; n++) commit(fixMessage(n, lines[n % 20]));
  repo.git('update-ref', 'refs/heads/master', parent!);
  const history = await openHistory(repo.dir, { cacheDir: `${repo.dir}/.git/kreview-cache` });
  return { repo, history, line, head: parent! };
}

/** DPDK's contributing guide: Fixes:, Cc: stable@dpdk.org, a blank line, the sign-offs. */
const dpdkFix = (n: number, fixes: string) => `net/foo: fix bug ${n}\n\nThe thing broke.\n\n${fixes}\nCc: stable@dpdk.org\n\n${SOB}\n`;

describe('a DPDK-style history', () => {
  let x: Built;
  beforeAll(async () => {
    x = await build('initial commit', dpdkFix);
  }, 120_000);
  afterAll(async () => {
    await x?.history.close();
    x?.repo.remove();
  });

  it('learns the paragraph of its own, the stable address and the repeated fixes, and says so', async () => {
    const learned = await x.history.conventions();
    expect(learned.commits).toBe(81);
    expect(learned.tags).toBe(60);
    expect(learned.placement).toEqual({ 'trailer-block': 0, 'own-paragraph': 60, prose: 0 });
    expect(learned.stable[0]).toMatchObject({ address: 'stable@dpdk.org', fixCommits: 60 });
    expect(learned.after).toEqual({ Cc: 60 });
    expect(learned).toMatchObject({ targets: 20, refixedTargets: 20, tagsOnRefixed: 60, unresolvedTargets: 0, kernelRoot: false });
    const rules = fixesRules(defaultConfig().fixes, learned);
    expect(rules).toMatchObject({ placement: 'own-paragraph', stableAddress: 'stable@dpdk.org', alreadyFixed: false, mirror: false, kernel: false });
    const text = describeConventions(learned, rules);
    expect(text).toContain('own paragraph 60 (100%)');
    expect(text).toContain('in this tree 100% of Fixes tags sit in a paragraph of their own above the sign-offs');
  });

  it('a patch in the project\'s own layout draws no placement, stable or already-fixed remark', async () => {
    const f = await runFixes(messagePatch(dpdkFix(99, x.line(3)), { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id)).toEqual([]);
  });

  it('without the Cc, the stable question names the project\'s address', async () => {
    const msg = dpdkFix(99, x.line(3)).replace('Cc: stable@dpdk.org\n', '');
    const f = await runFixes(messagePatch(msg, { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id)).toEqual(['fixes/stable-cc']);
    expect(f[0].explanation).toContain('"Cc: stable@dpdk.org"');
  });

  it('a CVE id, a Coverity issue or a Bugzilla ID in the paragraph of tags keeps it a paragraph of tags', async () => {
    for (const extra of ['CVE-2020-10722', 'Coverity issue 302859', 'Coverity issue: 302859', 'Bugzilla ID: 1234']) {
      const msg = dpdkFix(99, x.line(3)).replace('\nFixes:', `\n${extra}\nFixes:`);
      const f = await runFixes(messagePatch(msg, { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
      expect(f.map((y) => y.id), extra).toEqual([]);
    }
  });

  it('the config pins the kernel\'s placement back', async () => {
    const f = await runFixes(messagePatch(dpdkFix(99, x.line(3)), { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head, { placement: 'trailer-block' });
    expect(f.map((y) => [y.id, y.message])).toEqual([['fixes/placement', 'Fixes tag is outside the trailer block: it stands in a paragraph of its own above the last one']]);
  });
});

describe('the same layout in a kernel history', () => {
  let x: Built;
  beforeAll(async () => {
    x = await build('Linux 2.6.12-rc2', dpdkFix);
  }, 120_000);
  afterAll(async () => {
    await x?.history.close();
    x?.repo.remove();
  });

  it('keeps every kernel rule', async () => {
    const learned = await x.history.conventions();
    expect(learned.kernelRoot).toBe(true);
    const rules = fixesRules(defaultConfig().fixes, learned);
    expect(rules).toMatchObject({ placement: 'trailer-block', stableAddress: 'stable@vger.kernel.org', alreadyFixed: true, kernel: true });
    const f = await runFixes(messagePatch(dpdkFix(99, x.line(3)), { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id).sort()).toEqual(['fixes/already-fixed', 'fixes/placement', 'fixes/stable-cc']);
  });

  it('two targets fixed before: one already-fixed note listing both', async () => {
    const msg = `net/foo: fix two bugs\n\nBoth broke.\n\n${x.line(3)}\n${x.line(4)}\nCc: stable@vger.kernel.org\n${SOB}\n`;
    const f = await runFixes(messagePatch(msg, { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id)).toEqual(['fixes/already-fixed']);
    expect(f[0].message).toMatch(/^Fixes tag: Target [0-9a-f]{12}, [0-9a-f]{12} is already fixed by 6 other commit\(s\)$/);
    expect(f[0].evidence).toHaveLength(6);
  });
});

describe('a mirror: its tags name the commits of the tree it mirrors', () => {
  let x: Built;
  // Ids of another tree: none of them is here.
  const elsewhere = (n: number) => `Fixes: ${(0xa00000000000 + n * 0x123456789).toString(16)} ("lib: upstream change ${n}")`;
  beforeAll(async () => {
    x = await build('initial commit', (n) => `lib: fix bug ${n}\n\nSynced from the kernel.\n\n${elsewhere(n)}\n${SOB}\n`);
  }, 120_000);
  afterAll(async () => {
    await x?.history.close();
    x?.repo.remove();
  });

  it('says once, per patch, that the ids are not checked here, instead of an error per tag', async () => {
    const learned = await x.history.conventions();
    expect(learned.unresolvedTargets).toBe(60);
    const msg = `lib: fix two bugs\n\nSynced.\n\n${elsewhere(100)}\n${elsewhere(101)}\n${SOB}\n`;
    const f = await runFixes(messagePatch(msg, { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id)).toEqual(['fixes/upstream-id']);
    expect(f[0].explanation).toContain('100% of the commits this tree\'s Fixes tags name are not in it');
    const pinned = await runFixes(messagePatch(msg), x.history, x.head, { mirror: 'no' });
    expect(pinned.map((y) => y.id)).toEqual(['fixes/unknown-sha', 'fixes/unknown-sha']);
  });

  it('an upstream id whose subject is here too (the mirrored copy) is no "maybe you meant" either', async () => {
    const msg = `lib: fix it again\n\nSynced.\n\nFixes: ${(0xb00000000000).toString(16)} ("lib: fix bug 5")\n${SOB}\n`;
    const f = await runFixes(messagePatch(msg, { to: [{ name: 'Dev', email: 'dev@example.org' }] }), x.history, x.head);
    expect(f.map((y) => y.id)).toEqual(['fixes/upstream-id']);
  });
});
