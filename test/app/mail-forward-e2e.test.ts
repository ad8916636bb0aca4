// The BPF CI model end to end: a series mailed to a list (a real public-inbox), the same commits
// as a pull request on the "GitHub" mirror (a real bare repository and the local API server), the
// app reviewing it on loopback, and its review mailed back under the series' own messages through
// a real SMTP server, once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppServer } from '../../src/app/server.js';
import { Watcher } from '../../src/watch/daemon.js';
import { PullRequestMailer } from '../../src/watch/pr-mailer.js';
import { BOT, LIST, WatchWorld, type Mail } from '../watch/watch-fixture.js';
import { FakeGitHub, type FakePull } from './github-api.js';
import { SECRET, startTestApp } from './scenario.js';
import { commentPayload, deliver, pullRequestPayload } from './webhooks.js';


const header = (raw: string, name: string) =>
  new RegExp(`^${name}:[ \\t]*(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(raw)?.[1].replace(/\r\n[ \t]+/g, ' ').trim();
const bodyOf = (raw: string) => raw.slice(raw.indexOf('\r\n\r\n') + 4).replace(/\r\n/g, '\n');

class Bpf {
  readonly world = new WatchWorld();
  readonly bare = mkdtempSync(join(tmpdir(), 'kreview-gh-')) + '/linux.git';
  readonly cache = mkdtempSync(join(tmpdir(), 'kreview-app-cache-'));
  readonly gh = new FakeGitHub(this.bare);
  readonly logs: string[] = [];
  mails: Mail[] = [];
  pull!: FakePull;
  app!: AppServer;
  mailer!: PullRequestMailer;

  /** The list in `mode` (github: reviewed through PRs only), v1 of the series on it and on a PR. */
  async start(mode: 'github' | 'enabled' | 'muted' | 'github\n    coverSummary: true', body: (cover: Mail) => string): Promise<void> {
    await this.world.start();
    writeFileSync(this.world.policyFile, readFileSync(this.world.policyFile, 'utf8').replace('mode: enabled', `mode: ${mode}`));
    this.mails = this.world.series(1);
    for (const m of this.mails) this.world.inbox.deliver(m.raw);
    const head = this.world.repo.git('rev-parse', 'topic-v1');
    execFileSync('git', ['init', '-q', '--bare', this.bare]);
    this.world.repo.git('push', '-q', this.bare, 'master:master', `topic-v1:refs/pull/1/head`);
    this.pull = { number: 1, title: 'btrfs: fixup worker space', body: body(this.mails[0]), user: 'kernel-patches-daemon', headSha: head, baseSha: this.world.base, baseRef: 'master' };
    this.gh.pulls.set(1, this.pull);
    this.gh.config = 'mail:\n  reply: true\n';
    await this.gh.start();
    this.mailer = new PullRequestMailer({ policyFile: this.world.policyFile, log: (m) => this.logs.push(m) });
    this.app = await startTestApp(this.gh, { cacheDir: this.cache, mail: this.mailer });
  }

  async send(event: string, payload: unknown): Promise<void> {
    await deliver(this.app.webhookUrl, event, payload, { secret: SECRET });
    await this.app.idle();
  }

  async close(): Promise<void> {
    await this.app?.close();
    await this.mailer?.close();
    await this.gh.close();
    await this.world.close();
    rmSync(this.bare, { recursive: true, force: true });
    rmSync(this.cache, { recursive: true, force: true });
  }
}

let b: Bpf | null = null;
afterEach(async () => {
  await b?.close();
  b = null;
});

const kpdBody = (cover: Mail) =>
  `Pull request for series with\nsubject: btrfs: fixup worker space\nversion: 1\nMessage-Id: <${cover.id}>\n`;

describe('a PR review mailed back to the list', { timeout: 240_000 }, () => {
  it('replies under the patch mail the commit came from, to its people, once, and says where the PR is', async () => {
    b = new Bpf();
    await b.start('github', kpdBody);
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));

    // The GitHub side is done as always.
    expect(b.gh.reviews).toHaveLength(1);
    expect([...b.gh.checkRuns.values()][0].status).toBe('completed');

    // No watcher ran: the forwarder read the list mirror itself when the Message-ID was new to it.
    const [cover, patch1, patch2] = b.mails;
    const replies = b.world.smtp.received;
    expect(replies.length).toBeGreaterThanOrEqual(1);
    const toPatch1 = replies.filter((r) => header(r.raw, 'In-Reply-To') === `<${patch1.id}>`);
    expect(toPatch1).toHaveLength(1);
    const raw = toPatch1[0].raw;
    expect(header(raw, 'Subject')).toBe('Re: [PATCH 1/2] btrfs: reserve delalloc space in the fixup worker');
    expect(header(raw, 'References')).toContain(`<${cover.id}>`);
    expect(header(raw, 'From')).toContain(BOT);
    expect(toPatch1[0].to.sort()).toEqual(['dsterba@suse.com', 'jane@example.org', LIST].sort());
    const text = bodyOf(raw);
    // The hunk quoted from the commit, the lock finding under it, the corrected Fixes: line, the PR.
    expect(text).toMatch(/^> \+\tret = btrfs_delalloc_reserve_space\(inode, &data_reserved,$/m);
    expect(text).toMatch(/page lock/i);
    const fixed12 = b.world.repo.git('rev-parse', '--short=12', b.world.fixed);
    expect(text).toContain(`Fixes: ${fixed12} ("btrfs: do not do delalloc reservation under page lock")`);
    expect(text.replace(/\s+/g, ' ')).toContain('The same review is on the pull request: https://github.com/acme/linux/pull/1 (at ' + b.pull.headSha.slice(0, 12) + ').');
    // Nothing is addressed to the cover or to patch 2 unless it had findings of its own.
    for (const r of replies) expect([`<${patch1.id}>`, `<${patch2.id}>`]).toContain(header(r.raw, 'In-Reply-To'));

    // A recheck reviews again on GitHub but mails nothing more.
    const count = replies.length;
    const checkCalls = () => b!.gh.calls.filter((c) => /\/check-runs/.test(c.path) && c.method !== 'GET').length;
    const before = checkCalls();
    await b.send('issue_comment', commentPayload(b.gh, b.pull, 'maintainer', '/kreview recheck', 91));
    b.gh.writers.add('maintainer');
    await b.send('issue_comment', commentPayload(b.gh, b.pull, 'maintainer', '/kreview recheck', 92));
    expect(checkCalls()).toBeGreaterThan(before);
    expect(b.world.smtp.received).toHaveLength(count);
  });

  it('a PR body without a Message-ID: the commits\' own Message-ID: trailers (git am --message-id) name their mails', async () => {
    b = new Bpf();
    await b.start('github', () => 'Pull request for series with\nsubject: btrfs: fixup worker space\n');
    // The PR's commits as `git am --message-id` makes them from the mails.
    const r = b.world.repo;
    const [, m1, m2] = b.mails;
    r.git('checkout', '-q', '-B', 'am', b.world.base);
    for (const [i, m] of [m1, m2].entries()) {
      r.git('cherry-pick', `topic-v1~${1 - i}`);
      r.git('commit', '-q', '--amend', '-m', `${r.git('log', '-1', '--format=%B').trimEnd()}\nMessage-ID: <${m.id}>`);
    }
    r.git('push', '-q', '-f', b.bare, 'am:refs/pull/1/head');
    b.pull.headSha = r.git('rev-parse', 'am');
    r.git('checkout', '-q', 'master');
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));
    expect(b.gh.reviews).toHaveLength(1);
    const toPatch1 = b.world.smtp.received.filter((x) => header(x.raw, 'In-Reply-To') === `<${m1.id}>`);
    expect(toPatch1).toHaveLength(1);
  });

  it('with coverSummary, the cover letter gets one summary of the PR review as well', async () => {
    b = new Bpf();
    await b.start('github\n    coverSummary: true', kpdBody);
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));
    const [cover] = b.mails;
    const summaries = b.world.smtp.received.filter((x) => header(x.raw, 'In-Reply-To') === `<${cover.id}>`);
    expect(summaries).toHaveLength(1);
    const text = bodyOf(summaries[0].raw);
    expect(header(summaries[0].raw, 'Subject')).toBe('Re: [PATCH 0/2] btrfs: fixup worker space');
    expect(text).toMatch(/^ {2}\[1\/2\] btrfs: reserve delalloc space in the fixup worker: \d+ notes?$/m);
    expect(text.replace(/\s+/g, ' ')).toContain('The same review is on the pull request: https://github.com/acme/linux/pull/1');
  });

  it('a series the watcher already answered from the list is not answered a second time from its PR', async () => {
    b = new Bpf();
    await b.start('enabled', kpdBody);
    let now = Date.now();
    const w = new Watcher({ policyFile: b.world.policyFile, now: () => now, log: () => undefined });
    try {
      await w.tick();
      now += 10 * 60_000;
      await w.tick();
    } finally {
      await w.close();
    }
    const fromList = b.world.smtp.received.length;
    expect(fromList).toBeGreaterThanOrEqual(1);
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));
    expect(b.gh.reviews).toHaveLength(1);
    expect(b.world.smtp.received).toHaveLength(fromList);
    expect(b.logs.some((l) => /was already answered; not mailed again/.test(l))).toBe(true);
  });

  it('mails nothing for a Message-ID no watched list carried, or for a muted list, and the PR review still goes out', async () => {
    b = new Bpf();
    await b.start('github', () => 'Message-Id: <20261205-unknown-v1-0-deadbeef@example.org>\n');
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));
    expect(b.gh.reviews).toHaveLength(1);
    expect(b.world.smtp.received).toHaveLength(0);
    await b.close();

    b = new Bpf();
    await b.start('muted', kpdBody);
    await b.send('pull_request', pullRequestPayload(b.gh, 'opened', b.pull));
    expect(b.gh.reviews).toHaveLength(1);
    expect(b.world.smtp.received).toHaveLength(0);
  });

  it('a hostile Message-ID from a PR body is a one-line refusal, and the state is untouched', async () => {
    const world = new WatchWorld();
    await world.start();
    const mailer = new PullRequestMailer({ policyFile: world.policyFile, log: () => undefined });
    try {
      const hostile = "x\u001b[31m'); DROP TABLE mail_heads; --@evil.example\r\nBcc: victim@example.org";
      const series = { id: 's', version: 1, subject: 's', cover: null, patches: [], total: null, missing: [], complete: true };
      const pr = { owner: 'acme', repo: 'linux', number: 1, headSha: 'f'.repeat(40) };
      const err = await mailer.forward({ review: { series, patches: [] }, messageId: hostile, pr }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).not.toMatch(/[\x00-\x1f]/);
      expect((err as Error).message).toContain('\\x1b[31m');
      expect(mailer.watcher.db.prepare('SELECT count(*) FROM mail_heads').pluck().get()).toBe(0);
      expect(world.smtp.received).toHaveLength(0);
    } finally {
      await mailer.close();
      await world.close();
    }
  });
});
