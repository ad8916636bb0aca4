// Persistent series assembly: groups the waiting patches (src/series/group.ts does the grouping),
// decides which series are ready (complete and settled, or partial past the wait), and which are
// superseded by a newer version of the same series.
import type { Series } from '../core/types.js';
import { groupSeriesDetailed } from '../series/group.js';
import type { StoredPatch } from '../state/messages.js';

export interface AssemblyTiming {
  /** A partial series is reviewed this long after its first part arrived. */
  partialWaitMs: number;
  /** A complete series is reviewed this long after its last part arrived. */
  settleMs: number;
}

export interface ReadySeries {
  series: Series;
  identity: string;
  /** Message-IDs of the cover and the patches. */
  messageIds: string[];
  /** When each patch arrived (for the embargo). */
  arrivedAt: Map<string, number>;
  lists: string[];
  /** Late parts of a series reviewed before (partially): reviewed at once, without a "missing" note. */
  followUp: boolean;
}

export interface Assembly {
  ready: ReadySeries[];
  /** Messages of older versions whose newer version is here or was reviewed. */
  superseded: string[];
  /** Messages that will never make a series to review (a cover whose patches never came). */
  abandoned: string[];
}

/** How long a complete multi-part series without its cover letter waits for it (b4 puts base-commit there). */
const COVER_WAIT_CAP_MS = 5 * 60_000;

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** The same series across versions: its change-id, else the author and the topic (cover or first patch summary). */
export function identityOf(series: Series): string {
  const all = [...(series.cover ? [series.cover] : []), ...series.patches];
  const change = all.find((p) => p.changeId)?.changeId;
  if (change) return `change-id:${change}`;
  const lead = series.cover ?? series.patches[0];
  if (!lead) return `id:${series.id}`;
  return `${norm(lead.author.email)}\u0000${norm(lead.prefix.summary)}`;
}

export function seriesKey(series: Series): string {
  return `${series.id}#v${series.version}`;
}

export function assemble(
  waiting: StoredPatch[],
  timing: AssemblyTiming,
  now: number,
  reviewedVersion: (identity: string) => number | null,
  reviewedWith: (messageIds: string[], version: number) => string | null = () => null,
): Assembly {
  const byId = new Map(waiting.map((w) => [w.patch.id, w]));
  const { series: groups, waitAsPartial } = groupSeriesDetailed(waiting.map((w) => w.patch));
  const newest = new Map<string, number>();
  const withIdentity = groups.map((series) => ({ series, identity: identityOf(series) }));
  for (const { series, identity } of withIdentity) {
    const reviewed = reviewedVersion(identity) ?? 0;
    newest.set(identity, Math.max(newest.get(identity) ?? 0, reviewed, series.patches.length ? series.version : 0));
  }
  const out: Assembly = { ready: [], superseded: [], abandoned: [] };
  // Older versions to supersede, and the members of newer series not ready yet: an older version
  // whose parts a newer one borrows (a partial reroll) waits with it, or the borrowing would find
  // nothing to borrow on the next pass and the older parts would never be reviewed.
  const older: string[][] = [];
  const notReady = new Set<string>();
  for (const { series, identity } of withIdentity) {
    const members = [...(series.cover ? [series.cover] : []), ...series.patches];
    const ids = members.map((p) => p.id);
    const stored = ids.map((id) => byId.get(id)).filter((s): s is StoredPatch => s !== undefined);
    if (!stored.length) continue;
    const first = Math.min(...stored.map((s) => s.receivedAt));
    const last = Math.max(...stored.map((s) => s.receivedAt));
    if ((newest.get(identity) ?? 0) > series.version) {
      older.push(ids);
      continue;
    }
    if (!series.patches.length) {
      if (now - first >= timing.partialWaitMs) out.abandoned.push(...ids);
      continue;
    }
    // A part that answers a message of a series reviewed at this version is a late part of it.
    const refs = members.flatMap((p) => [...(p.mail?.inReplyTo ? [p.mail.inReplyTo] : []), ...(p.mail?.references ?? [])]);
    const followUp = reviewedWith(refs, series.version) !== null;
    const multi = (series.total ?? 1) > 1;
    const settled = now - last >= timing.settleMs;
    const coverWait = Math.min(timing.partialWaitMs, Math.max(timing.settleMs, COVER_WAIT_CAP_MS));
    // Completed from an older version through a review not kept here: a fresh version whose cover or
    // first part is late looks the same, so it waits as a partial series would, after its newest part.
    const ready = followUp
      ? settled
      : waitAsPartial.has(series)
      ? now - last >= timing.partialWaitMs
      : series.complete
      ? settled && (!multi || series.cover !== null || now - last >= coverWait)
      : now - first >= timing.partialWaitMs;
    if (!ready) {
      for (const id of ids) notReady.add(id);
      continue;
    }
    out.ready.push({
      series,
      identity,
      messageIds: ids,
      arrivedAt: new Map(stored.map((s) => [s.patch.id, s.receivedAt])),
      lists: [...new Set(stored.flatMap((s) => s.lists))],
      followUp,
    });
  }
  for (const ids of older) if (!ids.some((id) => notReady.has(id))) out.superseded.push(...ids);
  return out;
}
