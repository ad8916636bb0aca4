// The NNTP source against a real public-inbox-nntpd serving a test inbox, as lore serves every list:
// a first run starts at the newest article (or a configured date), new articles are read once, and a
// restart of the server or of kreview loses and repeats nothing.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { NntpSource, type NntpSourceConfig } from '../../src/sources/nntp.js';
import { CursorStore } from '../../src/state/cursors.js';
import { openState } from '../../src/state/open-state.js';
import { peekHeaders } from '../../src/watch/header-scan.js';
import type { RawMessage } from '../../src/watch/raw-message.js';
import { PublicInboxDaemon, freePort } from '../helpers/public-inbox-daemon.js';
import { TestInbox } from '../watch/public-inbox-fixture.js';
import { mailText } from '../watch/mail-fixtures.js';

const msg = (i: number, to: string, date = 'Tue, 24 Nov 2026 10:00:00 +0000') =>
  mailText({ messageId: `n${i}@example.org`, subject: `note ${i}`, to: [to], body: `body ${i}`, date });

/** Polls like the daemon does; returns the Message-IDs handed over, in order, duplicates included. */
async function poll(src: NntpSource): Promise<string[]> {
  const got: string[] = [];
  await src.poll(async (batch: RawMessage[]) => {
    for (const m of batch) got.push(peekHeaders(m.raw).messageId!);
  });
  return got;
}

describe('NNTP source against public-inbox-nntpd', { timeout: 180_000 }, () => {
  const config = (port: number, group: string, since: string | null = null): NntpSourceConfig => ({
    name: 'lore-test',
    host: '127.0.0.1',
    port,
    secure: false,
    group,
    since,
    timeoutMs: 10_000,
  });

  it('starts at the newest article, reads each new one once, through a server restart and a kreview restart', async () => {
    const inbox = new TestInbox('nntp-list');
    const group = PublicInboxDaemon.newsgroup(inbox);
    for (const i of [1, 2]) inbox.deliver(msg(i, inbox.address)); // the archive before kreview
    const port = await freePort();
    let nntpd = await PublicInboxDaemon.start(inbox, 'nntpd', port);
    const statePath = join(inbox.root, 'state.db');
    let db = openState(statePath);
    let src = new NntpSource(config(port, group), new CursorStore(db));
    try {
      expect(await poll(src)).toEqual([]); // never the old archive
      for (const i of [3, 4]) inbox.deliver(msg(i, inbox.address));
      expect(await poll(src)).toEqual(['n3@example.org', 'n4@example.org']);
      expect(await poll(src)).toEqual([]);

      // The server goes away: a poll fails with one line; what arrives meanwhile is read after.
      await nntpd.stop();
      inbox.deliver(msg(5, inbox.address));
      await expect(poll(src)).rejects.toThrow(new RegExp(`^nntp://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
      nntpd = await PublicInboxDaemon.start(inbox, 'nntpd', port);
      expect(await poll(src)).toEqual(['n5@example.org']);

      // kreview restarts with the same state: nothing again, then only what is new.
      db.close();
      db = openState(statePath);
      src = new NntpSource(config(port, group), new CursorStore(db));
      expect(await poll(src)).toEqual([]);
      inbox.deliver(msg(6, inbox.address));
      expect(await poll(src)).toEqual(['n6@example.org']);
    } finally {
      db.close();
      await nntpd.stop();
    }
  });

  it('a first run with since: starts at the first article of that date', async () => {
    const inbox = new TestInbox('nntp-since');
    const group = PublicInboxDaemon.newsgroup(inbox);
    inbox.deliver(msg(1, inbox.address, 'Mon, 30 Nov 2026 10:00:00 +0000'));
    inbox.deliver(msg(2, inbox.address, 'Tue, 01 Dec 2026 09:00:00 +0000'));
    inbox.deliver(msg(3, inbox.address, 'Wed, 02 Dec 2026 09:00:00 +0000'));
    const nntpd = await PublicInboxDaemon.start(inbox, 'nntpd');
    const db = openState(join(inbox.root, 'state.db'));
    try {
      const src = new NntpSource(config(nntpd.port, group, '2026-12-01'), new CursorStore(db));
      expect(await poll(src)).toEqual(['n2@example.org', 'n3@example.org']);
      expect(await poll(src)).toEqual([]);
    } finally {
      db.close();
      await nntpd.stop();
    }
  });

  it('an unknown group is one line', async () => {
    const inbox = new TestInbox('nntp-nogroup');
    PublicInboxDaemon.newsgroup(inbox);
    const nntpd = await PublicInboxDaemon.start(inbox, 'nntpd');
    const db = openState(join(inbox.root, 'state.db'));
    try {
      const src = new NntpSource(config(nntpd.port, 'no.such.group'), new CursorStore(db));
      await expect(poll(src)).rejects.toThrow(`nntp://127.0.0.1:${nntpd.port}: no newsgroup no.such.group`);
    } finally {
      db.close();
      await nntpd.stop();
    }
  });
});
