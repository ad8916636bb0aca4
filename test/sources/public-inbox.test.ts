// The public-inbox source against a real v2 inbox made by public-inbox's own tools: grown between
// polls, purged (history rewritten), a new epoch, a restart: nothing lost, nothing read twice.
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CatFile } from '../../src/git/cat-file.js';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PublicInboxSource, parseRawLog } from '../../src/sources/public-inbox.js';
import { CursorStore } from '../../src/state/cursors.js';
import { MessageStore } from '../../src/state/messages.js';
import { openState } from '../../src/state/open-state.js';
import { peekHeaders } from '../../src/watch/header-scan.js';
import type { RawMessage } from '../../src/watch/raw-message.js';
import { TestInbox } from '../watch/public-inbox-fixture.js';
import { mailText } from '../watch/mail-fixtures.js';

const msg = (i: number, to: string) => mailText({ messageId: `m${i}@example.org`, subject: `note ${i}`, to: [to], body: `body ${i}` });

/** Polls like the daemon does: every message not seen by Message-ID is recorded once. */
async function poll(src: PublicInboxSource, store: MessageStore): Promise<string[]> {
  const fresh: string[] = [];
  await src.poll(async (batch: RawMessage[]) => {
    for (const m of batch) {
      const id = peekHeaders(m.raw).messageId!;
      if (store.add({ id, source: m.origin, at: 0, kind: 'other', lists: [] })) fresh.push(id);
    }
  });
  return fresh;
}

describe('public-inbox v2 source', { timeout: 180_000 }, () => {
  it('reads new messages, survives a purge and a restart, notices a new epoch', async () => {
    const inbox = new TestInbox();
    const statePath = join(inbox.root, 'state.db');
    let db = openState(statePath);
    let store = new MessageStore(db);
    const warnings: string[] = [];
    let src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db), (w) => warnings.push(w));

    expect(await poll(src, store)).toEqual([]);
    for (const i of [1, 2, 3]) inbox.deliver(msg(i, inbox.address));
    expect(await poll(src, store)).toEqual(['m1@example.org', 'm2@example.org', 'm3@example.org']);
    expect(await poll(src, store)).toEqual([]);

    inbox.deliver(msg(4, inbox.address));
    expect(await poll(src, store)).toEqual(['m4@example.org']);

    // A purge rewrites the history after m2; m5 arrives after it. Only m5 is new.
    inbox.purge(msg(2, inbox.address));
    inbox.deliver(msg(5, inbox.address));
    const afterPurge = await poll(src, store);
    expect(afterPurge).toEqual(['m5@example.org']);
    expect(warnings.some((w) => /epoch 0 was rewritten/.test(w))).toBe(true);

    // A restart: a new process with the same state file reads nothing again.
    await src.close();
    db.close();
    db = openState(statePath);
    store = new MessageStore(db);
    src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db));
    inbox.deliver(msg(6, inbox.address));
    expect(await poll(src, store)).toEqual(['m6@example.org']);

    // A new epoch (git/1.git), written the way public-inbox writes one: a commit holding the file `m`.
    const epoch1 = join(inbox.dir, 'git', '1.git');
    execFileSync('git', ['init', '-q', '--bare', epoch1]);
    const blob = execFileSync('git', ['-C', epoch1, 'hash-object', '-w', '--stdin'], { input: msg(7, inbox.address) }).toString().trim();
    const tree = execFileSync('git', ['-C', epoch1, 'mktree'], { input: `100644 blob ${blob}\tm\n` }).toString().trim();
    const commit = execFileSync('git', ['-C', epoch1, 'commit-tree', tree, '-m', 'note 7']).toString().trim();
    execFileSync('git', ['-C', epoch1, 'update-ref', 'refs/heads/master', commit]);
    expect(await poll(src, store)).toEqual(['m7@example.org']);
    expect(await poll(src, store)).toEqual([]);
    await src.close();
    db.close();
  });

  it('a message larger than the limit is skipped with one line; those around it are read, and it is not met again', async () => {
    const inbox = new TestInbox();
    const db = openState(join(inbox.root, 'state.db'));
    const store = new MessageStore(db);
    const warnings: string[] = [];
    // since 0: read the archive from its start (the messages are delivered before the first poll).
    const src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db), (w) => warnings.push(w), 0);
    src.maxBlobBytes = 4096;
    inbox.deliver(msg(1, inbox.address));
    inbox.deliver(mailText({ messageId: 'huge@example.org', subject: 'huge', to: [inbox.address], body: 'z'.repeat(8000) }));
    inbox.deliver(msg(3, inbox.address));
    expect(await poll(src, store)).toEqual(['m1@example.org', 'm3@example.org']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^test-list: the message of commit [0-9a-f]{12} in epoch 0 is \d+ bytes, larger than 4096; skipped$/);
    inbox.deliver(msg(4, inbox.address));
    expect(await poll(src, store)).toEqual(['m4@example.org']);
    expect(warnings).toHaveLength(1);
    await src.close();
    db.close();
  });

  it('a first run starts at the archive\'s current end: the backlog is never read, not even after a purge', async () => {
    const inbox = new TestInbox();
    for (const i of [1, 2, 3]) inbox.deliver(msg(i, inbox.address));
    const db = openState(join(inbox.root, 'state.db'));
    const store = new MessageStore(db);
    const warnings: string[] = [];
    const src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db), (w) => warnings.push(w));
    expect(await poll(src, store)).toEqual([]);
    expect(warnings).toEqual(["test-list: first run: starting at the archive's current end (earlier messages are not read; set since: on the source to read back to a date)"]);
    inbox.deliver(msg(4, inbox.address));
    expect(await poll(src, store)).toEqual(['m4@example.org']);
    // A purge rewrites the epoch: it is read again, but what came before the start stays unread.
    inbox.purge(msg(2, inbox.address));
    inbox.deliver(mailText({ messageId: 'm5@example.org', subject: 'note 5', to: [inbox.address], body: 'body 5', date: new Date().toUTCString() }));
    expect(await poll(src, store)).toEqual(['m5@example.org']);
    await src.close();
    db.close();
  });

  it('after a purge, a message dated in the very second the first run started is read (commit times are whole seconds)', async () => {
    const inbox = new TestInbox();
    for (const i of [1, 2]) inbox.deliver(msg(i, inbox.address));
    const db = openState(join(inbox.root, 'state.db'));
    const store = new MessageStore(db);
    // The first run starts 0.7 s into a second; the message below is dated that second.
    const second = Math.floor(Date.now() / 1000) + 5;
    const src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db), () => {}, null, () => second * 1000 + 700);
    expect(await poll(src, store)).toEqual([]);
    inbox.purge(msg(1, inbox.address));
    inbox.deliver(mailText({ messageId: 'same@example.org', subject: 'same second', to: [inbox.address], body: 'same', date: new Date(second * 1000).toUTCString() }));
    expect(await poll(src, store)).toEqual(['same@example.org']);
    await src.close();
    db.close();
  });

  it('since: a first run reads the messages dated from then on', async () => {
    const inbox = new TestInbox();
    inbox.deliver(mailText({ messageId: 'old@example.org', subject: 'old', to: [inbox.address], body: 'old', date: 'Mon, 02 Mar 2026 10:00:00 +0000' }));
    inbox.deliver(mailText({ messageId: 'new@example.org', subject: 'new', to: [inbox.address], body: 'new', date: 'Tue, 10 Nov 2026 10:00:00 +0000' }));
    // Out of date order, as a list with a slow relay has it: the filter is per message, not a cut.
    inbox.deliver(mailText({ messageId: 'late@example.org', subject: 'late', to: [inbox.address], body: 'late', date: 'Sun, 01 Feb 2026 10:00:00 +0000' }));
    inbox.deliver(mailText({ messageId: 'newer@example.org', subject: 'newer', to: [inbox.address], body: 'newer', date: 'Wed, 11 Nov 2026 10:00:00 +0000' }));
    const db = openState(join(inbox.root, 'state.db'));
    const store = new MessageStore(db);
    const src = new PublicInboxSource(inbox.dir, 'test-list', new CursorStore(db), () => {}, Date.parse('2026-11-01'));
    expect(await poll(src, store)).toEqual(['new@example.org', 'newer@example.org']);
    await src.close();
    db.close();
  });

  it('an inbox that is not there is a one-line error naming it', async () => {
    const db = openState(':memory:');
    const src = new PublicInboxSource('/nonexistent/inbox', 'x', new CursorStore(db));
    await expect(src.poll(async () => {})).rejects.toThrow(/^cannot read public-inbox \/nonexistent\/inbox: ENOENT on git\/$/);
  });

  it('the raw log reader takes added and changed `m` blobs, not the empty blob of a purge', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const e = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const z = '0'.repeat(40);
    const log = [`C ${'1'.repeat(40)}`, '', `:000000 100644 ${z} ${a} A\tm`, `C ${'2'.repeat(40)}`, '', `:100644 100644 ${a} ${e} M\tm`, `C ${'3'.repeat(40)}`, '', `:100644 100644 ${e} ${b} M\tm`, `:000000 100644 ${z} ${b} A\td`].join('\n');
    expect(parseRawLog(log)).toEqual([{ commit: '1'.repeat(40), blob: a, time: NaN }, { commit: '3'.repeat(40), blob: b, time: NaN }]);
    expect(parseRawLog(`C ${'1'.repeat(40)} 1764000000\n\n:000000 100644 ${z} ${a} A\tm`)).toEqual([{ commit: '1'.repeat(40), blob: a, time: 1764000000 }]);
  });

  it('reads the next slice ahead: its blobs are asked of git before the slice in hand is taken in, and every message comes once, in order', async () => {
    // A v2 epoch of 2,100 messages (three slices of the reader's 1,000) made with git fast-import.
    const root = mkdtempSync(join(tmpdir(), 'kreview-pi-ahead-'));
    try {
      const epoch = join(root, 'inbox', 'git', '0.git');
      mkdirSync(epoch, { recursive: true });
      execFileSync('git', ['init', '-q', '--bare', epoch]);
      const lines: string[] = [];
      for (let i = 0; i < 2100; i++) {
        const m = msg(i, 'list@example.org');
        lines.push('commit refs/heads/master', `committer t <t@example.org> ${1_700_000_000 + i} +0000`, 'data 2', 'm', '');
        lines.push('M 100644 inline m', `data ${Buffer.byteLength(m)}`, m, '');
      }
      execFileSync('git', ['--git-dir', epoch, 'fast-import', '--quiet'], { input: lines.join('\n') });
      execFileSync('git', ['--git-dir', epoch, 'symbolic-ref', 'HEAD', 'refs/heads/master']);
      const db = openState(join(root, 'state.db'));
      const src = new PublicInboxSource(join(root, 'inbox'), 'test-list', new CursorStore(db), () => {}, 0);
      const events: string[] = [];
      const spy = vi.spyOn(CatFile.prototype, 'requestAll').mockImplementation(function (this: CatFile, queries: string[]) {
        if (this.mode === 'batch') events.push(`read ${queries.length}`);
        return Promise.all(queries.map((q) => this.request(q)));
      });
      const ids: string[] = [];
      try {
        await src.poll(async (batch) => {
          events.push(`take ${batch.length}`);
          for (const m of batch) ids.push(peekHeaders(m.raw).messageId!);
        });
      } finally {
        spy.mockRestore();
        await src.close();
        db.close();
      }
      expect(ids).toEqual(Array.from({ length: 2100 }, (_, i) => `m${i}@example.org`));
      // The old reader alternated: read 1000, take 1000, read 1000, take 1000, ...
      expect(events).toEqual(['read 1000', 'read 1000', 'take 1000', 'read 100', 'take 1000', 'take 100']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
