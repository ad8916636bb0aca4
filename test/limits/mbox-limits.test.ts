// Issue 9 row 5: a 50 MB single line in an mbox took 437 s (each chunk was copied onto the
// unfinished line). The reader is linear, keeps a long line whole (it is part of the message), and
// holds no more than limits.messageBytes of one message: a larger one is skipped with one line.
import { afterAll, describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KreviewError } from '../../src/core/types.js';
import { readInputs } from '../../src/sources/files.js';
import { readMessages, type MboxMessage } from '../../src/sources/mbox.js';
import { CursorStore } from '../../src/state/cursors.js';
import { openState } from '../../src/state/open-state.js';
import { MboxTailSource } from '../../src/watch/mbox-tail.js';

const tmp = mkdtempSync(join(tmpdir(), 'kreview-mbox-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SEP = 'From x Mon Jan  1 00:00:00 2024\n';
const msg = (id: string, body: string): string => `${SEP}From: a <a@x>\nSubject: ${id}\nMessage-ID: <${id}@x>\n\n${body}\n\n`;

async function all(stream: Readable, max?: number): Promise<MboxMessage[]> {
  const out: MboxMessage[] = [];
  for await (const m of readMessages(stream, 'big.mbox', max)) out.push(m);
  return out;
}

describe('mbox reader limits', () => {
  it('a 50 MB line is read in linear time and kept whole; the messages around it are intact', async () => {
    const file = join(tmp, 'long-line.mbox');
    const long = 'y'.repeat(50 << 20);
    writeFileSync(file, msg('one', 'first') + msg('two', `before\n${long}\nafter`) + msg('three', 'last'));
    const started = Date.now();
    // The file is read in 64 KiB chunks, as `kreview review big.mbox` reads it.
    const got = await all(createReadStream(file));
    // Generous: well under a second of copying here; the old reader took 437 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(got.map((m) => m.source)).toEqual(['big.mbox#1', 'big.mbox#2', 'big.mbox#3']);
    const two = got[1].raw.toString('latin1');
    expect(two.length).toBe(two.indexOf('before\n') + 7 + long.length + '\nafter\n'.length);
    expect(two.endsWith(`before\n${long}\nafter\n`)).toBe(true);
    expect(got[2].raw.toString()).toContain('Subject: three\nMessage-ID: <three@x>\n\nlast\n');
    expect(got.every((m) => !m.skipped && m.warnings.length === 0)).toBe(true);
  }, 60_000);

  it('a message above messageBytes is skipped with one line, without being held, and the next one is read', async () => {
    const chunks = [msg('one', 'first'), msg('two', `a\n${'z'.repeat(5000)}\nb`), msg('three', 'z'.repeat(3000)), msg('four', 'last')];
    // Fed in 97-byte pieces, so the long line spans many chunks.
    const text = Buffer.from(chunks.join(''));
    const pieces: Buffer[] = [];
    for (let i = 0; i < text.length; i += 97) pieces.push(text.subarray(i, i + 97));
    const got = await all(Readable.from(pieces), 4096);
    expect(got.map((m) => [m.source, m.skipped ?? m.raw.toString().split('\n')[1]])).toEqual([
      ['big.mbox#1', 'Subject: one'],
      ['big.mbox#2', 'larger than 4096 bytes (limits.messageBytes); skipped'],
      ['big.mbox#3', 'Subject: three'],
      ['big.mbox#4', 'Subject: four'],
    ]);
  });

  it('a single message above the limit is one error, and the next input is read', async () => {
    const big = join(tmp, 'big.eml');
    const small = join(tmp, 'small.eml');
    writeFileSync(big, `From: a <a@x>\nSubject: big\n\n${'q'.repeat(10_000)}`);
    writeFileSync(small, 'From: a <a@x>\nSubject: [PATCH] small\nMessage-ID: <s@x>\n\nbody\n');
    const out: string[] = [];
    for await (const x of readInputs([big, small], 2048)) out.push(x instanceof KreviewError ? `error ${x.message}` : `patch ${x.subject}`);
    expect(out).toEqual([`error ${big}: larger than 2048 bytes (limits.messageBytes); skipped`, 'patch [PATCH] small']);
  });

  it('the growing-mbox source reads a 50 MB line in linear time too, whole, and its neighbours', async () => {
    const file = join(tmp, 'tail.mbox');
    const long = 'w'.repeat(50 << 20);
    writeFileSync(file, msg('one', 'first') + msg('two', long) + msg('three', 'last'));
    const db = openState(join(tmp, 'tail.db'));
    try {
      const got: Buffer[] = [];
      const started = Date.now();
      await new MboxTailSource(file, 'tail', new CursorStore(db)).poll(async (b) => void got.push(...b.map((m) => m.raw)));
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(got.map((r) => /Subject: (\w+)/.exec(r.toString('latin1', 0, 100))![1])).toEqual(['one', 'two', 'three']);
      expect(got[1].length).toBe(Buffer.byteLength(msg('two', long)) - SEP.length);
    } finally {
      db.close();
    }
  }, 60_000);
});
