// Series that came from a mailing list: find the series' Message-ID in the PR body (as
// kernel-patches-daemon and b4 write it) and hand the review to the mail integration, once.
import type { Review } from '../core/types.js';

/** The seam to the mail integration (src/watch/), which owns rendering and sending replies. */
export interface MailForwarder {
  send(args: { review: Review; messageId: string; pr: { owner: string; repo: string; number: number; headSha: string } }): Promise<void>;
}

const PATTERNS: RegExp[] = [
  /^\s*Message-I[Dd]:\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/im,
  /https?:\/\/(?:lore\.kernel\.org\/[A-Za-z0-9._-]+|patch\.msgid\.link|lkml\.kernel\.org\/r)\/([^\s/<>]+(?:@|%40)[^\s/<>]+)/i,
];

/** The series' Message-ID (without <>), or null when the PR body names none. */
export function seriesMessageId(body: string | null | undefined): string | null {
  if (!body) return null;
  for (const re of PATTERNS) {
    const m = re.exec(body);
    if (!m) continue;
    try {
      return decodeURIComponent(m[1]);
    } catch {
      // A malformed %-escape in a link: take the id as written.
      return m[1];
    }
  }
  return null;
}
