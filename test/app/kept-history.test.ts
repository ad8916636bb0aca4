// The app keeps each clone's History open between reviews and refreshes it after every fetch:
// a review on the kept History must say exactly what a review on a History opened afresh says,
// also about commits the base branch gained after the History was opened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixesTagCheck } from '../../checks/fixes-tag/index.js';
import { HistoryPool, type HistoryLease } from '../../src/git/history-pool.js';
import type { History } from '../../src/git/history-types.js';
import { startAppServer, type AppServer } from '../../src/app/server.js';
import { fixmeCheck } from './fixme-check.js';
import { BASE_FILE, Scenario, SECRET, withLines } from './scenario.js';
import { deliver, pullRequestPayload, rsaPrivateKey, unthrottledOctokit } from './webhooks.js';

/** A pool that remembers which History each review was handed. */
class WatchedPool extends HistoryPool {
  readonly handed: History[] = [];
  override async acquire(repo: string, open: () => Promise<History>): Promise<HistoryLease> {
    const lease = await super.acquire(repo, open);
    this.handed.push(lease.history);
    return lease;
  }
}

let s: Scenario;
let other: AppServer | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await other?.close();
  other = null;
  await s?.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const summaryOf = (headSha: string) =>
  [...s.gh.checkRuns.values()].filter((r) => r.head_sha === headSha && r.status === 'completed').map((r) => ({ conclusion: r.conclusion, summary: r.output?.summary }));

describe('the History kept between reviews', () => {
  it('is the same History for the next push, sees what the fetch brought, and reviews as a fresh one does', async () => {
    s = new Scenario();
    const pool = new WatchedPool();
    await s.start({ histories: pool });
    s.openPull(1, 'mm: counters');
    s.push('mm: count more\n\nSigned-off-by: A <a@example.org>\n', { 'mm/counters.c': withLines(BASE_FILE, { 3: ['int more; /* FIXME */'] }) });
    await s.send('opened');
    expect(summaryOf(s.pull.headSha)).toHaveLength(1);
    expect(pool.handed).toHaveLength(1);

    // The base branch moves on after the History was opened; the PR is rebased onto it and names
    // the new commit twice in Fixes: tags, once by a wrong id with the right subject.
    s.work.git('checkout', '-q', 'master');
    const helper = s.work.commit('mm: add the page counter helper\n', { files: { 'mm/helper.c': 'int helper;\n' } });
    const fixer = s.work.commit(`mm: fix the helper\n\nFixes: ${helper.slice(0, 12)} ("mm: add the page counter helper")\n`, {
      files: { 'mm/helper.c': 'int helper = 1;\n' },
    });
    s.pushMaster();
    s.work.git('checkout', '-q', '-B', 'pr-1', 'master');
    s.pull.baseSha = fixer;
    s.push(
      `mm: use the helper\n\nFixes: ${helper.slice(0, 12)} ("mm: add the page counter helper")\nFixes: 0123456789ab ("mm: add the page counter helper")\nSigned-off-by: A <a@example.org>\n`,
      { 'mm/counters.c': withLines(BASE_FILE, { 5: ['int use_helper; /* FIXME */'] }) },
    );
    await s.send('synchronize');
    expect(pool.handed).toHaveLength(2);
    expect(pool.handed[1]).toBe(pool.handed[0]);
    expect(pool.size).toBe(1);
    expect(pool.inUse).toBe(0);
    const kept = summaryOf(s.pull.headSha);
    expect(kept).toHaveLength(1);
    // What only the refreshed index knows: the wrong id's subject names the new commit, and the new
    // commit is already fixed by another commit of the base.
    expect(kept[0].summary).toContain(helper.slice(0, 12));
    expect(kept[0].summary).toContain(fixer.slice(0, 12));

    // The same head reviewed by another app on its own cache: a History opened afresh.
    const cache = mkdtempSync(join(tmpdir(), 'kreview-fresh-cache-'));
    dirs.push(cache);
    other = await startAppServer({
      appId: 1,
      privateKey: rsaPrivateKey(),
      secret: SECRET,
      baseUrl: s.gh.url,
      logLevel: 'fatal',
      Octokit: unthrottledOctokit(),
      app: { cacheDir: cache, queue: { spacingMs: 0 }, checks: [fixesTagCheck, fixmeCheck] },
    });
    await deliver(other.webhookUrl, 'pull_request', pullRequestPayload(s.gh, 'synchronize', s.pull), { secret: SECRET });
    await other.idle();
    const fresh = summaryOf(s.pull.headSha);
    expect(fresh).toHaveLength(2);
    expect(fresh[1]).toEqual(kept[0]);
  });

  it('is given back when the PR\'s commits cannot be read from the clone', async () => {
    s = new Scenario();
    const pool = new WatchedPool();
    await s.start({ histories: pool });
    // A head with no history in common with the base: no merge base, so the review falls back to
    // the API while the History was being taken for it.
    s.openPull(2, 'unrelated');
    s.work.git('checkout', '-q', '--orphan', 'unrelated');
    s.push('unrelated: start over\n', { 'x.c': 'int x;\n' });
    await s.send('opened');
    expect([...s.gh.checkRuns.values()].find((r) => r.head_sha === s.pull.headSha)?.status).toBe('completed');
    expect(pool.size).toBe(1);
    expect(pool.inUse).toBe(0);
  });
});
