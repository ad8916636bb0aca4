// Exactly once across crashes: a child process is SIGKILLed at every step of the outbox and
// restarted; the real SMTP server on loopback must have each reply exactly once.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../../src/state/open-state.js';
import { Outbox, type OutboxStep } from '../../src/state/outbox.js';
import { buildRawMail } from '../../src/sinks/mail-format.js';
import { DirectorySink, emlName } from '../../src/sinks/directory-sink.js';
import { startSmtpCapture } from './smtp-capture.js';
import { existsSync, readdirSync } from 'node:fs';

const CHILD = join(import.meta.dirname, 'outbox-crash-child.ts');
const IDS = ['r1@bots.example.org', 'r2@bots.example.org', 'r3@bots.example.org'];
/** The child's SMTP answer window: an unsettled reply is not sent again before it has passed. */
const ANSWER_MS = 1000;
const pastAnswerWindow = () => new Promise((r) => setTimeout(r, ANSWER_MS + 50));

function setup(): { dir: string; db: string; maildir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-crash-'));
  const db = join(dir, 'state.db');
  const maildir = join(dir, 'list');
  for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
  const s = openState(db);
  const outbox = new Outbox(s);
  for (const id of IDS) {
    const raw = buildRawMail({
      headers: [['From', 'kreview@bots.example.org'], ['To', 'jane@example.org'], ['Cc', 'list@example.org'], ['Subject', `Re: ${id}`], ['Message-ID', `<${id}>`]],
      text: `reply ${id}\n`,
    });
    outbox.enqueue({ messageId: id, inReplyTo: `p-${id}`, seriesKey: 's', seriesIdentity: 'i', version: 1, list: 'l', thread: 't', envFrom: 'kreview@bots.example.org', envTo: ['jane@example.org', 'list@example.org'], raw, notBefore: 0 });
  }
  s.close();
  return { dir, db, maildir };
}

/** Runs the child (one node process: the SIGKILL must hit the process doing the work) asynchronously: the SMTP server lives in this process and must keep answering. */
function runChild(args: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (status !== 0 && signal !== 'SIGKILL') reject(new Error(`child failed: ${err}`));
      else resolve({ status, signal });
    });
  });
}

describe('outbox crash and restart', { timeout: 180_000 }, () => {
  const steps: OutboxStep[] = ['claimed', 'delivered', 'recorded'];
  for (const step of steps) {
    it(`killed after "${step}" of the second reply: every reply arrives exactly once`, async () => {
      const { db, maildir } = setup();
      let n = 0;
      // The list: what the server accepts comes back into the Maildir the daemon reads.
      const smtp = await startSmtpCapture((m) => writeFileSync(join(maildir, 'new', `${Date.now()}.${n++}.test`), m.raw));
      try {
        const first = await runChild([db, String(smtp.port), maildir, step, IDS[1], String(15 * 60_000)]);
        expect(first.signal).toBe('SIGKILL');
        const second = await runChild([db, String(smtp.port), maildir, 'none', '-', String(15 * 60_000)]);
        expect(second.status).toBe(0);
        // Killed before the server had it, nothing can prove either way: held until the grace period ends, then sent.
        if (step === 'claimed') expect(smtp.received.some((m) => m.raw.includes(`<${IDS[1]}>`))).toBe(false);
        await pastAnswerWindow();
        await runChild([db, String(smtp.port), maildir, 'none', '-', '0']);
        const got = smtp.received.map((m) => /Message-ID: <([^>]+)>/i.exec(m.raw)?.[1]).sort();
        expect(got).toEqual([...IDS].sort());
        const s = openState(db);
        expect(new Outbox(s).counts()).toMatchObject({ sent: 3, pending: 0, sending: 0, failed: 0 });
        s.close();
      } finally {
        await smtp.close();
      }
    });
  }

  it('an orphan with no evidence waits for the grace period, then goes again with the same Message-ID and bytes', async () => {
    const { db, maildir } = setup();
    // This server's mail does not come back (an author-only reply): nothing proves delivery.
    const smtp = await startSmtpCapture();
    try {
      await runChild([db, String(smtp.port), maildir, 'delivered', IDS[0], String(15 * 60_000)]);
      await runChild([db, String(smtp.port), maildir, 'none', '-', String(15 * 60_000)]);
      // Within the grace period the uncertain reply is held, the others go.
      let s = openState(db);
      expect(new Outbox(s).state(IDS[0])).toBe('sending');
      s.close();
      expect(smtp.received.filter((m) => m.raw.includes(`<${IDS[0]}>`))).toHaveLength(1);
      await pastAnswerWindow();
      await runChild([db, String(smtp.port), maildir, 'none', '-', '0']);
      const copies = smtp.received.filter((m) => m.raw.includes(`<${IDS[0]}>`));
      expect(copies).toHaveLength(2);
      expect(copies[1].raw).toBe(copies[0].raw);
      s = openState(db);
      expect(new Outbox(s).counts()).toMatchObject({ sent: 3, sending: 0 });
      s.close();
    } finally {
      await smtp.close();
    }
  });

  it('the directory sink settles an orphan by the file it wrote', async () => {
    const { dir, db } = setup();
    const out = join(dir, 'outbox');
    const s = openState(db);
    const outbox = new Outbox(s);
    const sink = new DirectorySink(out);
    await sink.send({ messageId: IDS[0], raw: 'x', envelope: { from: 'a@b', to: ['c@d'] } });
    // As if a dead run had claimed it: another run id.
    s.prepare(`UPDATE outbox SET state = 'sending', claimed_by = 'dead', claimed_at = 0 WHERE message_id = ?`).run(IDS[0]);
    s.prepare(`UPDATE outbox SET state = 'sending', claimed_by = 'dead', claimed_at = ? WHERE message_id = ?`).run(Date.now(), IDS[1]);
    const r = await outbox.recover(sink);
    expect(r.sent).toEqual([IDS[0]]);
    expect(r.requeued).toEqual([IDS[1]]);
    await outbox.dispatch(sink);
    expect(readdirSync(out).sort()).toEqual(IDS.map(emlName).sort());
    expect(existsSync(join(out, emlName(IDS[2])))).toBe(true);
    s.close();
  });

  it('a failing server is retried with back-off and never loses the reply', async () => {
    const { db } = setup();
    const s = openState(db);
    const outbox = new Outbox(s);
    outbox.maxAttempts = 2;
    // Nothing listens on this port.
    const { SmtpSink } = await import('../../src/sinks/smtp-sink.js');
    const sink = new SmtpSink({ host: '127.0.0.1', port: 1, connectionTimeoutMs: 2000 });
    const t0 = 1_000_000;
    const r1 = await outbox.dispatch(sink, { now: t0 });
    expect(r1.retried.sort()).toEqual([...IDS].sort());
    expect((await outbox.dispatch(sink, { now: t0 + 1000 })).retried).toEqual([]);
    const r2 = await outbox.dispatch(sink, { now: t0 + 31_000 });
    expect(r2.failed.sort()).toEqual([...IDS].sort());
    expect(outbox.counts().failed).toBe(3);
    expect(outbox.retryFailed()).toBe(3);
    expect(outbox.counts().pending).toBe(3);
    await sink.close();
    s.close();
  });
});
