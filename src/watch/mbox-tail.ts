// Follows an mbox file that grows (a procmail or MTA spool): a byte-offset cursor, only whole
// messages are taken (the writer may be mid-append), and a file that shrank or was replaced is
// read again from the start (intake drops what it has seen).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KreviewError } from '../core/types.js';
import type { CursorStore } from '../state/cursors.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { type BatchHandler, type RawMessage, type WatchSource } from './raw-message.js';

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
  /** Bytes read at a time; a larger message doubles it for that message, up to maxMessageBytes. */
  static chunkBytes = CHUNK;

  constructor(
    readonly file: string,
    readonly name: string,
    private readonly cursors: CursorStore,
    private readonly warn: (msg: string) => void = () => {},
    /** `limits.messageBytes`: a larger message is skipped with one line. */
    private readonly maxMessageBytes: number = DEFAULT_LIMITS.messageBytes,
  ) {}

  /** Where the next "From " line after `from` starts, or -1 when none is in the file yet. */
  private nextSeparator(fd: number, from: number, size: number): number {
    const window = Buffer.alloc(Math.min(MboxTailSource.chunkBytes, 1 << 20) + 6);
    for (let at = from; at < size; at += window.length - 6) {
      const len = readSync(fd, window, 0, Math.min(window.length, size - at), at);
      const i = window.subarray(0, len).indexOf('\nFrom ', 0, 'latin1');
      if (i >= 0) return at + i + 1;
      if (at + len >= size) break;
    }
    return -1;
  }

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
          if (chunk < this.maxMessageBytes) {
            chunk = Math.min(chunk * 2, this.maxMessageBytes);
            continue;
          }
          // Larger than any mail kreview takes: skip to the next message, said once, nothing else lost.
          const next = this.nextSeparator(fd, offset + 1, st.size);
          if (next < 0) break;
          this.warn(`${this.name}: the message at byte ${offset} of ${this.file} is larger than ${this.maxMessageBytes} bytes; skipped`);
          offset = next;
          this.cursors.set(key, `${ino}:${offset}`);
          chunk = MboxTailSource.chunkBytes;
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
