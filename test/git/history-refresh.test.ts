// A History kept open while the repository grows: refresh() must show what new commits, a fetch,
// a moved tag or new objects brought, exactly as a History opened afresh would, without losing
// what it knew, and without answering from half an update while other questions are in flight.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';
import { HistoryPool } from '../../src/git/history-pool.js';
import { TestRepo } from '../helpers/git-repo.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function repo(): TestRepo {
  const r = new TestRepo();
  cleanup.push(() => r.remove());
  return r;
}

function cacheDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kreview-refresh-cache-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function open(dir: string, cache: string): Promise<History> {
  const h = await openHistory(dir, { cacheDir: cache });
  cleanup.push(() => h.close());
  return h;
}

/** The answers a review would ask for about `oids` against `base`, as plain data to compare. */
async function answers(h: History, oids: string[], base: string, subjects: string[]) {
  const info = await h.commits(oids);
  const resolved = await h.resolve(oids.map((o) => o.slice(0, 12)));
  return {
    commits: oids.map((o) => info.get(o)?.subject ?? null),
    resolved: oids.map((o) => resolved.get(o.slice(0, 12))?.oid ?? null),
    ancestors: await Promise.all(oids.map((o) => h.isAncestor(o, base))),
    fixers: await Promise.all(oids.map(async (o) => (await h.fixersOf(o, base)).map((c) => c.oid))),
    reverts: await Promise.all(oids.map(async (o) => (await h.revertsOf(o, base)).map((c) => c.oid))),
    releases: await Promise.all(oids.map((o) => h.firstRelease(o, base, 'v*'))),
    bySubject: await Promise.all(subjects.map((s) => h.bySubject(s))),
    master: await h.revParse('master'),
  };
}

describe('History.refresh', () => {
  it('shows commits made after it was opened, answering as a History opened afresh does', async () => {
    const r = repo();
    const cache = cacheDir();
    const c: Record<string, string> = {};
    c.base = r.commit('mm: add the allocator\n', { files: { 'mm/a.c': '1\n' } });
    r.tag('v1.0');
    c.bug = r.commit('mm: introduce the bug\n', { files: { 'mm/a.c': '2\n' } });
    const kept = await open(r.dir, cache);
    // Warm its caches about the old commits first: they must stay true after the refresh.
    expect(await kept.isAncestor(c.base, c.bug)).toBe(true);
    expect(await kept.firstRelease(c.base, c.bug, 'v*')).toBe('v1.0');
    expect(await kept.fixersOf(c.bug, c.bug)).toEqual([]);

    r.tag('v1.1');
    c.fix = r.commit(`mm: fix the bug\n\nFixes: ${c.bug.slice(0, 12)} ("mm: introduce the bug")\n`, { files: { 'mm/a.c': '3\n' } });
    c.revert = r.commit(`Revert "mm: fix the bug"\n\nThis reverts commit ${c.fix}.\n`, { files: { 'mm/a.c': '2\n' } });
    r.git('checkout', '-q', '-b', 'side', c.base);
    c.side = r.commit('net: side work\n', { files: { 'net/s.c': '1\n' } });
    r.git('checkout', '-q', 'master');
    r.git('merge', '-q', '--no-ff', '-m', 'Merge side', 'side');
    c.merge = r.head();
    r.tag('v1.2');
    const subjects = ['mm: fix the bug', 'net: side work', 'mm: introduce the bug'];
    const all = Object.values(c);

    // Not refreshed yet: the index does not know the subjects of the new commits.
    expect(await kept.bySubject('mm: fix the bug')).toEqual([]);
    await kept.refresh();
    const fresh = await open(r.dir, cacheDir());
    const got = await answers(kept, all, c.merge, subjects);
    expect(got).toEqual(await answers(fresh, all, c.merge, subjects));
    expect(got.bySubject[0]).toEqual([c.fix]);
    expect(got.fixers[1]).toEqual([c.fix]);
    expect(got.reverts[2]).toEqual([c.revert]);
    expect(got.releases).toEqual(['v1.0', 'v1.1', 'v1.2', 'v1.2', 'v1.2', 'v1.2']);
    expect(got.master).toBe(c.merge);
    // What it knew about the old base is unchanged.
    expect(await kept.isAncestor(c.fix, c.bug)).toBe(false);
    expect(await kept.firstRelease(c.base, c.bug, 'v*')).toBe('v1.0');
  });

  it('sees what a fetch brought into a bare clone (loose objects and packs), a moved tag and a rewritten branch', async () => {
    const up = repo();
    const one = up.commit('one\n', { files: { a: '1\n' } });
    up.tag('v1');
    const clone = mkdtempSync(join(tmpdir(), 'kreview-refresh-clone-')) + '/c.git';
    cleanup.push(() => rmSync(clone, { recursive: true, force: true }));
    execFileSync('git', ['clone', '-q', '--bare', up.dir, clone]);
    const fetch = () => execFileSync('git', ['-C', clone, 'fetch', '-q', '--force', up.dir, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
    const kept = await open(clone, cacheDir());
    expect(await kept.firstRelease(one, one, 'v*')).toBe('v1');

    // A few commits (unpacked as loose objects by the fetch), then many (kept as a pack).
    const two = up.commit(`two\n\nFixes: ${one.slice(0, 12)} ("one")\n`, { files: { a: '2\n' } });
    fetch();
    await kept.refresh();
    expect((await kept.fixersOf(one, two)).map((x) => x.oid)).toEqual([two]);
    const many: string[] = [];
    for (let i = 0; i < 60; i++) many.push(up.commit(`step ${i}\n`, { files: { [`f/${i}`]: `${i}\n` } }));
    up.git('tag', '-f', 'v1', many[10]);
    fetch();
    expect(execFileSync('git', ['-C', clone, 'count-objects', '-v'], { encoding: 'utf8' })).toMatch(/^packs: [1-9]/m);
    await kept.refresh();
    expect(await kept.bySubject('step 59')).toEqual([many[59]]);
    expect(await kept.isAncestor(one, many[59])).toBe(true);
    // The tag moved: releases are answered from where it is now.
    expect(await kept.firstRelease(many[5], many[59], 'v*')).toBe('v1');
    expect(await kept.firstRelease(many[20], many[59], 'v*')).toBeNull();

    // A rewritten branch: the amended commit is seen, the old one is no longer the branch's.
    up.git('commit', '-q', '--amend', '-m', 'step 59, amended');
    const amended = up.head();
    fetch();
    await kept.refresh();
    expect(await kept.revParse('master')).toBe(amended);
    expect(await kept.bySubject('step 59, amended')).toEqual([amended]);
    expect(await kept.isAncestor(many[59], amended)).toBe(false);
    expect(await kept.isAncestor(many[58], amended)).toBe(true);
  });

  it('reports an abbreviation that new objects made ambiguous, as a fresh History does', async () => {
    const r = repo();
    const one = r.commit('one\n', { files: { a: '1\n' } });
    const kept = await open(r.dir, cacheDir());
    const prefix = one.slice(0, 5);
    expect((await kept.resolve([prefix])).get(prefix)).toMatchObject({ status: 'found', oid: one });
    // A new loose blob sharing the commit's first five digits.
    for (let i = 0; ; i++) {
      const content = `filler ${i}\n`;
      if (!createHash('sha1').update(`blob ${content.length}\0${content}`).digest('hex').startsWith(prefix)) continue;
      execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: r.dir, input: content });
      break;
    }
    await kept.refresh();
    expect((await kept.resolve([prefix])).get(prefix)?.status).toBe('ambiguous');
  });

  it('never answers from half an update: questions asked while a refresh runs get exact answers', async () => {
    const r = repo();
    const root = r.commit('root\n', { files: { a: '0\n' } });
    const kept = await open(r.dir, cacheDir());
    const chain: string[] = [];
    for (let i = 0; i < 40; i++) chain.push(r.commit(`c${i}\n\nFixes: ${root.slice(0, 12)} ("root")\n`, { files: { a: `${i}\n` } }));
    const tip = chain[chain.length - 1];
    // Questions about the new tip race the refresh: each either waits for the new commits or
    // indexes them itself; none may see the tip without its ancestors.
    const [, ...racing] = await Promise.all([
      kept.refresh(),
      ...chain.map((c) => kept.isAncestor(root, c)),
      ...chain.map((c) => kept.isAncestor(c, root)),
      kept.fixersOf(root, tip).then((f) => f.length),
    ]);
    expect(racing).toEqual([...chain.map(() => true), ...chain.map(() => false), 40]);
    // Two refreshes at once are one after the other.
    await Promise.all([kept.refresh(), kept.refresh()]);
    expect((await kept.fixersOf(root, tip)).length).toBe(40);
  });

  it('keeps commits of an update still being written out of the answers until it has finished', async () => {
    const r = repo();
    const root = r.commit('root\n', { files: { a: '0\n' } });
    const kept = await open(r.dir, cacheDir());
    // More commits than the index writes in one batch: the first batch (the newest commits, their
    // parents not written yet) is in the database while git still streams the rest.
    let stream = '';
    // Long messages: git streams the log in many chunks, so the window between batches is wide.
    const body = 'Some words about this change.\n'.repeat(50);
    for (let i = 0; i < 6_000; i++) {
      const msg = `bulk ${i}\n\n${body}`;
      stream += `commit refs/heads/master\ncommitter A <a@example.org> ${1_700_000_000 + i} +0000\ndata ${msg.length}\n${msg}`;
      if (i === 0) stream += `from ${root}\n`;
      stream += `M 644 inline a\ndata ${String(i).length + 1}\n${i}\n\n`;
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: r.dir, input: stream });
    const tip = r.git('rev-parse', 'master');
    // Newest first, as the index receives them; each is asked about once (answers are memoised).
    const fresh = r.git('rev-list', `${root}..master`).split('\n');
    const asked: Promise<boolean>[] = [];
    let done = false;
    const refreshing = kept.refresh().finally(() => (done = true));
    // Ask again and again while the refresh runs, between any two chunks git sends.
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (done) return resolve();
        if (asked.length < fresh.length) asked.push(kept.isAncestor(root, fresh[asked.length]));
        setImmediate(tick);
      };
      tick();
    });
    await refreshing;
    expect(asked.length).toBeGreaterThan(4);
    expect((await Promise.all(asked)).every(Boolean)).toBe(true);
    expect(await kept.bySubject('bulk 5999')).toEqual([tip]);
  }, 60_000);
});

describe('HistoryPool', () => {
  it('keeps one History per repository, refreshes it for each later user, and closes it when idle or closed', async () => {
    const r = repo();
    const cache = cacheDir();
    r.commit('one\n', { files: { a: '1\n' } });
    const pool = new HistoryPool({ idleMs: 50 });
    let opened = 0;
    const openIt = () => {
      opened++;
      return openHistory(r.dir, { cacheDir: cache });
    };
    const [a, b] = await Promise.all([pool.acquire(r.dir, openIt), pool.acquire(r.dir, openIt)]);
    expect(a.history).toBe(b.history);
    expect(opened).toBe(1);
    const two = r.commit('two\n', { files: { a: '2\n' } });
    a.release();
    b.release();
    b.release();
    const c = await pool.acquire(r.dir, openIt);
    expect(c.history).toBe(a.history);
    // Acquiring it again caught it up with the new commit.
    expect(await c.history.bySubject('two')).toEqual([two]);
    c.release();
    await new Promise((res) => setTimeout(res, 150));
    expect(pool.size).toBe(0);
    // Closed after idling: its processes are gone.
    await expect(c.history.revParse('master')).rejects.toThrow(/closed/);

    const d = await pool.acquire(r.dir, openIt);
    expect(opened).toBe(2);
    const closing = pool.close();
    // In use when the pool closes: closed when its review gives it back.
    expect(await d.history.bySubject('two')).toEqual([two]);
    d.release();
    await closing;
    await pool.close();
    await expect(d.history.revParse('master')).rejects.toThrow(/closed/);
    await expect(pool.acquire(r.dir, openIt)).rejects.toThrow(/closed/);
  });

  it('opens a repository made again at the same path afresh: the kept one reads the old directory', async () => {
    const r = repo();
    const cache = cacheDir();
    r.commit('one\n', { files: { a: '1\n' } });
    const pool = new HistoryPool();
    cleanup.push(() => pool.close());
    const openIt = () => openHistory(r.dir, { cacheDir: cache });
    const first = await pool.acquire(r.dir, openIt);
    expect(await first.history.bySubject('one')).toHaveLength(1);
    first.release();

    rmSync(r.dir, { recursive: true, force: true });
    const again = new TestRepo(r.dir);
    const other = again.commit('other\n', { files: { b: '1\n' } });
    await expect(first.history.refresh()).rejects.toThrow(/not the repository this History was opened on/);
    const second = await pool.acquire(r.dir, openIt);
    expect(second.history).not.toBe(first.history);
    expect(await second.history.bySubject('other')).toEqual([other]);
    expect(await second.history.revParse('master')).toBe(other);
    second.release();
  });

  it('does not hand out a History that failed to open', async () => {
    const pool = new HistoryPool();
    const dir = mkdtempSync(join(tmpdir(), 'kreview-not-a-repo-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(pool.acquire(dir, () => openHistory(dir))).rejects.toThrow(/not a git repository/);
    expect(pool.size).toBe(0);
    await pool.close();
  });
});
