// A thread from a public-inbox HTTP server (lore.kernel.org or a mirror), fetched as b4 does: the whole
// thread of one Message-ID as `/<list>/<msgid>/t.mbox.gz`. Reads nothing but that one URL.
import { KreviewError } from '../core/types.js';
import { DEFAULT_LIMITS } from '../core/limits.js';

export const DEFAULT_LORE_URL = 'https://lore.kernel.org';
/** lore's inbox of every list; a mirror without an extindex names its list instead. */
export const DEFAULT_LORE_LIST = 'all';

export interface ThreadRef {
  /** Scheme, host and path prefix of the public-inbox server, without a trailing slash. */
  baseUrl: string;
  list: string;
  messageId: string;
}

// A Message-ID as it can appear in a URL path: no spaces, slashes or angle brackets, and a host-like
// right side (so that a revision such as `HEAD@{1}` is not taken for one).
const MSGID = /^[^\s/<>"]+@[A-Za-z0-9][A-Za-z0-9._-]*$/;
// List names of public-inbox servers: what lore uses (letters, digits, dots, dashes, underscores).
const LIST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * What a command-line argument names: `<id@host>`, `id@host`, `https://lore.kernel.org/<list>/<id>/...`,
 * `https://lore.kernel.org/r/<id>` or `https://patch.msgid.link/<id>`; null for anything else (a file
 * name, a revision).
 */
export function parseThreadRef(input: string, defaults: { baseUrl: string; list: string }): ThreadRef | null {
  const base = defaults.baseUrl.replace(/\/+$/, '');
  const bare = input.replace(/^<(.*)>$/, '$1');
  if (!/^https?:\/\//i.test(input)) return MSGID.test(bare) ? { baseUrl: base, list: defaults.list, messageId: bare } : null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  const parts = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  if (parts.some((p) => p === null)) return null;
  const segs = parts as string[];
  if (url.hostname === 'patch.msgid.link' && segs.length >= 1 && MSGID.test(segs[0]))
    return { baseUrl: base, list: defaults.list, messageId: segs[0] };
  // The Message-ID is the first segment with an @; the list is the one before it (`r` means any list).
  const at = segs.findIndex((s) => MSGID.test(s));
  if (at < 1) return null;
  const list = segs[at - 1] === 'r' ? DEFAULT_LORE_LIST : segs[at - 1];
  if (!LIST.test(list)) return null;
  const prefix = segs.slice(0, at - 1).map(encodeURIComponent).join('/');
  return { baseUrl: `${url.origin}${prefix ? `/${prefix}` : ''}`, list, messageId: segs[at] };
}

export function threadUrl(ref: ThreadRef): string {
  return `${ref.baseUrl}/${encodeURIComponent(ref.list)}/${encodeURIComponent(ref.messageId)}/t.mbox.gz`;
}

export interface FetchOptions {
  /** Bytes of the thread, compressed and uncompressed. */
  maxBytes?: number;
  timeoutMs?: number;
}

/** The thread's messages as one mbox; a one-line KreviewError when it cannot be had. */
export async function fetchThreadMbox(ref: ThreadRef, opts: FetchOptions = {}): Promise<Buffer> {
  const url = threadUrl(ref);
  const maxBytes = opts.maxBytes ?? DEFAULT_LIMITS.messageBytes;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000), redirect: 'follow', headers: { 'user-agent': 'kreview' } });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? 'no answer in time' : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
    throw new KreviewError(`cannot fetch ${url}: ${why}`);
  }
  if (res.status === 404) throw new KreviewError(`no thread <${ref.messageId}> on ${ref.baseUrl}/${ref.list}/ (404)`);
  if (!res.ok) throw new KreviewError(`cannot fetch ${url}: HTTP ${res.status}`);
  const gz = await readCapped(res, maxBytes, url);
  // zlib loads only for a thread fetched: every review parses its inputs here, few fetch one.
  const { gunzipSync } = await import('node:zlib');
  try {
    return gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KreviewError(`cannot read ${url}: ${code === 'ERR_BUFFER_TOO_LARGE' ? `the thread is larger than ${maxBytes} bytes` : 'not a gzip-compressed mbox'}`);
  }
}

async function readCapped(res: Response, maxBytes: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new KreviewError(`cannot fetch ${url}: larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
