// Streams the messages out of an mbox (mboxo or mboxrd) or a single-message file: `From ` separator
// lines, `>From ` unescaping, and a warning for a last message cut short. Parsing is src/patch/mail.ts.
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS } from '../core/limits.js';

export interface MboxMessage {
  raw: Buffer;
  /** `name#3` for the third message of an mbox; `name` when the input held one message. */
  source: string;
  /** Problems with this message's framing (truncation), one line each, without the source. */
  warnings: string[];
  /** Set when the message was not kept (larger than the limit): why, in one line; `raw` is empty. */
  skipped?: string;
}

/** `From sender date`: a separator when at the start of the input or after a blank line. */
const SEPARATOR_RE = /^From (\S+ .*\d{1,2}:\d\d|\S+\s*$)/;
/** mboxrd escapes every `>*From ` line with one more `>`; mboxo only `From `. Undoing mboxrd's rule reads both. */
const ESCAPED_RE = /^>+From /;

const FROM = Buffer.from('From ');
const isSeparator = (line: Buffer): boolean => line.length >= 5 && line.subarray(0, 5).equals(FROM) && SEPARATOR_RE.test(line.toString('latin1'));
/** Only spaces, tabs and a CR: checked on the bytes, since every line of a large mbox passes here. */
const isBlank = (line: Buffer): boolean => {
  for (let i = 0; i < line.length; i++) {
    const b = line[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
};
const isEscaped = (line: Buffer): boolean => line[0] === 0x3e && ESCAPED_RE.test(line.subarray(0, 64).toString('latin1'));

/** A line longer than the reader keeps: only its length is known (the message it is in is too large). */
export interface LongLine {
  long: number;
}

/**
 * Lines of a stream as Buffers without their `\n`, a chunk's worth at a time; `complete` is false
 * for a last line without `\n`. A line is joined from its pieces once, when its end is found, so a
 * line spanning many chunks costs its length and no more; a line longer than `maxLine` bytes is not
 * kept at all and comes out as its length.
 */
async function* lines(stream: Readable, maxLine: number): AsyncGenerator<{ lines: (Buffer | LongLine)[]; complete: boolean }> {
  let pieces: Buffer[] = [];
  let pending = 0;
  const take = (last: Buffer): Buffer | LongLine => {
    const size = pending + last.length;
    const line = size > maxLine ? { long: size } : pieces.length ? Buffer.concat([...pieces, last], size) : last;
    pieces = [];
    pending = 0;
    return line;
  };
  for await (const chunk of stream) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
    const out: (Buffer | LongLine)[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      out.push(take(buf.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < buf.length) {
      // Pieces of a line that is already too long are counted, not kept.
      if (pending + buf.length - start <= maxLine) pieces.push(buf.subarray(start));
      else pieces = [];
      pending += buf.length - start;
    }
    if (out.length) yield { lines: out, complete: true };
  }
  if (pending) yield { lines: [take(Buffer.alloc(0))], complete: false };
}

/** The lines of one message back into one buffer, each ended by `\n`. */
function joinLines(parts: Buffer[]): Buffer {
  let size = 0;
  for (const p of parts) size += p.length + 1;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) {
    at += p.copy(out, at);
    out[at++] = 0x0a;
  }
  return out;
}

/** Checks a finished message for signs that it was cut off. */
function framingWarnings(parts: Buffer[], endedMidLine: boolean): string[] {
  const warnings: string[] = [];
  const headerEnd = parts.findIndex(isBlank);
  if (headerEnd === -1) warnings.push('truncated: the headers never end');
  else if (endedMidLine) warnings.push('truncated: the input ends in the middle of a line');
  return warnings;
}

/**
 * Reads every message of `stream`; `name` is the file name used in sources and warnings. A message
 * larger than `maxMessageBytes` is not kept (memory stays bounded by it): it comes out with `skipped`
 * set, and the messages after it are read as usual.
 */
export async function* readMessages(stream: Readable, name: string, maxMessageBytes: number = DEFAULT_LIMITS.messageBytes): AsyncGenerator<MboxMessage> {
  let mbox: boolean | null = null;
  let current: Buffer[] = [];
  /** Bytes of the current message, counted on even when it is too large to keep. */
  let size = 0;
  let pending: MboxMessage | null = null;
  let count = 0;
  let previousBlank = true;
  let endedMidLine = false;
  const finish = (): MboxMessage | null => {
    const tooLarge = size > maxMessageBytes;
    // Drop the blank line that separates a message from the next `From ` line.
    while (current.length && isBlank(current[current.length - 1])) current.pop();
    const empty = current.length === 0 && !tooLarge;
    const parts = current;
    current = [];
    size = 0;
    if (empty) return null;
    count++;
    const source = `${name}#${count}`;
    if (tooLarge) return { raw: Buffer.alloc(0), source, warnings: [], skipped: `larger than ${maxMessageBytes} bytes (limits.messageBytes); skipped` };
    // mbox writers end every message with a newline; a hand-written single message often lacks one.
    return { raw: joinLines(parts), source, warnings: framingWarnings(parts, endedMidLine && mbox === true) };
  };
  for await (const batch of lines(stream, maxMessageBytes)) {
    endedMidLine = !batch.complete;
    for (const item of batch.lines) {
      if ('long' in item) {
        // Only a message too large to keep has such a line: it is counted, and nothing of it kept.
        size += item.long + 1;
        current = [];
        previousBlank = false;
        if (mbox === null) mbox = false;
        continue;
      }
      const line = item;
      // The first line that is not blank tells an mbox from a single message.
      if (mbox === null && !isBlank(line)) mbox = isSeparator(line);
      if (mbox && previousBlank && isSeparator(line)) {
        const done = finish();
        if (done) {
          if (pending) yield pending;
          pending = done;
        }
        previousBlank = false;
        continue;
      }
      previousBlank = isBlank(line);
      size += line.length + 1;
      if (size <= maxMessageBytes) current.push(mbox && isEscaped(line) ? line.subarray(1) : line);
      else current = [];
    }
  }
  const last = finish();
  if (pending) yield pending;
  if (last) {
    // A file that held one message is named by the file alone.
    if (count === 1) last.source = name;
    yield last;
  }
}
