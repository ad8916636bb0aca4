// Follows an mbox file that grows (a procmail or MTA spool): a byte-offset cursor, only whole
// messages are taken (the writer may be mid-append), and a file that shrank or was replaced is
// read again from the start (intake drops what it has seen).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KreviewError } from '../core/types.js';
import type { CursorStore } from '../state/cursors.js';
import type { BatchHandler, RawMessage, WatchSource } from './raw-message.js';

const CHUNK = 16 << 20;

/**
 * Splits mbox text at "From " lines. Returns the messages and how many bytes they span; a trailing
 * message counts only when a later "From " line or a final blank line shows that it is whole.
 */
export function splitMboxChunk(buf: Buffer, atEof: boolean): { messages: Buffer[]; consumed: number } {
  const starts: number[] = [];
  if (buf.subarray(0, 5).toString('latin1') === 'From ') starts.push(0);
  let i = 0;
  while ((i = buf.indexOf('\nFrom ', i, 'latin1')) >= 0) {
    starts.push(i + 1);
    i += 1;
  }
  const messages: Buffer[] = [];
  for (let k = 0; k < starts.length; k++) {
    const last = k === starts.length - 1;
    const end = last ? buf.length : starts[k + 1];
    if (last) {
      const tail = buf.subarray(Math.max(starts[k], end - 2), end).toString('latin1');
      if (!(atEof && tail === '\n\n')) return { messages, consumed: starts[k] };
    }
    messages.push(unescapeFrom(buf.subarray(buf.indexOf('\n', starts[k]) + 1, end)));
  }
  return { messages, consumed: starts.length ? buf.length : 0 };
}

/** mboxrd: ">From " lines in a body were escaped with one more '>'. */
function unescapeFrom(b: Buffer): Buffer {
  if (b.indexOf('>From ', 0, 'latin1') < 0) return b;
  return Buffer.from(b.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

export class MboxTailSource implements WatchSource {
  /** Bytes read at a time; a larger message doubles it for that message. */
  static chunkBytes = CHUNK;

  constructor(
    readonly file: string,
    readonly name: string,
    private readonly cursors: CursorStore,
  ) {}

  async poll(handle: BatchHandler): Promise<number> {
    const key = `mbox:${this.file}`;
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (e) {
      throw new KreviewError(`cannot read mbox ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let n = 0;
    try {
      const st = fstatSync(fd);
      const saved = this.cursors.get(key);
      let [ino, offset] = saved ? saved.split(':').map(Number) : [st.ino, 0];
      if (ino !== st.ino || offset > st.size) [ino, offset] = [st.ino, 0];
      let chunk = MboxTailSource.chunkBytes;
      while (offset < st.size) {
        const len = Math.min(chunk, st.size - offset);
        const buf = Buffer.alloc(len);
        readSync(fd, buf, 0, len, offset);
        const { messages, consumed } = splitMboxChunk(buf, offset + len === st.size);
        if (consumed === 0) {
          // One message larger than the chunk: read more of it, unless the file ends here (still being written).
          if (offset + len === st.size) break;
          chunk *= 2;
          continue;
        }
        chunk = MboxTailSource.chunkBytes;
        const batch: RawMessage[] = messages.map((raw, k) => ({ raw, origin: `${this.name} @${offset}#${k + 1}`, source: this.name }));
        await handle(batch);
        n += batch.length;
        offset += consumed;
        this.cursors.set(key, `${ino}:${offset}`);
      }
    } finally {
      closeSync(fd);
    }
    return n;
  }

  async close(): Promise<void> {}
}
