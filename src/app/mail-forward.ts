// Series that came from a mailing list: find the series' Message-ID in the PR body (as
// kernel-patches-daemon and b4 write it) and hand the review to the mail integration, once.
import type { Review } from '../core/types.js';

/** The seam to the mail integration (src/watch/), which owns rendering and sending replies. */
export interface MailForwarder {
  send(args: { review: Review; messageId: string; pr: { owner: string; repo: string; number: number; headSha: string } }): Promise<void>;
  /** The web view's page for the series of this Message-ID (a check run's details_url), or null without one. */
  permalink?(messageId: string): string | null;
}

const PATTERNS: RegExp[] = [
  /^\s*Message-I[Dd]:\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/im,
  /https?:\/\/(?:lore\.kernel\.org\/[A-Za-z0-9._-]+|patch\.msgid\.link|lkml\.kernel\.org\/r)\/([^\s/<>]+(?:@|%40)[^\s/<>]+)/i,
];

/** A Message-ID as a link writes it (`a%40b`), decoded; a malformed %-escape is taken as written. */
function fromLink(id: string): string {
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

/** The series' Message-ID (without <>), or null when the PR body names none. */
export function seriesMessageId(body: string | null | undefined): string | null {
  if (!body) return null;
  for (const re of PATTERNS) {
    const m = re.exec(body);
    if (m) return fromLink(m[1]);
  }
  return null;
}

const COMMIT_MESSAGE_ID = /^Message-I[Dd]:[ \t]*<?([^\s<>]+@[^\s<>]+?)>?[ \t]*$/gm;
const COMMIT_LINK = /^Link:[ \t]*https?:\/\/(?:lore\.kernel\.org\/r|lore\.kernel\.org\/all|patch\.msgid\.link|lkml\.kernel\.org\/r)\/([^\s/<>]+(?:@|%40)[^\s/<>]+?)\/?[ \t]*$/gim;

/**
 * The Message-ID of the mail a commit was applied from, from its own trailers: `Message-ID: <id>`
 * (git am --message-id) or the last `Link: https://patch.msgid.link/<id>` (or lore.kernel.org/r/),
 * the link b4 and maintainers add last when they apply a patch. Null when it names none.
 */
export function commitMessageId(message: string): string | null {
  const direct = [...message.matchAll(COMMIT_MESSAGE_ID)];
  if (direct.length) return direct[direct.length - 1][1];
  const links = [...message.matchAll(COMMIT_LINK)];
  return links.length ? fromLink(links[links.length - 1][1]) : null;
}
