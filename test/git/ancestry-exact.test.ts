// History's ancestry and first-release answers against git's own, over every pair of a history
// with long linear stretches (longer than a base's chain), merges, and release tags on a branch
// that the main line never merges: the shortcuts a whole-history review takes must stay exact.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import { compareVersions } from '../../src/git/release-tags.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
afterAll(() => repo.remove());

/** Builds the history with one `git fast-import` (a commit per process would take minutes here). */
class Stream {
  private text = '';
  private marks = 0;
  private clock = 1_600_000_000;
  /** Commits `n` empty commits on `branch`, the first on top of `from` (and merging `merge`); their marks. */
  line(branch: string, n: number, opts: { from?: number; merge?: number; prefix?: string } = {}): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const mark = ++this.marks;
      const msg = `${opts.prefix ?? branch} ${i}\n`;
      this.text += `commit refs/heads/${branch}\nmark :${mark}\ncommitter T <t@example.org> ${(this.clock += 60)} +0000\ndata ${msg.length}\n${msg}`;
      if (i === 0 && opts.from) this.text += `from :${opts.from}\n`;
      if (i === 0 && opts.merge) this.text += `merge :${opts.merge}\n`;
      this.text += '\n';
      out.push(mark);
    }
    return out;
  }
  tag(name: string, mark: number): void {
    this.text += `reset refs/tags/${name}\nfrom :${mark}\n\n`;
  }
  /** Runs the stream; the commit id of every mark. */
  run(): Map<number, string> {
    const marks = join(repo.dir, '.git', 'test-marks');
    execFileSync('git', ['fast-import', '--quiet', `--export-marks=${marks}`], { cwd: repo.dir, input: this.text });
    return new Map(readFileSync(marks, 'utf8').trim().split('\n').map((l) => { const [m, oid] = l.split(' '); return [Number(m.slice(1)), oid]; }));
  }
}

describe('ancestry and first releases over a whole history', () => {
  it('agree with git for every pair of commits, in range order and shuffled', async () => {
    const s = new Stream();
    const mainM = s.line('master', 90, { prefix: 'main' });
    s.tag('v1.0', mainM[10]);
    s.tag('v1.1', mainM[50]);
    // A maintenance tag on a branch forked early and never merged: the first tag of old commits,
    // in version order, that no later base of the main line reaches.
    const maintM = s.line('maint', 3, { from: mainM[7] });
    s.tag('v0.9', maintM[2]);
    // A side branch merged back: its commits reach the main line only through the merge.
    const sideM = s.line('side', 4, { from: mainM[30] });
    s.tag('v1.0.1', sideM[3]);
    const [mergeM] = s.line('master', 1, { from: mainM[89], merge: sideM[3], prefix: 'merge side' });
    const afterM = s.line('master', 70, { prefix: 'after' });
    s.tag('v2.0-rc1', afterM[20]);
    s.tag('v2.0', afterM[60]);
    const oid = s.run();
    const [main, maint, side, after] = [mainM, maintM, sideM, afterM].map((ms) => ms.map((m) => oid.get(m)!));
    const merge = oid.get(mergeM)!;
    const all = [...main, ...maint, ...side, merge, ...after];

    // git's answers: the parents of every commit, walked here.
    const parents = new Map(repo.git('rev-list', '--parents', '--all').split('\n').map((l) => { const [c, ...p] = l.split(' '); return [c, p]; }));
    const reachOf = (c: string): Set<string> => {
      const seen = new Set<string>();
      const stack = [c];
      while (stack.length) {
        const x = stack.pop()!;
        if (seen.has(x)) continue;
        seen.add(x);
        stack.push(...(parents.get(x) ?? []));
      }
      return seen;
    };
    const reach = new Map(all.map((c) => [c, reachOf(c)]));
    const tags = repo
      .git('for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/tags')
      .split('\n')
      .map((l) => l.split(' '))
      .sort((a, b) => compareVersions(a[0], b[0]));
    const firstRelease = (target: string, base: string): string | null => {
      if (!reach.get(base)!.has(target)) return null;
      const t = tags.find(([, commit]) => reach.get(base)!.has(commit) && reach.get(commit)!.has(target));
      return t ? t[0] : null;
    };

    const h = await openHistory(repo.dir, { cacheDir: mkdtempSync(join(tmpdir(), 'kreview-anc-exact-')) });
    try {
      // Range order (each base after its parent), as a whole-history review asks, then shuffled.
      const targets = all.filter((_, i) => i % 3 === 0);
      const shuffled = [...all].sort((a, b) => (a.slice(5, 9) < b.slice(5, 9) ? -1 : 1));
      for (const bases of [all, shuffled]) {
        const want: string[] = [];
        const got: string[] = [];
        for (const base of bases)
          for (const t of targets) {
            want.push(`${t} ${base} ${reach.get(base)!.has(t)} ${firstRelease(t, base)}`);
            got.push(`${t} ${base} ${await h.isAncestor(t, base)} ${await h.firstRelease(t, base, 'v*')}`);
          }
        expect(got).toEqual(want);
      }
      // The cases the shortcuts must not get wrong, named.
      expect(await h.firstRelease(main[5], main[80], 'v*')).toBe('v1.0');
      expect(await h.firstRelease(main[5], maint[2], 'v*')).toBe('v0.9');
      expect(await h.firstRelease(side[0], after[0], 'v*')).toBe('v1.0.1');
      expect(await h.firstRelease(main[25], after[69], 'v*')).toBe('v1.0.1');
      expect(await h.firstRelease(main[40], after[69], 'v*')).toBe('v1.1');
    } finally {
      await h.close();
    }
  }, 120_000);
});
