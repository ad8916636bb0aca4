// With review threads, intake hands the messages it decodes to the threads (idle while a pass takes
// in mail) and takes the results in the batch's order: the stored rows are the same as when the
// daemon decodes them itself, a message that cannot be decoded fails with parseMail's own error, and
// a thread that dies mid-decode costs no message.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { parseMail } from '../../src/patch/mail.js';
import { ReviewThreads } from '../../src/watch/review-threads.js';
import { Watcher } from '../../src/watch/daemon.js';
import { WatchWorld } from './watch-fixture.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const worlds: WatchWorld[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const w of worlds.splice(0)) await w.close();
});

/** A real linux-btrfs thread (its headers as sent, bodies re-told: test/fixtures/mail/real), split into its messages. */
function sampleMails(): Buffer[] {
  const text = readFileSync(new URL('../fixtures/mail/real/btrfs-cover-without-tag.mbox', import.meta.url), 'utf8');
  return text
    .split(/^(?=From \S+ .*\d{4}$)/m)
    .filter((m) => m.trim())
    .map((m) => Buffer.from(m, 'utf8'));
}

/** One pass of intake over the world's mail; the rows and warnings it stored. */
async function intakeRows(reviewThreads?: number) {
  const world = new WatchWorld();
  worlds.push(world);
  await world.start();
  for (const m of world.series(1)) world.inbox.deliver(m.raw);
  const w = new Watcher({ policyFile: world.policyFile, now: () => T0, log: () => {}, ...(reviewThreads ? { reviewThreads } : {}) });
  closers.push(() => w.close());
  await w.pollSources();
  // Two worlds' mail differs in its commit ids (part of each message's origin) and its times only.
  const strip = (x: unknown) =>
    JSON.stringify(x)
      .replace(/\b[0-9a-f]{12,40}\b/g, 'SHA')
      .replace(/\b\d{9,}\b/g, 'TIME')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'DATE')
      .replace(/\d\d:\d\d:\d\d [+-]\d{4}/g, 'CLOCK');
  const rows = strip(w.db.prepare('SELECT message_id, kind, state, lists, patch_json, note FROM messages ORDER BY message_id').all());
  const events = strip(w.db.prepare("SELECT text FROM events WHERE kind = 'warning' ORDER BY id").all());
  return { rows, events };
}

describe('intake decoding on the review threads', { timeout: 240_000 }, () => {
  it('decodes a real thread on a review thread as parseMail does here', async () => {
    const threads = new ReviewThreads(2);
    closers.push(() => threads.close());
    const mails = sampleMails();
    expect(mails.length).toBeGreaterThan(2);
    for (const [i, raw] of mails.entries()) {
      const here = await parseMail(raw, `sample ${i}`);
      const there = await threads.decode(raw, `sample ${i}`);
      expect(JSON.stringify(there)).toBe(JSON.stringify(here));
    }
    await expect(threads.decode(Buffer.from(''), 'empty')).rejects.toThrow('empty: empty message');
  });

  it('stores the same rows and warnings as intake on the daemon thread', async () => {
    const here = await intakeRows();
    const threaded = await intakeRows(2);
    expect((JSON.parse(here.rows) as unknown[]).length).toBeGreaterThanOrEqual(3);
    expect(threaded.rows).toEqual(here.rows);
    expect(threaded.events).toEqual(here.events);
  });

  it('decodes on the daemon thread what a thread that died was decoding', async () => {
    // A stand-in thread that dies on the first message it is given.
    const threads = new ReviewThreads(1, 5_000, `require('node:worker_threads').parentPort.on('message', () => process.exit(3));`);
    closers.push(() => threads.close());
    const raw = sampleMails()[0];
    const patch = await threads.decode(raw, 'sample 0');
    expect(JSON.stringify(patch)).toBe(JSON.stringify(await parseMail(raw, 'sample 0')));
  });

  it("takes every other message on the daemon's thread when that thread reviews too, the rest on the thread", async () => {
    // A stand-in thread that answers every message with a marker instead of decoding it.
    const script = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => { if ('close' in m) return parentPort.close(); parentPort.postMessage({ id: m.id, patch: { decodedBy: 'thread' } }); });`;
    const threads = new ReviewThreads(1, 5_000, script, async () => ({}) as never);
    closers.push(() => threads.close());
    const mails = sampleMails().slice(0, 4);
    const got = (await Promise.all(mails.map((raw, i) => threads.decode(raw, `sample ${i}`)))) as unknown as Record<string, unknown>[];
    // Before, all four went to the thread.
    expect(got.map((p) => (p.decodedBy === 'thread' ? 'thread' : 'here'))).toEqual(['thread', 'here', 'thread', 'here']);
    expect(JSON.stringify(got[1])).toBe(JSON.stringify(await parseMail(mails[1], 'sample 1')));
  });
});
