// A cheap look at a raw message's header block (Message-ID, List-Id) so that a message already
// seen is skipped before the full MIME decoding; the full parse is parseMail's job.

export interface HeaderPeek {
  messageId: string | null;
  listIds: string[];
  /** The Subject as written (encoded words not decoded), or null. */
  subject: string | null;
}

const MAX_HEADER_BYTES = 256 * 1024;

/** Where the header block ends (the first empty line), or the bytes looked at when none does. */
function headerLength(raw: Buffer): number {
  const head = raw.subarray(0, MAX_HEADER_BYTES);
  // An empty line is `\n\n` or `\n\r\n`: searched in the bytes, so a large message's body is never decoded.
  const lf = head.indexOf('\n\n');
  let crlf = head.indexOf('\n\r\n');
  if (crlf > 0 && head[crlf - 1] === 0x0d) crlf--;
  const ends = [lf, crlf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : head.length;
}

/**
 * A header this scan reads, at the start of the block or of a line (a lone CR starts none); the
 * name is matched as written, in any case, with the blanks around its colon.
 */
const WANTED = /(?:^|\n)(message-id|subject|list-id)[ \t]*:[ \t]*/gi;

/**
 * Message-ID (the first), Subject (the first) and every List-Id. Only those three headers are
 * looked at: the block is searched for their names rather than split into lines and each line
 * matched, which was about half the cost per message (REAL linux-nfs and linux-raid, 10,000
 * messages each: the same answers for every one). A folded value is unfolded (each line break
 * with the blanks after it is one space); a value with a stray CR in it is not read.
 */
export function peekHeaders(raw: Buffer): HeaderPeek {
  const block = raw.subarray(0, headerLength(raw)).toString('latin1');
  let messageId: string | null = null;
  let subject: string | null = null;
  const listIds: string[] = [];
  const wanted = new RegExp(WANTED);
  for (let m = wanted.exec(block); m; m = wanted.exec(block)) {
    const from = m.index + m[0].length;
    // The value runs to the first line break that no space or tab follows (its CR left out).
    let end = from;
    for (;;) {
      const nl = block.indexOf('\n', end);
      if (nl === -1) {
        end = block.length;
        break;
      }
      const next = block.charCodeAt(nl + 1);
      if (next === 0x20 || next === 0x09) {
        end = nl + 1;
        continue;
      }
      end = nl > from && block.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      break;
    }
    const value = block.slice(from, end).replace(/\r?\n[ \t]+/g, ' ');
    if (value.includes('\r')) continue;
    const name = m[1].toLowerCase();
    if (name === 'message-id') {
      if (messageId !== null) continue;
      const id = /<([^<>\s]+)>/.exec(value) ?? /^\s*(\S+)\s*$/.exec(value);
      if (id) messageId = id[1];
    } else if (name === 'subject') {
      if (subject === null) subject = value.trim();
    } else {
      const id = /<([^<>\s]+)>/.exec(value);
      if (id) listIds.push(id[1].toLowerCase());
    }
  }
  return { messageId, listIds, subject };
}
