// `kreview ingest`: one message on stdin (an MTA pipe, procmail) is queued in the state database
// and the daemon drains the queue like any other source. Queueing is quick, so the MTA is not held
// up by a review, and a message is never lost when the daemon is down.
import type { Readable } from 'node:stream';
import { KreviewError } from '../core/types.js';
import type { Db } from '../state/open-state.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { type BatchHandler, type RawMessage, type WatchSource } from '../watch/raw-message.js';

/** A stream read whole, refused with `tooLarge`'s line once it passes `max` bytes (read no further). */
export async function readAllLimited(stream: Readable, max = DEFAULT_LIMITS.messageBytes, tooLarge = (n: number) => `message on stdin is larger than ${n} bytes; refused`): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > max) throw new KreviewError(tooLarge(max));
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function queueIncoming(db: Db, raw: Buffer, source: string): void {
  if (!raw.length) throw new KreviewError('no message on stdin');
  db.prepare(`INSERT INTO incoming (source, raw) VALUES (?, ?)`).run(source, raw);
}

export class IncomingQueueSource implements WatchSource {
  readonly name = 'ingest';

  constructor(private readonly db: Db) {}

  async poll(handle: BatchHandler): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = this.db.prepare(`SELECT id, source, raw FROM incoming ORDER BY id LIMIT 200`).all() as { id: number; source: string; raw: Buffer }[];
      if (!rows.length) return n;
      const batch: RawMessage[] = rows.map((r) => ({ raw: r.raw, origin: `${r.source}#${r.id}`, source: this.name }));
      await handle(batch);
      n += batch.length;
      this.db.prepare(`DELETE FROM incoming WHERE id <= ?`).run(rows[rows.length - 1].id);
    }
  }

  async close(): Promise<void> {}
}
