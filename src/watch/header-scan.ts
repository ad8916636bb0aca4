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

export function peekHeaders(raw: Buffer): HeaderPeek {
  const block = raw.subarray(0, headerLength(raw)).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  let messageId: string | null = null;
  let subject: string | null = null;
  const listIds: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1].toLowerCase();
    if (name === 'message-id' && messageId === null) {
      const id = /<([^<>\s]+)>/.exec(m[2]) ?? /^\s*(\S+)\s*$/.exec(m[2]);
      if (id) messageId = id[1];
    } else if (name === 'subject' && subject === null) {
      subject = m[2].trim();
    } else if (name === 'list-id') {
      const id = /<([^<>\s]+)>/.exec(m[2]);
      if (id) listIds.push(id[1].toLowerCase());
    }
  }
  return { messageId, listIds, subject };
}
