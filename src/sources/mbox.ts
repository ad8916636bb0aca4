// Streams the messages out of an mbox (mboxo or mboxrd) or a single-message file: `From ` separator
// lines, `>From ` unescaping, and a warning for a last message cut short. Parsing is src/patch/mail.ts.
import type { Readable } from 'node:stream';

export interface MboxMessage {
  raw: Buffer;
  /** `name#3` for the third message of an mbox; `name` when the input held one message. */
  source: string;
  /** Problems with this message's framing (truncation), one line each, without the source. */
  warnings: string[];
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

/** Lines of a stream as Buffers without their `\n`, a chunk's worth at a time; `complete` is false for a last line without `\n`. */
async function* lines(stream: Readable): AsyncGenerator<{ lines: Buffer[]; complete: boolean }> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const buf: Buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      out.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = Buffer.from(buf.subarray(start));
    if (out.length) yield { lines: out, complete: true };
  }
  if (rest.length) yield { lines: [rest], complete: false };
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

/** Reads every message of `stream`; `name` is the file name used in sources and warnings. */
export async function* readMessages(stream: Readable, name: string): AsyncGenerator<MboxMessage> {
  let mbox: boolean | null = null;
  let current: Buffer[] = [];
  let pending: MboxMessage | null = null;
  let count = 0;
  let previousBlank = true;
  let endedMidLine = false;
  const finish = (): MboxMessage | null => {
    // Drop the blank line that separates a message from the next `From ` line.
    while (current.length && isBlank(current[current.length - 1])) current.pop();
    if (current.length === 0) return null;
    count++;
    const source = `${name}#${count}`;
    // mbox writers end every message with a newline; a hand-written single message often lacks one.
    const msg = { raw: joinLines(current), source, warnings: framingWarnings(current, endedMidLine && mbox === true) };
    current = [];
    return msg;
  };
  for await (const batch of lines(stream)) {
    endedMidLine = !batch.complete;
    for (const line of batch.lines) {
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
      current.push(mbox && isEscaped(line) ? line.subarray(1) : line);
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
