// A cheap look at a raw message's header block (Message-ID, List-Id) so that a message already
// seen is skipped before the full MIME decoding; the full parse is parseMail's job.

export interface HeaderPeek {
  messageId: string | null;
  listIds: string[];
  /** The Subject as written (encoded words not decoded), or null. */
  subject: string | null;
}

const MAX_HEADER_BYTES = 256 * 1024;

export function peekHeaders(raw: Buffer): HeaderPeek {
  const head = raw.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
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
