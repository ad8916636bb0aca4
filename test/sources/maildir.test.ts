// The Maildir source: new/ is read and moved to cur/ with the Seen flag; nothing is read twice.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaildirSource } from '../../src/sources/maildir.js';
import type { RawMessage } from '../../src/watch/raw-message.js';

describe('Maildir source', () => {
  it('reads new/ in order, moves each message to cur/ with the Seen flag, reads nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-maildir-'));
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'new', '1700000000.1.host'), 'Subject: one\n\n1\n');
    writeFileSync(join(dir, 'new', '1700000001.2.host'), 'Subject: two\n\n2\n');
    writeFileSync(join(dir, 'tmp', '1700000002.3.host'), 'Subject: half-written\n');
    const src = new MaildirSource(dir, 'box');
    const seen: RawMessage[] = [];
    expect(await src.poll(async (b) => void seen.push(...b))).toBe(2);
    expect(seen.map((m) => m.raw.toString())).toEqual(['Subject: one\n\n1\n', 'Subject: two\n\n2\n']);
    expect(readdirSync(join(dir, 'new'))).toEqual([]);
    expect(readdirSync(join(dir, 'cur')).sort()).toEqual(['1700000000.1.host:2,S', '1700000001.2.host:2,S']);
    expect(await src.poll(async (b) => void seen.push(...b))).toBe(0);
  });

  it('a message is moved only after the batch was stored: a failing store leaves it in new/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-maildir-'));
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'new', 'a'), 'Subject: a\n\n');
    const src = new MaildirSource(dir, 'box');
    await expect(src.poll(async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(readdirSync(join(dir, 'new'))).toEqual(['a']);
  });

  it('a missing Maildir is a one-line error naming it', async () => {
    await expect(new MaildirSource('/nonexistent/md', 'box').poll(async () => {})).rejects.toThrow(/^cannot read Maildir \/nonexistent\/md: ENOENT on new\/$/);
  });
});
