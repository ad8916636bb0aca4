// Issue 9 row 4: one .c file with 100,000 hunks is reviewed in bounded time. The lock check reads the
// first limits.hunksPerFile hunks (and lines up to limits.linesPerFile) and says in one note what it left.
import { describe, expect, it } from 'vitest';
import { defaultConfig, type KreviewConfig } from '../../src/core/config.js';
import type { Limits } from '../../src/core/limits.js';
import { parseMail } from '../../src/patch/mail.js';
import { reviewSeries } from '../../src/review/pipeline.js';
import { groupSeries } from '../../src/series/group.js';

/** Generated: a mail whose one .c file has `n` hunks, each adding a sleep under a spinlock in a function of its own. */
function manyHunks(n: number, firstLine = 1): string {
  const parts = ['From: Dana Whitfield <dana@example.com>\nSubject: [PATCH] foo: sleep everywhere\nMessage-ID: <many@example.com>\n\nfoo: sleep everywhere\n\nSigned-off-by: Dana Whitfield <dana@example.com>\n---\ndiff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n'];
  for (let i = 0; i < n; i++) {
    const at = firstLine + i * 6;
    parts.push(`@@ -${at},4 +${at + i},5 @@ void f${i}(struct d *d)\n {\n \tspin_lock(&d->lock);\n+\tmsleep(1);\n \tspin_unlock(&d->lock);\n }\n`);
  }
  return parts.join('');
}

function config(limits: Partial<Limits>): KreviewConfig {
  const c = defaultConfig();
  return { ...c, enable: ['lock'], limits: { ...c.limits, ...limits } };
}

async function review(text: string, cfg: KreviewConfig) {
  const patch = await parseMail(Buffer.from(text), 'many.mbox');
  const [series] = groupSeries([patch]);
  const r = await reviewSeries(series, { repo: null, config: cfg });
  return r.patches[0];
}

describe('limits on one file diff', () => {
  it('a file of 100,000 hunks is reviewed in bounded time: the first hunksPerFile hunks checked, the rest said in one note', async () => {
    const text = manyHunks(100_000);
    expect(text.length).toBeGreaterThan(6_000_000);
    const started = Date.now();
    const pr = await review(text, config({ hunksPerFile: 200 }));
    // Generous: about 15 s here on a loaded machine; the old code ran past 600 s.
    expect(Date.now() - started).toBeLessThan(60_000);
    // Hunks past line linesPerFile are dropped with the workspace's note; of the rest the lock check reads the first 200.
    expect(pr.notes.filter((n) => /^foo\.c: \d+ hunks, more than limits\.hunksPerFile \(200\): the lock check read the first 200, the rest were not checked$/.test(n))).toHaveLength(1);
    const lines = pr.findings.filter((f) => f.id === 'lock/sleep-in-atomic').map((f) => (f.location.kind === 'file' ? f.location.line : 0));
    // Every hunk read has its note (the added line of hunk i is line 7i + 3), and none past the limit.
    expect(lines).toHaveLength(200);
    expect(Math.max(...lines)).toBe(199 * 7 + 3);
    expect(pr.errors).toEqual([]);
  }, 120_000);

  it('added lines past linesPerFile are not checked, and that is said once', async () => {
    const text = manyHunks(3, 1) + manyHunks(3, 500).split('+++ b/foo.c\n')[1].replace(/@@ -(\d+),4 \+(\d+),5/g, (_m, o, n) => `@@ -${o},4 +${Number(n) + 3},5`);
    const pr = await review(text, config({ linesPerFile: 100 }));
    // The workspace drops the hunks past the limit (one note); a hunk across it is cut by the lock check (its own note).
    expect(pr.notes.filter((n) => n.includes('(limits.linesPerFile)'))).toHaveLength(1);
    const lines = pr.findings.filter((f) => f.id === 'lock/sleep-in-atomic').map((f) => (f.location.kind === 'file' ? f.location.line : 0));
    expect(lines).toEqual([3, 10, 17]);
  });

  it('lines longer than lineLength are cut for the lock check, said once; the other functions are checked as usual', async () => {
    const long = `@@ -30,3 +30,4 @@ int g(void)\n {\n+\treturn ${'1 + '.repeat(5000)}1;\n }\n`;
    const pr = await review(manyHunks(2) + long, config({ lineLength: 200 }));
    expect(pr.notes).toContain('foo.c: lines longer than 200 characters (limits.lineLength) were cut there for the lock check');
    const got = pr.findings.map((f) => `${f.id} ${f.location.kind === 'file' ? f.location.line : ''}`);
    expect(got).toContain('lock/sleep-in-atomic 3');
    expect(got).toContain('lock/sleep-in-atomic 10');
  });
});
