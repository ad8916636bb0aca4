// Decodes one mail (MIME, charsets, RFC 2047, in-body headers, relays) into a Patch.
// A mail without a diff is still a Patch (files: []); src/series/ decides whether it is a cover or a reply.
import { createHash } from 'node:crypto';
import PostalMime, { decodeWords, type Email } from 'postal-mime';
import { KreviewError, type MailInfo, type Patch } from '../core/types.js';
import { parseDiff } from './diff.js';
import { declareLatin1Parts, patchAttachments, plainBody, readInBodyHeaders } from './mail-body.js';
import { authorOf, isAutoSubmitted, messageIds, oneLine, parsePerson, people } from './mail-headers.js';
import { parseSubject } from './subject.js';
import { withoutTrace } from './trace-headers.js';
import { parseFooters, parseTrailers, splitCommitMessage } from './trailers.js';

/** The first line of a thrown value, for one-line errors. */
const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200);

/** Header map with lower-cased names; repeated headers joined with ", "; values on one line. */
function headerMap(email: Email): Record<string, string> {
  const map: Record<string, string> = {};
  for (const h of email.headers) {
    const v = oneLine(h.value);
    map[h.key] = h.key in map ? `${map[h.key]}, ${v}` : v;
  }
  return map;
}

/** ISO date when the text parses, else the text itself (one line), else null. */
function normaliseDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? oneLine(text) : d.toISOString();
}

/** Summary line, blank line, body: Patch.message with line 1 the summary. */
function buildMessage(summary: string, body: string): string {
  const lines = body.split('\n');
  // A mail signature (a cover letter's `-- ` and git version) is not part of the message.
  const sig = lines.indexOf('-- ');
  if (sig !== -1) lines.length = sig;
  let start = 0;
  while (start < lines.length && lines[start].trim() === '') start++;
  let end = lines.length;
  while (end > start && lines[end - 1].trim() === '') end--;
  return end > start ? `${summary}\n\n${lines.slice(start, end).join('\n')}` : summary;
}

export async function parseMail(raw: Buffer | string, source: string): Promise<Patch> {
  let buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  // git format-patch and mbox files start with a `From <sha> <date>` separator that is not a header.
  if (buf.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = buf.indexOf(0x0a);
    buf = nl === -1 ? Buffer.alloc(0) : buf.subarray(nl + 1);
  }
  const latin1 = buf.toString('latin1');
  if (latin1.trim() === '') throw new KreviewError(`${source}: empty message`);
  const sep = /\r?\n\r?\n/.exec(latin1);
  const headerAsSent = sep ? buf.subarray(0, sep.index + sep[0].length) : buf;
  const headerBytes = withoutTrace(headerAsSent);
  const bodyBytes = sep ? buf.subarray(sep.index + sep[0].length) : Buffer.alloc(0);
  // What postal-mime reads when the body is not plain text: the message without its trace fields.
  const trimmed = headerBytes === headerAsSent ? buf : Buffer.concat([headerBytes, bodyBytes]);
  let email: Email;
  try {
    // Headers first: a plain single-part body is decoded by plainBody, the rest by postal-mime.
    email = await PostalMime.parse(headerBytes, { attachmentEncoding: 'arraybuffer' });
  } catch (e) {
    throw new KreviewError(`${source}: cannot decode the message: ${firstLine(e)}`);
  }
  if (email.headers.length === 0 || !email.headers.some((h) => ['from', 'subject', 'message-id', 'date'].includes(h.key))) {
    throw new KreviewError(`${source}: not a mail message (no From, Subject, Date or Message-ID header)`);
  }
  const warnings: string[] = [];
  const notices: string[] = [];
  const headers = headerMap(email);
  const plain = plainBody(bodyBytes, headers);
  let text: string;
  if (plain) {
    text = plain.text;
    if (plain.latin1) notices.push(`the body is not UTF-8 and names no charset; read it as latin1`);
  } else {
    const parse = async (bytes: Buffer): Promise<Email> => {
      try {
        return await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer' });
      } catch (e) {
        throw new KreviewError(`${source}: cannot decode the message: ${firstLine(e)}`);
      }
    };
    email = await parse(trimmed);
    text = email.text ?? '';
    const relabelled = text.includes('\uFFFD') ? declareLatin1Parts(trimmed) : null;
    if (relabelled) {
      email = await parse(relabelled);
      text = email.text ?? '';
      notices.push('a part of the body is not UTF-8 and names no charset; read it as latin1');
    } else if (text.includes('\uFFFD')) {
      notices.push('some bytes of the body do not fit its charset and were replaced');
    }
  }
  if (/format\s*=\s*"?flowed/i.test(headers['content-type'] ?? '')) {
    // A rewrapped diff shows up as hunks whose counts do not match, which the diff reader reports.
    notices.push(`format=flowed mail; lines of the diff may have been rewrapped by the mailer`);
  }
  if (!plain && !email.text && email.html) warnings.push(`HTML-only mail; kernel lists take plain text`);
  text = text.replace(/\r\n?/g, '\n');

  const inBody = readInBodyHeaders(text);
  let body = inBody.body;
  let split = splitCommitMessage(body);
  if (split.diff === '') {
    // The patch may be an attachment (a format-patch file, or only the diff).
    const attached = patchAttachments(email.attachments)[0];
    if (attached !== undefined) {
      const attachedHeaders = readInBodyHeaders(attached.replace(/^From [^\n]*\n/, ''));
      if (attachedHeaders.subject !== null || attachedHeaders.from !== null) {
        inBody.from ??= attachedHeaders.from;
        inBody.subject ??= attachedHeaders.subject;
        inBody.date ??= attachedHeaders.date;
        body = attachedHeaders.body;
      } else {
        body = `${body}\n${attached}`;
      }
      split = splitCommitMessage(body);
    }
  }

  const subject = oneLine(inBody.subject !== null ? decodeWords(inBody.subject) : email.subject ?? '');
  const prefix = parseSubject(subject);
  const from = people(email.from)[0] ?? null;
  const replyTo = people(email.replyTo);
  const inBodyFrom = inBody.from !== null ? parsePerson(inBody.from) : null;
  const author = authorOf(from, replyTo, inBodyFrom);
  if (!author) warnings.push(`no author (From:) in the mail`);

  // git format-patch output has no Message-ID: a stable id from the content is not a problem to report.
  const messageId = messageIds(email.messageId)[0] ?? `${createHash('sha256').update(buf).digest('hex').slice(0, 32)}@kreview.invalid`;
  // A cover letter has its footers in the body; a patch below the fold.
  const footers = parseFooters(body);
  const diff = split.diff ? parseDiff(split.diff) : { files: [], warnings: [] };
  warnings.push(...diff.warnings);
  const message = buildMessage(prefix.summary, split.message);

  const mail: MailInfo = {
    messageId,
    from,
    replyTo,
    to: people(email.to),
    cc: people(email.cc),
    inReplyTo: messageIds(email.inReplyTo)[0] ?? null,
    references: messageIds(email.references),
    listIds: (headers['list-id'] ?? '').split(', ').map((v) => /<([^<>]+)>/.exec(v)?.[1] ?? v).filter(Boolean),
    autoSubmitted: isAutoSubmitted(headers),
    headers,
  };
  return {
    id: messageId,
    kind: 'mail',
    source,
    subject,
    prefix,
    author: author ?? { name: '', email: '' },
    date: normaliseDate(inBody.date ?? email.date),
    message,
    trailers: parseTrailers(message),
    notes: split.notes,
    files: diff.files,
    baseCommit: footers.baseCommit,
    changeId: footers.changeId,
    commit: null,
    parent: null,
    mail,
    warnings,
    ...(notices.length ? { notices } : {}),
  };
}
