// The transport trace of a mail (Received, DKIM and ARC signatures, Authentication-Results, the big
// mail providers' own stamps) is most of a list message's header block: about 70 of its 100 lines
// on vger. Nothing in kreview reads it (no policy check, no reply, no review), and the MIME decoder
// awaits once per header line, so it is dropped before decoding, and out of the stored patch.

/** Header names (lower case) or name prefixes (ending in `-`) of the trace. */
const TRACE = ['received', 'x-received', 'return-path', 'delivered-to', 'x-original-to', 'dkim-signature', 'x-google-dkim-signature', 'authentication-results', 'arc-', 'x-gm-', 'x-google-', 'x-ms-', 'x-forefront-', 'x-microsoft-'];

function isTrace(name: string): boolean {
  const n = name.toLowerCase();
  return TRACE.some((t) => (t.endsWith('-') ? n.startsWith(t) : n === t));
}

/**
 * The header block (bytes up to and including the blank line) without its trace fields, each
 * kept field byte for byte with its folded lines; the same Buffer when there is nothing to drop.
 */
export function withoutTrace(header: Buffer): Buffer {
  const text = header.toString('latin1');
  const kept: string[] = [];
  let dropped = false;
  let keep = true;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    end = end === -1 ? text.length : end + 1;
    const line = text.slice(at, end);
    at = end;
    const c = line.charCodeAt(0);
    // A folded line (starting with a space or tab) goes with its field.
    if (c !== 0x20 && c !== 0x09) {
      const colon = line.indexOf(':');
      keep = colon <= 0 || !isTrace(line.slice(0, colon).trim());
    }
    if (keep) kept.push(line);
    else dropped = true;
  }
  return dropped ? Buffer.from(kept.join(''), 'latin1') : header;
}
