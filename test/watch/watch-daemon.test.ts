// kreview watch end to end: a real public-inbox grown between polls, a Maildir, the real review
// pipeline against a real repository, replies through a real SMTP server on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { Watcher } from '../../src/watch/daemon.js';
import { LIST, WatchWorld } from './watch-fixture.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const worlds: WatchWorld[] = [];
const watchers: Watcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
  for (const w of worlds.splice(0)) await w.close();
});

async function setup(extra = '') {
  const world = new WatchWorld();
  worlds.push(world);
  await world.start(extra);
  let now = T0;
  const logs: string[] = [];
  const make = () => {
    const w = new Watcher({ policyFile: world.policyFile, now: () => now, log: (m) => logs.push(m) });
    watchers.push(w);
    return w;
  };
  return { world, logs, make, advance: (ms: number) => (now += ms), at: () => now };
}

/** The first part of series 1 sent alone as `[PATCH]`, reviewed and answered once. */
async function answeredSingle() {
  const { world, make, advance } = await setup();
  const w = make();
  const [, p1] = world.series(1);
  const single = p1.raw.replace(/\[PATCH 1\/2\]/, '[PATCH]').replace(/^In-Reply-To: .*\n/m, '').replace(/^References: .*\n/m, '');
  world.deliverMaildir(single, 'v1');
  advance(1000);
  await w.tick();
  advance(61_000);
  expect((await w.tick()).queued).toHaveLength(1);
  return { world, w, advance, p1, single };
}

const header = (raw: string, name: string) => new RegExp(`^${name}:[ \\t]*(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(raw)?.[1].replace(/\r\n[ \t]+/g, ' ').trim();

// Real tools (public-inbox-mda, git, the whole pipeline) on a shared machine: generous time limits.
describe('kreview watch', { timeout: 240_000 }, () => {
  it('assembles a series delivered out of order, cover last, and replies once under the patch with findings', async () => {
    const { world, make, advance } = await setup();
    const [cover, p1, p2] = world.series(1);
    const w = make();
    world.inbox.deliver(p2.raw);
    world.inbox.deliver(p1.raw);
    let t = await w.tick();
    expect(t.intake.patches).toBe(2);
    expect(t.reviewed).toEqual([]);
    world.inbox.deliver(cover.raw);
    advance(30_000);
    t = await w.tick();
    expect(t.reviewed).toEqual([]);
    advance(61_000);
    t = await w.tick();
    expect(t.reviewed).toHaveLength(1);
    expect(t.errors).toEqual([]);
    expect(t.queued.length).toBeGreaterThanOrEqual(1);
    expect(t.outbox.sent).toEqual(t.queued);
    const replies = world.smtp.received;
    const toP1 = replies.filter((m) => header(m.raw, 'In-Reply-To') === `<${p1.id}>`);
    expect(toP1).toHaveLength(1);
    const r = toP1[0].raw;
    expect(header(r, 'Subject')).toBe('Re: [PATCH 1/2] btrfs: reserve delalloc space in the fixup worker');
    expect(header(r, 'References')).toBe(`<${cover.id}> <${p1.id}>`);
    expect(header(r, 'To')).toBe('Jane Developer <jane@example.org>');
    expect(header(r, 'Cc')).toContain(LIST);
    expect(header(r, 'Cc')).toContain('dsterba@suse.com');
    expect(toP1[0].to.sort()).toEqual(['dsterba@suse.com', 'jane@example.org', LIST].sort());
    const body = r.slice(r.indexOf('\r\n\r\n') + 4).replace(/\r\n/g, '\n');
    expect(body).toMatch(/^On .*, Jane Developer wrote:\n/);
    expect(body).toContain('> Fixes: ');
    expect(body).toContain('btrfs: do not do delalloc reservation under page lock');
    expect(body).toContain('\n-- \nkreview is a bot run by Jo Maintainer; mail jo@example.org to mute this list.\n');
    // Patch 2 has nothing to report, so it gets no reply.
    expect(replies.filter((m) => header(m.raw, 'In-Reply-To') === `<${p2.id}>`)).toHaveLength(0);

    // The same patch through a second list, and a restart: nothing is sent again.
    world.deliverMaildir(p1.raw, 'copy-of-p1');
    await w.close();
    watchers.pop();
    const w2 = make();
    advance(120_000);
    t = await w2.tick();
    expect(t.intake.duplicates).toBe(1);
    expect(t.queued).toEqual([]);
    expect(world.smtp.received).toHaveLength(replies.length);

    // Our own reply coming back through the list is never answered.
    world.inbox.deliver(r.replace(/\r\n/g, '\n'));
    advance(120_000);
    t = await w2.tick();
    expect(t.intake.skipped).toBe(1);
    expect(t.queued).toEqual([]);
  });

  it('v2 supersedes a waiting v1, and a problem reported on v1 is "still present in v2"', async () => {
    const { world, make, advance } = await setup();
    const w = make();
    const v1 = world.series(1);
    for (const m of v1) world.inbox.deliver(m.raw);
    advance(1000);
    await w.tick();
    advance(61_000);
    const t1 = await w.tick();
    expect(t1.queued.length).toBeGreaterThanOrEqual(1);
    const sentV1 = world.smtp.received.length;

    // v2 keeps the problem. Its reply says so once instead of raising it afresh.
    const v2 = world.series(2);
    for (const m of v2) world.inbox.deliver(m.raw);
    advance(1000);
    await w.tick();
    advance(61_000);
    const t2 = await w.tick();
    expect(t2.queued.length).toBeGreaterThanOrEqual(1);
    const v2Replies = world.smtp.received.slice(sentV1);
    const toP1 = v2Replies.find((m) => header(m.raw, 'In-Reply-To') === `<${v2[1].id}>`)!;
    expect(toP1.raw).toMatch(/Still present in v2 \(first noted on\s+v1\)/);

    // A v3 whose first part arrives while v1's part is still waiting: v1 is superseded, never reviewed.
    const v3 = world.series(3);
    const v4 = world.series(4);
    world.deliverMaildir(v3[1].raw, 'v3-1');
    await w.tick();
    v4.forEach((m, i) => world.deliverMaildir(m.raw, `v4-${i}`));
    advance(1000);
    await w.tick();
    advance(61_000);
    const t4 = await w.tick();
    expect(t4.reviewed.every((k) => k.endsWith('#v4'))).toBe(true);
    expect(world.smtp.received.some((m) => header(m.raw, 'In-Reply-To') === `<${v3[1].id}>`)).toBe(false);
  });

  it('a commit made after the daemon first opened the repository is known to the next review (the kept History is caught up)', async () => {
    const { world, make, advance } = await setup();
    const w = make();
    for (const m of world.series(1)) world.inbox.deliver(m.raw);
    advance(1000);
    await w.tick();
    advance(61_000);
    expect((await w.tick()).reviewed).toHaveLength(1);

    // Upstream moves on; then a fix for the new commit arrives, its Fixes: id mistyped by a digit.
    const r = world.repo;
    const fresh = r.commit('btrfs: add a helper after the daemon started', { files: { 'fs/btrfs/helper.c': 'int helper;\n' } });
    r.git('checkout', '-q', '-B', 'late-fix', fresh);
    const typo = `${fresh.slice(0, 11)}${fresh[11] === '0' ? '1' : '0'}`;
    r.commit(`btrfs: fix the helper\n\nFixes: ${typo} ("btrfs: add a helper after the daemon started")\nSigned-off-by: Jane Developer <jane@example.org>`, {
      files: { 'fs/btrfs/helper.c': 'int helper = 1;\n' },
      author: { name: 'Jane Developer', email: 'jane@example.org' },
    });
    const mail = r.formatPatch('HEAD^!', '--thread', `--to=${LIST}`);
    r.git('checkout', '-q', 'master');
    world.inbox.deliver(mail);
    const before = world.smtp.received.length;
    advance(1000);
    await w.tick();
    advance(61_000);
    const t = await w.tick();
    expect(t.reviewed).toHaveLength(1);
    expect(t.errors).toEqual([]);
    // Only a History that knows the new commit can say what its subject really is.
    const said = world.smtp.received.slice(before).map((m) => m.raw).join('\n');
    expect(said).toContain(`Fixes: ${fresh.slice(0, 12)} ("btrfs: add a helper after the daemon started")`);
  });

  it('never answers a bot, an auto-reply or a reply quoting a patch; hostile mail does not stop the daemon', async () => {
    const { world, make, advance } = await setup();
    const w = make();
    const [, p1] = world.series(1);
    const fromBot = p1.raw
      .replace(/^From: .*$/m, 'From: kernel test robot <lkp@intel.com>')
      .replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <bot-1@intel.com>');
    const autoReply = p1.raw.replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <auto-1@example.org>\nAuto-Submitted: auto-replied');
    const otherKreview = p1.raw.replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <kreview-0123@other-bot.example.net>\nX-Patchwork-Hint: ignore');
    const quoteReply = p1.raw
      .replace(/^Subject: (.*)$/m, 'Subject: Re: $1')
      .replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <reply-1@example.org>');
    const injected = p1.raw
      .replace(/^Subject: (.*)$/m, 'Subject: =?utf-8?q?[PATCH]_x=0D=0ABcc:_victim@evil.example?=')
      .replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <inject-1@example.org>');
    const huge = `From: A <a@example.org>\nTo: ${LIST}\nSubject: [PATCH] huge\nMessage-ID: <huge-1@example.org>\n\n${'y'.repeat(8 << 20)}\n`;
    const badMime = `From: A <a@example.org>\nTo: ${LIST}\nSubject: [PATCH] mime\nMessage-ID: <mime-1@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="nope"\n\n--wrong\nContent-Transfer-Encoding: base64\n\n!!!not base64\n`;
    const badCharset = `From: A <a@example.org>\nTo: ${LIST}\nSubject: [PATCH] charset\nMessage-ID: <cs-1@example.org>\nContent-Type: text/plain; charset=x-nonexistent\n\n\xff\xfe caf\xe9\n`;
    // Through the second list's Maildir: public-inbox-mda has filters of its own that would hide some of these.
    [fromBot, autoReply, otherKreview, quoteReply, huge, badMime, badCharset, '\x00\x01 not a mail at all', injected].forEach((m, i) => world.deliverMaildir(m, `hostile-${i}`));
    advance(1000);
    const t = await w.tick();
    expect(t.intake.read).toBe(9);
    expect(t.intake.skipped).toBeGreaterThanOrEqual(4);
    advance(31 * 60_000);
    const t2 = await w.tick();
    // Only the injected-subject patch (a real patch from a person) may get a reply; nothing else.
    const sent = world.smtp.received;
    expect(sent).toHaveLength(1);
    for (const m of sent) expect(header(m.raw, 'In-Reply-To')).toBe('<inject-1@example.org>');
    for (const m of sent) {
      const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'));
      expect(head).not.toMatch(/^Bcc:/im);
      expect(m.to).not.toContain('victim@evil.example');
    }
    expect(t2.errors.filter((e) => /failed/.test(e))).toEqual([]);
  });

  it('a v2 of a single patch sent as a reply to its v1 is reviewed as v2 and says "still present"', async () => {
    const { world, w, advance, p1, single } = await answeredSingle();
    const v2 = single
      .replace('[PATCH]', '[PATCH v2]')
      .replace(/^Message-ID: <[^>]+>/im, `Message-ID: <v2-single@example.org>\nIn-Reply-To: <${p1.id}>\nReferences: <${p1.id}>`);
    world.deliverMaildir(v2, 'v2');
    advance(1000);
    await w.tick();
    advance(61_000);
    const t = await w.tick();
    expect(t.reviewed).toHaveLength(1);
    expect(t.reviewed[0]).toMatch(/#v2$/);
    const reply = world.smtp.received.find((m) => header(m.raw, 'In-Reply-To') === '<v2-single@example.org>')!;
    expect(header(reply.raw, 'Subject')).toBe('Re: [PATCH v2] btrfs: reserve delalloc space in the fixup worker');
    expect(reply.raw.replace(/\s+/g, ' ')).toContain('Still present in v2 (first noted on v1)');
  });

  it('a RESEND of a patch already answered on the same version is reviewed but not answered again', async () => {
    const { world, w, advance, single } = await answeredSingle();
    const sent = world.smtp.received.length;
    // The same patch sent again a day later, as RESEND, under a new Message-ID (as on the real lists).
    const resend = single.replace('[PATCH]', '[PATCH RESEND]').replace(/^Message-ID: <[^>]+>/im, 'Message-ID: <resend-single@example.org>');
    expect(resend).not.toBe(single);
    world.deliverMaildir(resend, 'resend');
    advance(86_400_000);
    await w.tick();
    advance(61_000);
    const t = await w.tick();
    expect(t.reviewed).toHaveLength(1);
    expect(t.queued).toHaveLength(0);
    await w.tick();
    expect(world.smtp.received.length).toBe(sent);
    expect(world.smtp.received.some((m) => header(m.raw, 'In-Reply-To') === '<resend-single@example.org>')).toBe(false);
  });

  it('a partial series is reviewed after the wait and the reply says what is missing', async () => {
    const { world, make, advance } = await setup();
    const w = make();
    const [cover, p1] = world.series(1);
    world.inbox.deliver(cover.raw);
    world.inbox.deliver(p1.raw);
    advance(1000);
    expect((await w.tick()).reviewed).toEqual([]);
    advance(29 * 60_000);
    expect((await w.tick()).reviewed).toEqual([]);
    advance(2 * 60_000);
    const t = await w.tick();
    expect(t.reviewed).toHaveLength(1);
    const reply = world.smtp.received.find((m) => header(m.raw, 'In-Reply-To') === `<${p1.id}>`)!;
    expect(reply.raw.replace(/\s+/g, ' ')).toContain('Only part of this series arrived (1 of 2); patch 2 did not come in time and was not reviewed.');

    // The missing part turns up late: it is reviewed at the next pass, and nothing is sent twice.
    const [, , p2] = world.series(1);
    const late = p2.raw.replace(/^In-Reply-To: <[^>]+>/m, `In-Reply-To: <${cover.id}>`).replace(/^References: <[^>]+>/m, `References: <${cover.id}>`);
    world.deliverMaildir(late, 'late');
    const sentBefore = world.smtp.received.length;
    await w.tick();
    advance(61_000);
    const t2 = await w.tick();
    expect(t2.reviewed).toHaveLength(1);
    // Patch 2 has nothing to report: no new mail, and nothing sent again.
    expect(t2.queued).toEqual([]);
    expect(world.smtp.received).toHaveLength(sentBefore);
  });

  it('a muted list (the default) is read but never answered', async () => {
    const { world, make, advance } = await setup();
    // Rewrite the policy with the list muted; the daemon re-reads it on the next tick.
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(world.policyFile, readFileSync(world.policyFile, 'utf8').replace('mode: enabled', 'mode: muted'));
    const w = make();
    for (const m of world.series(1)) world.inbox.deliver(m.raw);
    advance(1000);
    await w.tick();
    advance(31 * 60_000);
    const t = await w.tick();
    expect(t.reviewed).toEqual([]);
    expect(world.smtp.received).toHaveLength(0);
  });

  it('run(): mail that arrives while the daemon sleeps is answered without a tick from outside, and an abort ends the loop', async () => {
    const world = new WatchWorld();
    worlds.push(world);
    await world.start();
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(world.policyFile, readFileSync(world.policyFile, 'utf8').replace('settleSeconds: 60', 'settleSeconds: 0\n  pollSeconds: 0.2'));
    const logs: string[] = [];
    const w = new Watcher({ policyFile: world.policyFile, log: (m) => logs.push(m) });
    watchers.push(w);
    const stop = new AbortController();
    const loop = w.run(stop.signal);
    // The daemon is already asleep when the series lands on the list.
    await new Promise((r) => setTimeout(r, 300));
    const [, p1] = world.series(1).map((m) => (world.inbox.deliver(m.raw), m));
    const t0 = Date.now();
    while (!world.smtp.received.length && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(world.smtp.received.map((m) => header(m.raw, 'In-Reply-To'))).toContain(`<${p1.id}>`);
    expect(logs.some((l) => /^read \d+ \(\d+ patches\), reviewed 1 series, queued \d+, sent \d+$/.test(l))).toBe(true);
    stop.abort();
    const stopped = await Promise.race([loop.then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still running'), 5_000))]);
    expect(stopped).toBe('stopped');
  });
});
