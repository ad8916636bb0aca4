// Builds the bytes of an outgoing plain-text mail: safe header values (no CR/LF injection, RFC 2047
// for non-ASCII), folded header lines, CRLF line ends, 7bit/8bit body unless a line is too long for SMTP.
import { createRequire } from 'node:module';
import type { Person } from '../core/types.js';

// nodemailer's helpers are CommonJS modules without an ESM entry.
const require = createRequire(import.meta.url);
const mimeFuncs = require('nodemailer/lib/mime-funcs') as typeof import('nodemailer/lib/mime-funcs/index.js');
const qp = require('nodemailer/lib/qp') as typeof import('nodemailer/lib/qp/index.js');

const ADDR_RE = /^[^\s<>()",;:\\@\[\]]+@[A-Za-z0-9.-]+$/;

/** One line, no control characters: a hostile subject cannot start a new header. */
export function sanitizeHeaderValue(v: string): string {
  return v.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function isValidAddress(email: string): boolean {
  return ADDR_RE.test(email) && email.length <= 254;
}

/** Encodes a free-text header value (subject, display name) when it is not plain ASCII. */
export function encodeHeaderText(v: string): string {
  const s = sanitizeHeaderValue(v);
  return mimeFuncs.isPlainText(s) ? s : mimeFuncs.encodeWords(s, 'Q', 52);
}

export function formatAddress(p: Person): string {
  const name = sanitizeHeaderValue(p.name);
  if (!name) return p.email;
  if (!mimeFuncs.isPlainText(name)) return `${mimeFuncs.encodeWords(name, 'Q', 52)} <${p.email}>`;
  const quoted = /[()<>\[\]:;@\\,."]/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : name;
  return `${quoted} <${p.email}>`;
}

export { wrapProse } from '../review/wrap.js';

/** Folds a header line at spaces before column 78 (never right after the name); continuation lines start with a space. */
export function foldHeader(line: string, width = 78): string {
  const words = line.split(' ');
  const lines: string[] = [];
  let cur = words.shift() ?? '';
  for (const w of words) {
    if (cur.length + 1 + w.length > width && cur.trim().includes(' ')) {
      lines.push(cur);
      cur = ` ${w}`;
    } else cur += ` ${w}`;
  }
  lines.push(cur);
  return lines.join('\r\n');
}

export interface RawMailInput {
  headers: [string, string][];
  /** Body lines joined with \n. */
  text: string;
}

/** The full message with CRLF line ends; header values must already be sanitised and encoded. */
export function buildRawMail({ headers, text }: RawMailInput): string {
  const body = text.replace(/\r\n?/g, '\n');
  const ascii = /^[\x00-\x7f]*$/.test(body);
  // SMTP limits lines to 998 octets; only then does the body need quoted-printable.
  const tooLong = body.split('\n').some((l) => Buffer.byteLength(l) > 998);
  const cte = tooLong ? 'quoted-printable' : ascii ? '7bit' : '8bit';
  const all: [string, string][] = [
    ...headers,
    ['MIME-Version', '1.0'],
    ['Content-Type', `text/plain; charset=${ascii ? 'us-ascii' : 'utf-8'}`],
    ['Content-Transfer-Encoding', cte],
  ];
  const head = all.map(([k, v]) => foldHeader(`${k}: ${v}`)).join('\r\n');
  const encoded = tooLong ? qp.wrap(qp.encode(body), 76) : body;
  return `${head}\r\n\r\n${encoded.replace(/\r?\n/g, '\r\n')}${encoded.endsWith('\n') ? '' : '\r\n'}`;
}
