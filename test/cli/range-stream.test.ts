// `kreview review --repo R A..B` writes each commit's review as soon as it and the commits before it
// are done, in commit order (issue 9 row 17, issue 13 item 4): the output of a long range appears
// while it runs, stays the same document the whole-run renderers make, and nothing of a commit is
// kept once it is written.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReview, streamReview } from '../../src/cli/review-command.js';
import { defaultConfig } from '../../src/core/config.js';
import type { PatchReview } from '../../src/core/types.js';
import { groupRemarks } from '../../src/review/group-remarks.js';
import { renderJson } from '../../src/review/render-json.js';
import { renderSarif } from '../../src/review/render-sarif.js';
import { renderText } from '../../src/review/render-text.js';
import { JsonWriter } from '../../src/review/render-json.js';
import type { ReviewSink } from '../../src/review/review-stream.js';
import { toolVersion } from '../../src/cli/version.js';
import { TestRepo } from '../helpers/git-repo.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';
import { gc } from '../helpers/collect.js';

const COMMITS = 48;
let repo: TestRepo;
let base: string;

/** A C file whose function changes with each commit, so every commit goes through the lock check. */
const file = (i: number): string => `#include <linux/mm.h>\n\nint step(struct page *page)\n{\n\tlock_page(page);\n${Array.from({ length: i + 1 }, (_, k) => `\tpage->index += ${k};\n`).join('')}\tunlock_page(page);\n\treturn 0;\n}\n`;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit('mm: add step\n\nSigned-off-by: A <a@example.org>\n', { files: { 'mm/step.c': file(0) } });
  for (let i = 1; i <= COMMITS; i++) {
    const fixes = i % 4 === 0 ? `Fixes: ${base.slice(0, 12)} ("mm: a wrong subject")\n` : '';
    repo.commit(`mm: step ${i}\n\n${fixes}Signed-off-by: A <a@example.org>\n`, { files: { 'mm/step.c': file(i) } });
  }
});

afterAll(() => repo.remove());

/** Runs the CLI, noting each chunk of stdout with the time it came and whether the process still ran. */
function streamCli(args: string[]): Promise<{ chunks: { text: string; at: number }[]; exitAt: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KREVIEW_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    const chunks: { text: string; at: number }[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => chunks.push({ text, at: Date.now() }));
    child.on('error', reject);
    child.on('close', (code) => resolve({ chunks, exitAt: Date.now(), code }));
  });
}

describe('a range review streams', { timeout: 300_000 }, () => {
  it('writes the first commits on the terminal while later ones are still in review, in commit order', async () => {
    const r = await streamCli(['review', '--repo', repo.dir, `${base}..HEAD`]);
    const all = r.chunks.map((c) => c.text).join('');
    expect(all).toContain(`kreview: ${COMMITS} patches reviewed`);
    // The first commit came in a piece of output of its own, before the end of the run did.
    const first = r.chunks.findIndex((c) => c.text.includes('--- mm: step 1\n'));
    const last = r.chunks.findIndex((c) => c.text.includes('kreview: '));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first);
    expect(r.chunks.length).toBeGreaterThan(3);
    // In commit order.
    const order = [...all.matchAll(/^--- mm: step (\d+)$/gm)].map((m) => Number(m[1]));
    expect(order).toEqual(Array.from({ length: COMMITS }, (_, i) => i + 1));
  });

  it('JSON: the same document as the whole-run renderer, its head written before the range ends', async () => {
    const r = await streamCli(['review', '--repo', repo.dir, `${base}..HEAD`, '--format', 'json']);
    expect(r.chunks[0].text.startsWith('{\n  "schema": "kreview-review"')).toBe(true);
    expect(r.chunks[0].text).not.toContain('"summary"');
    const whole = await runReview([`${base}..HEAD`], { repo: repo.dir }, defaultConfig());
    const grouped = groupRemarks(whole.reviews);
    expect(r.chunks.map((c) => c.text).join('')).toBe(renderJson(grouped.reviews, whole.inputErrors, toolVersion(), grouped.grouped));
    expect(r.code).toBe(0);
  });

  it('SARIF and rdjsonl are written as the findings come, and say what the whole-run renderers say', async () => {
    const r = await streamCli(['review', '--repo', repo.dir, `${base}..HEAD`, '--format', 'sarif', '--verbose']);
    const whole = await runReview([`${base}..HEAD`], { repo: repo.dir }, defaultConfig());
    const streamed = JSON.parse(r.chunks.map((c) => c.text).join(''));
    expect(streamed).toEqual(JSON.parse(renderSarif(whole.reviews, whole.inputErrors, toolVersion())));
    expect(streamed.runs[0].results.length).toBeGreaterThan(0);
  });
});

describe('the JSON writer', () => {
  it('writes byte for byte what renderJson writes: no series, errors, several series, summarised remarks', async () => {
    const run = await runReview([`${base}..HEAD`, `${base}..${base}`, `HEAD~2..HEAD`], { repo: repo.dir }, defaultConfig());
    expect(run.reviews).toHaveLength(2);
    expect(run.inputErrors).toHaveLength(1);
    const grouped = groupRemarks(run.reviews);
    for (const [reviews, errors, g] of [[[], [], []], [run.reviews, run.inputErrors, []], [grouped.reviews, [], grouped.grouped]] as const) {
      let text = '';
      const w = new JsonWriter((s) => (text += s), '9.9.9');
      w.begin(reviews.length);
      for (const rv of reviews) {
        w.seriesStart({ series: { ...rv.series }, patches: rv.patches.length, commits: rv.patches.length });
        for (const pr of rv.patches) w.patch(pr);
        w.seriesEnd();
      }
      w.end([...errors], [...g]);
      expect(text).toBe(renderJson([...reviews], [...errors], '9.9.9', [...g]));
    }
    expect(renderText(run.reviews, run.inputErrors, { colour: false, verbose: true })).toContain('=== mm: step 1');
  });
});

describe('what a range review keeps', { timeout: 300_000 }, () => {
  it('nothing of a commit once the sink has it: earlier reviews are collected while later ones run', async () => {
    const refs: WeakRef<PatchReview>[] = [];
    let aliveMidway = -1;
    const sink: ReviewSink = {
      begin() {},
      seriesStart() {},
      patch(pr) {
        refs.push(new WeakRef(pr));
        if (refs.length === COMMITS - 4) {
          gc();
          aliveMidway = refs.slice(0, 20).filter((r) => r.deref() !== undefined).length;
        }
      },
      seriesEnd() {},
      end() {},
    };
    await streamReview([`${base}..HEAD`], { repo: repo.dir }, defaultConfig(), sink);
    expect(refs).toHaveLength(COMMITS);
    expect(aliveMidway).toBe(0);
  });
});
