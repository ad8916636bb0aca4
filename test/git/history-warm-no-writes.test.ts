// A warm run writes nothing to the history index: opening it, catching up with refs that did not
// change and a whole-history Fixes review only read (each write is a transaction in the WAL, and a
// reader of the index sees it as a change). Seen from a second SQLite connection, whose
// `data_version` changes exactly when another connection commits. The tips the index records still
// follow the refs when they do change (a tag added, a tag deleted). Real git, real SQLite.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig, runReview } from '../../src/cli/review-command.js';
import { openHistory } from '../../src/git/history.js';
import { TestRepo } from '../helpers/git-repo.js';

const repo = new TestRepo();
const cache = mkdtempSync(join(tmpdir(), 'kreview-warm-writes-'));
afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

async function review(): Promise<number> {
  const run = await runReview(['HEAD'], { repo: repo.dir }, buildConfig({ checks: 'fixes' }));
  return run.reviews.flatMap((r) => r.patches).length;
}

function indexFile(): string {
  const files = readdirSync(cache).filter((f) => /^history-.*\.sqlite$/.test(f));
  expect(files).toHaveLength(1);
  return join(cache, files[0]);
}

describe('a warm run', () => {
  it('writes nothing to the history index, and the recorded tips still follow the refs', async () => {
    process.env.KREVIEW_CACHE = cache;
    const first = repo.commit('first\n', { files: { 'a.c': 'int a;\n' } });
    repo.tag('v1');
    repo.commit(`fix a\n\nFixes: ${first.slice(0, 12)} ("first")\n`, { files: { 'a.c': 'int a = 1;\n' } });
    repo.tag('v2');
    const more: string[] = [];
    for (let i = 0; i < 3; i++) more.push(repo.commit(`more ${i}\n`, { files: { 'b.c': `int b${i};\n` } }));
    // Cold, then warm once: whatever a first review keeps for the next (saved ids, stats) is written by now.
    expect(await review()).toBe(5);
    expect(await review()).toBe(5);
    const watcher = new Database(indexFile(), { readonly: true });
    try {
      const version = () => watcher.pragma('data_version', { simple: true }) as number;
      const tips = () => (watcher.prepare('SELECT oid FROM tips ORDER BY oid').pluck().all() as string[]).join(' ');
      const before = version();
      const h = await openHistory(repo.dir, { cacheDir: cache });
      await h.close();
      expect(await review()).toBe(5);
      expect(version()).toBe(before);

      // A tag added: recorded; a tag deleted: forgotten.
      repo.tag('v3', more[0]);
      await (await openHistory(repo.dir, { cacheDir: cache })).close();
      expect(tips().split(' ')).toContain(more[0]);
      expect(version()).not.toBe(before);
      repo.git('tag', '-d', 'v3', 'v1');
      const h2 = await openHistory(repo.dir, { cacheDir: cache });
      await h2.close();
      expect(tips().split(' ')).not.toContain(first);
      expect(tips().split(' ').sort()).toEqual([...new Set([repo.git('rev-parse', 'v2'), repo.head()])].sort());
    } finally {
      watcher.close();
    }
  });
});
