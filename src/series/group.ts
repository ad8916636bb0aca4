// Groups patches into series the way b4 reads a thread: by threading (In-Reply-To / References), then
// by version and counters; unthreaded parts by author, version and counters; commits of a range as one.
import type { Patch, Series } from '../core/types.js';
import { classifyMessage } from './classify.js';

/** Union-find over message ids. */
class Threads {
  private parent = new Map<string, string>();
  find(id: string): string {
    let root = id;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(id, root);
    return root;
  }
  join(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** One series being filled: its parts by index (0 the cover). */
interface Bucket {
  version: number;
  total: number | null;
  parts: Map<number, Patch>;
  /** Lone patches without counters are a series of their own. */
  lone: Patch | null;
  /** Input position of the first member, for a stable order. */
  order: number;
  thread: string;
}

const ident = (p: Patch): string => `${p.author.email.toLowerCase()}\u0000${p.prefix.rfc}\u0000${p.prefix.tree ?? ''}`;

function toSeries(b: Bucket): Series {
  if (b.lone) {
    return { id: b.lone.changeId ?? b.lone.id, version: b.version, subject: b.lone.prefix.summary, cover: null, patches: [b.lone], total: 1, missing: [], complete: true };
  }
  const cover = b.parts.get(0) ?? null;
  const patches = [...b.parts.entries()].filter(([i]) => i > 0).sort(([x], [y]) => x - y).map(([, p]) => p);
  const total = b.total ?? patches.length;
  const missing: number[] = [];
  for (let i = 1; i <= total; i++) if (!b.parts.has(i)) missing.push(i);
  const lead = cover ?? patches[0];
  const changeId = [cover, ...patches].find((p) => p?.changeId)?.changeId ?? null;
  return {
    id: changeId ?? lead.id,
    version: b.version,
    subject: lead.prefix.summary,
    cover,
    patches,
    total,
    missing,
    complete: missing.length === 0 && patches.length > 0,
  };
}

/** Commits of a range: one series, in the order given. */
/** Commits of a range: one series, in their order. */
export function commitSeries(commits: Patch[]): Series {
  return { id: commits[0].id, version: 1, subject: commits[0].subject, cover: null, patches: commits, total: commits.length, missing: [], complete: true };
}

const sameWords = (a: string, b: string): boolean => a.toLowerCase().replace(/\s+/g, ' ').trim() === b.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * b4's partial reroll: `[PATCH v2 2/3]` sent in reply to v1's 2/3 takes the other parts from v1 (same
 * thread, same total), so the newer version can be reviewed whole. Only when every new part answers its
 * own older part: a v2 sent as a fresh series whose 3/3 is still in transit must not borrow v1's.
 *
 * b4 also follows the answer through the review between (`[PATCH v7 5/5]` answering a reviewer's
 * reply to v6's 5/5), but the reviews are not kept here. A part without a cover that answers a message
 * which is no patch nor cover of ours (a review, or something not here) borrows too, from the newest
 * older version by the same author with the same total whose part of that number has the same
 * summary; such a series is returned to be waited for as a partial one (a fresh version whose cover
 * is late looks the same until the rest of it comes).
 */
function fillFromOlder(buckets: Bucket[], known: Set<string>): Set<Bucket> {
  const loose = new Set<Bucket>();
  const byThread = new Map<string, Bucket[]>();
  for (const b of buckets) {
    if (b.lone) continue;
    const list = byThread.get(b.thread);
    if (list) list.push(b);
    else byThread.set(b.thread, [b]);
  }
  const author = (b: Bucket): string => [...b.parts.values()][0]?.author.email.toLowerCase() ?? '';
  for (const b of buckets) {
    if (b.lone || b.total === null || b.parts.size === 0) continue;
    let older = (byThread.get(b.thread) ?? [])
      .filter((o) => o.total === b.total && o.version < b.version)
      .sort((x, y) => y.version - x.version);
    let rerolled = older.length > 0 && [...b.parts].every(([i, p]) => i > 0 && older.some((o) => o.parts.get(i)?.id === p.mail?.inReplyTo));
    if (!rerolled && !b.parts.has(0) && b.parts.size < b.total) {
      const answersOther = [...b.parts.values()].every((p) => p.mail?.inReplyTo && !known.has(p.mail.inReplyTo));
      const from = answersOther
        ? buckets
            .filter((o) => o !== b && !o.lone && o.total === b.total && o.version < b.version && author(o) === author(b))
            .filter((o) => [...b.parts].every(([i, p]) => o.parts.has(i) && sameWords(o.parts.get(i)!.prefix.summary, p.prefix.summary)))
            .sort((x, y) => y.version - x.version || x.order - y.order)[0]
        : undefined;
      if (from) {
        older = [from];
        rerolled = true;
        loose.add(b);
      }
    }
    if (!rerolled) continue;
    // The cover too: it carries base-commit: and the series' story.
    for (let i = 0; i <= b.total; i++) {
      if (b.parts.has(i)) continue;
      const from = older.find((o) => o.parts.has(i));
      if (from) b.parts.set(i, from.parts.get(i)!);
    }
  }
  return loose;
}

/** Does a bracket tag of the subject name the version (`v3`, `PATCHv3`, `RFC-v2`), or is it the default 1? */
function versionGiven(p: Patch): boolean {
  return p.prefix.tags.some((t) => /(^|[\s,/])((patch|rfc|rft)-?)?v\d+($|[\s,/])/i.test(t));
}

/**
 * The version a part belongs to. git send-email users often put `vN` on the cover letter or on the
 * first part only: `[PATCH v2 0/2]` with `[PATCH 1/2]` and `[PATCH 2/2]` under it, or `[PATCH v3 1/3]`
 * with `[PATCH 2/3]` answering it. A part without a version of its own takes the version of the
 * cover or first part it answers (through unversioned parts, for deep threading), as b4 does.
 */
function effectiveVersions(mails: Patch[]): Map<string, number> {
  const byId = new Map(mails.map((m) => [m.id, m]));
  const out = new Map<string, number>();
  const resolve = (m: Patch, depth: number): number => {
    const known = out.get(m.id);
    if (known !== undefined) return known;
    let v = m.prefix.version;
    const parent = m.mail?.inReplyTo ? byId.get(m.mail.inReplyTo) : undefined;
    if (!versionGiven(m) && m.prefix.index !== null && m.prefix.index > 0 && parent && depth < 64) {
      const pp = parent.prefix;
      const sameSending = pp.index !== null && pp.index < m.prefix.index && (pp.total === m.prefix.total || pp.index === 0);
      if (sameSending) v = resolve(parent, depth + 1);
    }
    out.set(m.id, v);
    return v;
  };
  for (const m of mails) resolve(m, 0);
  return out;
}

/**
 * Parts of one sending whose counters disagree: `[PATCH RFC 0/3]` with `1/2`, `2/2` and `3/3` under it
 * (the author renumbered some parts and not others). When the parts answering a `0/N` cover directly,
 * by its author and at its version, have distinct numbers but not all the cover's total, they and
 * the cover take one total, the largest of the cover's and the parts' numbers, as b4 reads one
 * revision of a thread as one series. Returns the total each such message takes; nothing when the
 * counters agree, or when two parts share a number (two sendings under one cover).
 */
function sendingTotals(mails: Patch[], versions: Map<string, number>): Map<string, number> {
  const covers = new Map(mails.filter((m) => m.prefix.index === 0 && m.prefix.total !== null).map((m) => [m.id, m]));
  const under = new Map<string, Patch[]>();
  for (const m of mails) {
    const c = covers.get(m.mail?.inReplyTo ?? '');
    if (!c || m.prefix.index === null || m.prefix.index < 1 || m.prefix.total === null) continue;
    if (versions.get(m.id) !== versions.get(c.id) || m.author.email.toLowerCase() !== c.author.email.toLowerCase()) continue;
    const list = under.get(c.id);
    if (list) list.push(m);
    else under.set(c.id, [m]);
  }
  const out = new Map<string, number>();
  for (const [id, parts] of under) {
    const cover = covers.get(id)!;
    if (parts.every((m) => m.prefix.total === cover.prefix.total)) continue;
    if (new Set(parts.map((m) => m.prefix.index)).size !== parts.length) continue;
    const total = Math.max(cover.prefix.total!, ...parts.map((m) => m.prefix.index!));
    for (const m of [cover, ...parts]) out.set(m.id, total);
  }
  return out;
}

export function groupSeries(patches: Patch[]): Series[] {
  return groupSeriesDetailed(patches).series;
}

/**
 * groupSeries, and which of its series were completed from an older version through a message that is
 * not here (a review): the assembler waits for those as for a partial series.
 */
export function groupSeriesDetailed(patches: Patch[]): { series: Series[]; waitAsPartial: Set<Series> } {
  const seen = new Set<string>();
  const unique = patches.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
  const commits = unique.filter((p) => p.kind === 'commit');
  const classes = new Map(unique.map((p) => [p.id, classifyMessage(p)]));
  // A cover letter without a counter (`[PATCH] topic v4`, or no tag at all) is a cover only to the
  // series whose parts answer it; it is attached below, and otherwise stands alone without patches.
  const isCoverLike = (p: Patch): boolean => classes.get(p.id) === 'cover' && p.prefix.index === null;
  const mails = unique.filter((p) => p.kind === 'mail' && ['patch', 'cover'].includes(classes.get(p.id)!));
  const coverLike = new Map(mails.filter(isCoverLike).map((p) => [p.id, p]));
  const versions = effectiveVersions(mails);
  const totals = sendingTotals(mails, versions);

  // Threading: a part joins every message it refers to, present or not (parts of a series whose cover
  // is missing still share it; replies are gone, but References keep the chain through them).
  const threads = new Threads();
  const threaded = new Set<string>();
  for (const m of mails) {
    for (const ref of [...(m.mail?.references ?? []), m.mail?.inReplyTo]) {
      if (ref && ref !== m.id) {
        threads.join(ref, m.id);
        threaded.add(m.id).add(ref);
      }
    }
  }

  const buckets: Bucket[] = [];
  // Buckets by thread, version and total, so a mailbox of thousands of parts stays linear.
  const open = new Map<string, Bucket[]>();
  const order = new Map(mails.map((m, i) => [m.id, i]));
  mails.forEach((m, order) => {
    const p = m.prefix;
    if (coverLike.has(m.id)) return;
    const version = versions.get(m.id) ?? p.version;
    // Unthreaded parts (format-patch files, a plain mbox) meet by author, flags and version instead.
    const thread = threaded.has(m.id) ? threads.find(m.id) : `unthreaded\u0000${ident(m)}`;
    if (p.index === null) {
      buckets.push({ version, total: 1, parts: new Map(), lone: m, order, thread });
      return;
    }
    const index = p.index;
    const total = totals.get(m.id) ?? p.total;
    const key = `${thread}\u0000${version}\u0000${total}`;
    const candidates = open.get(key);
    const fits = candidates?.find((b) => !b.parts.has(index));
    if (fits) {
      fits.parts.set(index, m);
      return;
    }
    const b: Bucket = { version, total, parts: new Map([[index, m]]), lone: null, order, thread };
    buckets.push(b);
    if (candidates) candidates.push(b);
    else open.set(key, [b]);
  });
  // A counter-less cover letter belongs to the series whose parts answer it directly.
  const claimed = new Set<string>();
  for (const b of buckets) {
    if (b.lone || b.parts.has(0)) continue;
    const parent = [...b.parts.values()].map((m) => coverLike.get(m.mail?.inReplyTo ?? '')).find((c) => c !== undefined);
    if (parent && !claimed.has(parent.id)) {
      b.parts.set(0, parent);
      b.order = Math.min(b.order, order.get(parent.id)!);
      claimed.add(parent.id);
    }
  }
  for (const c of coverLike.values()) {
    if (claimed.has(c.id)) continue;
    const thread = threaded.has(c.id) ? threads.find(c.id) : `unthreaded\u0000${ident(c)}`;
    buckets.push({ version: c.prefix.version, total: null, parts: new Map([[0, c]]), lone: null, order: order.get(c.id)!, thread });
  }
  const loose = fillFromOlder(buckets, new Set(mails.map((m) => m.id)));

  // Versions of one topic stay together and come oldest first; topics in the order they were met.
  const topicOf = (s: Series): string => {
    const lead = s.cover ?? s.patches[0];
    const changeId = [s.cover, ...s.patches].find((p) => p?.changeId)?.changeId;
    return changeId ? `change-id\u0000${changeId}` : `${lead.author.email.toLowerCase()}\u0000${lead.prefix.summary.toLowerCase()}`;
  };
  const series = buckets.map((b) => {
    const s = toSeries(b);
    return { b, s, topic: topicOf(s) };
  });
  const firstSeen = new Map<string, number>();
  for (const x of series) if (!firstSeen.has(x.topic)) firstSeen.set(x.topic, x.b.order);
  series.sort((x, y) => firstSeen.get(x.topic)! - firstSeen.get(y.topic)! || x.s.version - y.s.version || x.b.order - y.b.order);

  const out = series.map((x) => x.s);
  if (commits.length > 0) out.push(commitSeries(commits));
  return { series: out, waitAsPartial: new Set(series.filter((x) => loose.has(x.b)).map((x) => x.s)) };
}
