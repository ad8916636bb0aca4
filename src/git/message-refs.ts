// Finds the commits a commit message points at: `Fixes:` targets, the commit a revert undoes,
// and the upstream commit a backport carries. Pure; used when indexing and on unindexed commits.

export interface MessageRefs {
  /** Lowercase hex prefixes named by `Fixes:` trailers. */
  fixes: string[];
  /** The prefix named by `This reverts commit <id>.`, or null. */
  reverts: string | null;
  /** Upstream ids named by cherry-pick / stable backport lines. */
  upstream: string[];
}

const FIXES = /^[ \t]*fixes[ \t]*:?[ \t]*(?:commit[ \t]+)?([0-9a-f]{4,64})(?![0-9a-z])/gim;
/** FIXES followed by `("subject")`. */
const FIXES_WITH_SUBJECT = new RegExp(`${FIXES.source}[ \\t]*\\(\\s*["\u201c](.*)["\u201d]\\s*\\)`, 'gim');
const REVERTS = /\bThis reverts commit ([0-9a-f]{4,64})\b/i;
// `(cherry picked from commit <id>)`, `commit <id> upstream.`, `[ Upstream commit <id> ]`
const UPSTREAM = [
  /\(cherry picked from commit ([0-9a-f]{7,64})\)/gi,
  /^commit ([0-9a-f]{7,64}) upstream\.?$/gim,
  /^\[ ?Upstream commit ([0-9a-f]{7,64}) ?\]$/gim,
];

export function messageRefs(message: string): MessageRefs {
  const fixes = new Set<string>();
  for (const m of message.matchAll(FIXES)) fixes.add(m[1].toLowerCase());
  const r = REVERTS.exec(message);
  const upstream = new Set<string>();
  for (const re of UPSTREAM) for (const m of message.matchAll(re)) upstream.add(m[1].toLowerCase());
  return { fixes: [...fixes], reverts: r ? r[1].toLowerCase() : null, upstream: [...upstream] };
}

/** Every prefix (at least `min` digits) of a full id, for lookups in prefix-keyed indexes. */
export function prefixesOf(oid: string, min = 4): string[] {
  const out: string[] = [];
  for (let n = min; n <= oid.length; n++) out.push(oid.slice(0, n));
  return out;
}

/**
 * The subjects a message's `Fixes:` lines give for the commit `prefix` names: `Fixes: <prefix>
 * ("subject")`. Empty when the tags name it without a subject.
 */
export function fixesSubjectsFor(message: string, prefix: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(FIXES_WITH_SUBJECT)) {
    if (m[1].toLowerCase() === prefix.toLowerCase()) out.push(m[2].trim());
  }
  return out;
}
