// `kreview review <Message-ID>`: the thread fetched from a real public-inbox-httpd as b4 fetches from
// lore (`/<list>/<msgid>/t.mbox.gz`), the newest complete version reviewed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseThreadRef, threadUrl } from '../../src/sources/lore-http.js';
import { runCli } from '../helpers/run-cli.js';
import { PublicInboxDaemon } from '../helpers/public-inbox-daemon.js';
import { TestInbox } from '../watch/public-inbox-fixture.js';
import { fixupDiff, mailText } from '../watch/mail-fixtures.js';

const lore = { baseUrl: 'https://lore.kernel.org', list: 'all' };

describe('what names a thread', () => {
  it.each([
    ['20221117040341.1380702-3-jane@example.org', 'https://lore.kernel.org', 'all', '20221117040341.1380702-3-jane@example.org'],
    ['<abc.def@quack3>', 'https://lore.kernel.org', 'all', 'abc.def@quack3'],
    ['https://lore.kernel.org/linux-ext4/abc.def@quack3/', 'https://lore.kernel.org', 'linux-ext4', 'abc.def@quack3'],
    ['https://lore.kernel.org/linux-ext4/abc.def@quack3/T/#u', 'https://lore.kernel.org', 'linux-ext4', 'abc.def@quack3'],
    ['https://lore.kernel.org/r/abc.def@quack3', 'https://lore.kernel.org', 'all', 'abc.def@quack3'],
    ['https://patch.msgid.link/abc.def@quack3', 'https://lore.kernel.org', 'all', 'abc.def@quack3'],
    ['http://127.0.0.1:8080/mirror/netdev/a%2Bb@x.org/raw', 'http://127.0.0.1:8080/mirror', 'netdev', 'a+b@x.org'],
  ])('%s', (input, baseUrl, list, messageId) => {
    expect(parseThreadRef(input, lore)).toEqual({ baseUrl, list, messageId });
  });

  it.each(['0001-fix.patch', 'HEAD@{1}', 'v6.1..HEAD', 'ftp://lore.kernel.org/all/a@b/', 'https://lore.kernel.org/all/', 'a b@c'])('%s is not a thread', (input) => {
    expect(parseThreadRef(input, lore)).toBeNull();
  });

  it('escapes the Message-ID in the URL it asks', () => {
    expect(threadUrl({ baseUrl: 'https://lore.kernel.org', list: 'all', messageId: 'a/../b?c#d@x' })).toBe('https://lore.kernel.org/all/a%2F..%2Fb%3Fc%23d%40x/t.mbox.gz');
  });
});

describe('kreview review <Message-ID> against a real public-inbox-httpd', () => {
  let inbox: TestInbox;
  let httpd: PublicInboxDaemon;
  const to = ['test-list@lists.example.org'];
  const part = (v: number, i: number, n: number, extra: Partial<Parameters<typeof mailText>[0]> = {}) =>
    mailText({
      messageId: `v${v}-${i}@example.org`,
      subject: `[PATCH v${v} ${i}/${n}] btrfs: reserve before locking the page`,
      to,
      date: `Tue, ${10 + v} Nov 2026 10:00:0${i} +0000`,
      inReplyTo: i === 0 ? (v > 1 ? 'v1-0@example.org' : undefined) : `v${v}-0@example.org`,
      references: i === 0 ? (v > 1 ? ['v1-0@example.org'] : []) : v > 1 ? ['v1-0@example.org', `v${v}-0@example.org`] : [`v${v}-0@example.org`],
      diff: i === 0 ? undefined : fixupDiff(i === 2 ? ' /* two */' : ''),
      body: i === 0 ? `Version ${v} of the series.` : undefined,
      ...extra,
    });

  beforeAll(async () => {
    inbox = new TestInbox('test-list');
    // v1 and v2 complete (v2 threaded under v1's cover), v3 sent with only its first part.
    for (const v of [1, 2]) for (const i of [0, 1, 2]) inbox.deliver(part(v, i, 2));
    for (const i of [0, 1]) inbox.deliver(part(3, i, 2));
    httpd = await PublicInboxDaemon.start(inbox, 'httpd');
  }, 120_000);
  afterAll(async () => {
    await httpd?.stop();
  });

  const review = (...args: string[]) => runCli(['review', '--lore', httpd.url, '--lore-list', 'test-list', '--format', 'json', '--fail-on', 'never', ...args]);
  const versions = (stdout: string) => (JSON.parse(stdout) as { series: { version: number; patches: unknown[] }[] }).series.map((s) => `v${s.version}:${s.patches.length}`);

  it('reviews the newest complete version of the thread, from any of its Message-IDs', () => {
    for (const id of ['v1-1@example.org', '<v2-2@example.org>', `${httpd.url}/test-list/v1-0@example.org/`]) {
      const r = review(id);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(versions(r.stdout)).toEqual(['v2:2']);
    }
  });

  it('reviews every series of the thread with --thread', () => {
    const r = review('--thread', 'v1-1@example.org');
    expect(r.code).toBe(0);
    expect(versions(r.stdout).sort()).toEqual(['v1:2', 'v2:2', 'v3:1']);
  });

  it('finds the reservation under the page lock in the fetched patches', () => {
    const r = review('v2-1@example.org');
    const ids = (JSON.parse(r.stdout) as { series: { patches: { findings: { id: string }[] }[] }[] }).series[0].patches.flatMap((p) => p.findings.map((f) => f.id));
    expect(ids).toContain('lock/reserve-under-page-lock');
  });

  it('an unknown Message-ID is one line and exit 2, and the other inputs are still reviewed', () => {
    const r = review('no-such-message@example.org', 'v2-1@example.org');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('"version": 2');
    expect(JSON.parse(r.stdout).errors).toEqual([`no thread <no-such-message@example.org> on ${httpd.url}/test-list/ (404)`]);
  });

  it('a server that is not there is one line, not a stack trace', () => {
    const r = runCli(['review', '--lore', 'http://127.0.0.1:9', '--format', 'json', 'a@example.org']);
    expect(r.code).toBe(2);
    const errors = JSON.parse(r.stdout).errors as string[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:9\/all\/a%40example\.org\/t\.mbox\.gz: /);
    expect(errors[0]).not.toContain('\n');
  });
});
