// The generated benchmark history is what it claims: every planted Fixes: tag has the property of
// its kind in the real repository (checked through History), and the same seed gives the same ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHistory, FIXES_KINDS, type GeneratedHistory } from '../../bench/gen-history.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';

const root = mkdtempSync(join(tmpdir(), 'kreview-gen-'));
let g: GeneratedHistory;
let h: History;

beforeAll(async () => {
  g = await generateHistory(join(root, 'a'), { commits: 1500, fixesTags: 45, seed: 7, releaseEvery: 100 });
  h = await openHistory(g.dir);
}, 120_000);

afterAll(async () => {
  await h?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('generateHistory', () => {
  it('makes the commits, releases and tags it was asked for', async () => {
    expect(g.commits).toHaveLength(1500);
    expect(g.releases.length).toBeGreaterThanOrEqual(10);
    expect(await h.revParse('HEAD')).toBe(g.head);
    expect(await h.revParse(g.releases[0].name)).toBe(g.releases[0].commit);
    const kinds = new Set(g.tags.map((t) => t.kind));
    expect([...kinds].sort()).toEqual([...FIXES_KINDS].sort());
  });

  it('plants each kind of Fixes: tag with the property it names', async () => {
    for (const t of g.tags) {
      const msg = (await h.message(t.commit))!;
      expect(msg.split('\n')[t.lineNo - 1]).toBe(t.line);
      const sha = /^Fixes: ([0-9a-f]+) \("(.*)"\)$/.exec(t.line)!;
      const r = (await h.resolve([sha[1]])).get(sha[1])!;
      const what = `${t.kind}: ${t.line}`;
      if (t.kind === 'missing') {
        expect(r.status, what).toBe('missing');
        continue;
      }
      expect(r, what).toMatchObject({ status: 'found', oid: t.target });
      if (t.kind === 'not-a-commit') {
        expect(r.type, what).toBe('blob');
        continue;
      }
      const target = (await h.commits([t.target!])).get(t.target!)!;
      expect(sha[2] === target.subject, what).toBe(t.kind !== 'wrong-subject');
      expect(sha[1].length, what).toBe(t.kind === 'short-sha' ? 8 : 12);
      expect(await h.isAncestor(t.target!, t.commit), what).toBe(t.kind !== 'not-ancestor');
      expect(target.parents.length === 2, what).toBe(t.kind === 'target-merge');
      expect((await h.revertsOf(t.target!, t.commit)).length > 0, what).toBe(t.kind === 'target-reverted');
      const fixers = (await h.fixersOf(t.target!, t.commit)).map((c) => c.oid);
      expect(fixers, what).toContain(t.commit);
      expect(fixers.length > 1, what).toBe(t.kind === 'already-fixed');
    }
  });

  it('gives the same history for the same seed', async () => {
    const again = await generateHistory(join(root, 'b'), { commits: 1500, fixesTags: 45, seed: 7, releaseEvery: 100 });
    expect(again.head).toBe(g.head);
    expect(again.tags).toEqual(g.tags);
  }, 120_000);
});
