// The text of a patch mail's body: in-body pseudo-headers (`From:`/`Subject:`/`Date:` at the top, as
// git am reads them), patches sent as attachments, and bodies in an undeclared 8-bit charset.
import type { Attachment } from 'postal-mime';
import { findDiffStart } from './trailers.js';

export interface InBodyHeaders {
  from: string | null;
  subject: string | null;
  date: string | null;
  /** The body without the pseudo-header block and the blank line after it. */
  body: string;
}

const PSEUDO_RE = /^(From|Subject|Date):[ \t]*(.*)$/i;

/** Reads `From:`/`Subject:`/`Date:` lines at the very top of a body (folded lines included). */
export function readInBodyHeaders(body: string): InBodyHeaders {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const found: Record<string, string> = {};
  let last: string | null = null;
  for (; i < lines.length; i++) {
    const m = PSEUDO_RE.exec(lines[i]);
    if (m) {
      last = m[1].toLowerCase();
      found[last] = m[2];
    } else if (last && /^[ \t]+\S/.test(lines[i])) {
      found[last] += ` ${lines[i].trim()}`;
    } else {
      break;
    }
  }
  if (last === null) return { from: null, subject: null, date: null, body };
  if (i < lines.length && lines[i].trim() === '') i++;
  return { from: found.from ?? null, subject: found.subject ?? null, date: found.date ?? null, body: lines.slice(i).join('\n') };
}

const PATCH_TYPES = /^(text\/x-patch|text\/x-diff|text\/x-ddiff|text\/plain|application\/x-patch|text\/x-log)$/i;
const PATCH_NAMES = /\.(patch|diff|txt|eml)$/i;

/** Decodes bytes as UTF-8, or as latin1 when they are not valid UTF-8. */
function decodeText(bytes: Uint8Array): { text: string; latin1: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), latin1: false };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), latin1: true };
  }
}

/** Attachments that carry a diff, decoded, in the order they came. */
export function patchAttachments(attachments: Attachment[]): string[] {
  const out: string[] = [];
  for (const a of attachments) {
    const named = a.filename !== null && PATCH_NAMES.test(a.filename);
    if (!PATCH_TYPES.test(a.mimeType) && !(named && a.mimeType === 'application/octet-stream')) continue;
    const content = typeof a.content === 'string' ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8') : a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : a.content;
    const text = decodeText(content).text.replace(/\r\n?/g, '\n');
    if (findDiffStart(text.split('\n')) !== -1) out.push(text);
  }
  return out;
}

export interface PlainBody {
  text: string;
  /** The bytes were not UTF-8 and no usable charset was named: read as latin1. */
  latin1: boolean;
}

/** A TextDecoder for a declared charset, or null when the label is unknown. */
function decoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

/**
 * The body of a single-part text/plain mail, decoded here rather than by postal-mime: it is much faster
 * on multi-megabyte patches, and an undeclared 8-bit charset becomes latin1 instead of U+FFFD.
 * Null when the mail is not single-part text/plain or its transfer encoding is unknown.
 */
export function plainBody(body: Buffer, headers: Record<string, string>): PlainBody | null {
  const type = headers['content-type'] ?? 'text/plain';
  if (!/^\s*text\/plain\s*(;|$)/i.test(type)) return null;
  const cte = (headers['content-transfer-encoding'] ?? '7bit').trim().toLowerCase();
  let bytes: Buffer;
  if (cte === '7bit' || cte === '8bit' || cte === 'binary' || cte === '') bytes = body;
  else if (cte === 'base64') bytes = Buffer.from(body.toString('latin1'), 'base64');
  else if (cte === 'quoted-printable') {
    const qp = body.toString('latin1').replace(/=\r?\n/g, '');
    bytes = Buffer.from(qp.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  } else return null;
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  const declared = charset ? decoderFor(charset) : null;
  if (declared) return { text: declared.decode(bytes), latin1: false };
  return decodeText(bytes);
}

/** A `Content-Type: text/plain...` header with its folded continuation lines. */
const TEXT_PLAIN_HEADER = /^Content-Type:[ \t]*text\/plain\b[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

/**
 * The raw mail with every text/plain part that names no charset declared latin1, or null when every
 * part names one. For multipart mails whose undeclared 8-bit parts postal-mime read as UTF-8.
 */
export function declareLatin1Parts(raw: Buffer): Buffer | null {
  let changed = false;
  const text = raw.toString('latin1').replace(TEXT_PLAIN_HEADER, (header) => {
    if (/charset\s*=/i.test(header)) return header;
    changed = true;
    return `${header}; charset=iso-8859-1`;
  });
  return changed ? Buffer.from(text, 'latin1') : null;
}
