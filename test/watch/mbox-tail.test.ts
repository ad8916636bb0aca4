// The growing-mbox source: only whole messages, a byte cursor that survives a restart, a file
// that was replaced read again from the start.
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CursorStore } from '../../src/state/cursors.js';
import { openState } from '../../src/state/open-state.js';
import { MboxTailSource, splitMboxChunk } from '../../src/watch/mbox-tail.js';

const msg = (n: number) => `From jane@example.org Tue Nov 24 10:00:00 2026\nSubject: m${n}\n\nbody ${n}\n>From the start\n\n`;

async function read(src: MboxTailSource): Promise<string[]> {
  const out: string[] = [];
  await src.poll(async (b) => void out.push(...b.map((m) => /Subject: (\S+)/.exec(m.raw.toString())![1])));
  return out;
}

describe('growing mbox', () => {
  it('takes whole messages only, continues from its byte cursor after a restart, re-reads a replaced file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-mbox-'));
    const file = join(dir, 'list.mbox');
    const statePath = join(dir, 'state.db');
    writeFileSync(file, msg(1) + msg(2) + 'From jane@example.org Tue Nov 24 10:00:00 2026\nSubject: m3\n\nhalf');
    let db = openState(statePath);
    expect(await read(new MboxTailSource(file, 'mbox', new CursorStore(db)))).toEqual(['m1', 'm2']);
    appendFileSync(file, ' written\n\n');
    db.close();
    db = openState(statePath);
    const src = new MboxTailSource(file, 'mbox', new CursorStore(db));
    expect(await read(src)).toEqual(['m3']);
    appendFileSync(file, msg(4));
    expect(await read(src)).toEqual(['m4']);
    expect(await read(src)).toEqual([]);
    // Rotated: a new file under the same name is read from its start.
    writeFileSync(join(dir, 'new.mbox'), msg(5));
    renameSync(join(dir, 'new.mbox'), file);
    expect(await read(src)).toEqual(['m5']);
    db.close();
  });

  it('undoes mboxrd ">From " escaping', () => {
    const { messages, consumed } = splitMboxChunk(Buffer.from(msg(1)), true);
    expect(consumed).toBe(Buffer.byteLength(msg(1)));
    expect(messages[0].toString()).toBe('Subject: m1\n\nbody 1\nFrom the start\n\n');
  });
});

describe('growing mbox, large messages', () => {
  it('a message larger than the read chunk is still read whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-mbox-'));
    const file = join(dir, 'list.mbox');
    const big = `From jane@example.org Tue Nov 24 10:00:00 2026\nSubject: big\n\n${'z'.repeat(5000)}\n\n`;
    writeFileSync(file, msg(1) + big + msg(2));
    const saved = MboxTailSource.chunkBytes;
    MboxTailSource.chunkBytes = 1024;
    try {
      const db = openState(join(dir, 'state.db'));
      expect(await read(new MboxTailSource(file, 'mbox', new CursorStore(db)))).toEqual(['m1', 'big', 'm2']);
      db.close();
    } finally {
      MboxTailSource.chunkBytes = saved;
    }
  });

  /** A source on `text` with a 1 KiB read chunk and a 4 KiB message limit, and the lines it warns. */
  async function small(text: string, body: (src: MboxTailSource, file: string, warnings: string[]) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-mbox-'));
    const file = join(dir, 'list.mbox');
    writeFileSync(file, text);
    const saved = MboxTailSource.chunkBytes;
    MboxTailSource.chunkBytes = 1024;
    const db = openState(join(dir, 'state.db'));
    try {
      const warnings: string[] = [];
      await body(new MboxTailSource(file, 'mbox', new CursorStore(db), (m) => warnings.push(m), 4096), file, warnings);
    } finally {
      db.close();
      MboxTailSource.chunkBytes = saved;
    }
  }
  const huge = `From jane@example.org Tue Nov 24 10:00:00 2026\nSubject: huge\n\n${'z'.repeat(20_000)}`;

  it('a message larger than the limit is skipped with one line, and the messages after it are read', () =>
    small(msg(1) + huge + '\n\n' + msg(2) + msg(3), async (src, file, warnings) => {
      expect(await read(src)).toEqual(['m1', 'm2', 'm3']);
      expect(warnings).toEqual([`mbox: the message at byte ${Buffer.byteLength(msg(1))} of ${file} is larger than 4096 bytes; skipped`]);
      // The cursor is past it: nothing is read or said again.
      expect(await read(src)).toEqual([]);
      expect(warnings).toHaveLength(1);
    }));

  it('a huge message still being written at the end of the file waits, unread and unskipped', () =>
    small(msg(1) + huge, async (src, file, warnings) => {
      expect(await read(src)).toEqual(['m1']);
      expect(warnings).toEqual([]);
      appendFileSync(file, '\n\n' + msg(2));
      expect(await read(src)).toEqual(['m2']);
      expect(warnings).toHaveLength(1);
    }));
});
