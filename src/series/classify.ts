// What one message is to series assembly (a patch, a cover letter, a reply, something else), and the
// key that patches of one sending share; pure, so the mail watcher can use them row by row.
import type { Patch } from '../core/types.js';

export type MessageClass = 'patch' | 'cover' | 'reply' | 'other';

/** ` fs/x.c | 3 ++-` or ` 2 files changed, ...`: a git diffstat in the text of a mail without a diff. */
const DIFFSTAT_RE = /^ \S[^\n|]*\|\s+\d+ ?[-+]*$|^ \d+ files? changed/m;

function hasDiffstat(patch: Patch): boolean {
  return DIFFSTAT_RE.test(patch.notes) || DIFFSTAT_RE.test(patch.message);
}

/**
 * b4's reading of a message: `Re:` is a reply even with `[PATCH` and a quoted diff; a `[PATCH]`
 * mail without a diff is a reply when it answers something, otherwise not a patch; `0/N` is a cover.
 */
export function classifyMessage(patch: Patch): MessageClass {
  if (patch.kind === 'commit') return 'patch';
  const p = patch.prefix;
  if (p.isReply) return 'reply';
  if (!p.isPatch) {
    // Lists that use no subject prefix (git@vger) still send patches; `[GIT PULL]` and friends are not.
    if (p.tags.length === 0 && patch.files.length > 0) return 'patch';
    // A cover letter sent without a `[PATCH 0/N]` tag (`topic v4`, `[PATCHSET 2/3] topic`) still
    // opens its thread with a diffstat; groupSeries makes it the cover of the parts that answer it.
    // A pull request has a diffstat too, and no parts.
    const pull = p.tags.some((t) => /\bpull\b/i.test(t));
    return !pull && patch.files.length === 0 && !patch.mail?.inReplyTo && hasDiffstat(patch) ? 'cover' : 'other';
  }
  if (p.index === 0) return 'cover';
  if (patch.files.length > 0) return 'patch';
  if (p.index === null && !patch.mail?.inReplyTo && hasDiffstat(patch)) return 'cover';
  return patch.mail?.inReplyTo ? 'reply' : 'other';
}

/**
 * The key shared by the patches of one series as git send-email and b4 thread them by default
 * (every part In-Reply-To the cover, or to part 1 without a cover), with the version:
 * `<anchor id>#v<version>`. Deep threading (`--thread=deep`) and unthreaded files need groupSeries,
 * which joins parts through the whole References chain and by author, version and counters.
 */
export function seriesKeyOf(patch: Patch): string {
  const p = patch.prefix;
  const version = `#v${p.version}`;
  if (patch.kind === 'commit' || !patch.mail) return `${patch.id}${version}`;
  if (p.index === 0 || p.index === null) return `${patch.id}${version}`;
  if (p.index === 1 && !patch.mail.inReplyTo) return `${patch.id}${version}`;
  return `${patch.mail.inReplyTo ?? patch.id}${version}`;
}
