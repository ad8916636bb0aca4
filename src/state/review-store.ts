// What the web view shows of a reviewed series: its subject, author and list, and per patch the
// findings with the lines they quote (quoted when the review ran: the diff itself is not kept).
// Written in the reviewer's transaction, pruned with the series (prune.ts).
import type { Finding, Location, PatchReview, Review } from '../core/types.js';
import { quoteFinding } from '../review/render-email.js';
import { prepared, type Db } from './open-state.js';

/** Findings kept per patch: a patch with 10,000 bad tags keeps a page's worth and a count of the rest. */
export const FINDINGS_KEPT = 200;

export interface ShownFinding {
  id: string;
  severity: Finding['severity'];
  confidence: NonNullable<Finding['confidence']>;
  /** Would the list's rules mail it (severity and confidence floors, checks)? */
  mailed: boolean;
  message: string;
  explanation: string | null;
  suggestion: string | null;
  evidence: string[];
  where: string;
  /** The quoted lines, `> ` and the patch line as written. */
  quote: string[];
}

export interface PatchView {
  messageId: string;
  seriesKey: string;
  part: number | null;
  subject: string;
  author: string;
  applied: boolean | null;
  base: string;
  findings: ShownFinding[];
  /** Findings past FINDINGS_KEPT, not kept. */
  more: number;
  notes: string[];
  errors: string[];
}

export interface SeriesView {
  key: string;
  /** Where the review was made, when not from the list's mail: the pull request it was mailed back from. */
  origin: string | null;
  subject: string;
  author: string;
  list: string;
  total: number | null;
  route: Review['route'] | null;
}

const person = (p: { name: string; email: string }): string => (p.name ? `${p.name} <${p.email}>` : p.email);

function where(l: Location): string {
  if (l.kind === 'file') return `${l.path}:${l.line}`;
  if (l.kind === 'message') return `commit message, line ${l.line}`;
  return 'the patch';
}

function shown(pr: PatchReview, f: Finding, mailed: (f: Finding) => boolean): ShownFinding {
  let quote: string[];
  try {
    quote = quoteFinding(pr.patch, f);
  } catch {
    // A finding whose place the patch does not hold is still shown, without its quote.
    quote = [];
  }
  return {
    id: f.id,
    severity: f.severity,
    confidence: f.confidence ?? 'medium',
    mailed: mailed(f),
    message: f.message,
    explanation: f.explanation ?? null,
    suggestion: f.suggestion ?? null,
    evidence: f.evidence ?? [],
    where: where(f.location),
    quote,
  };
}

interface PatchRow {
  message_id: string;
  series_key: string;
  part: number | null;
  subject: string;
  author: string;
  applied: number | null;
  base: string;
  findings: string;
  more: number;
  notes: string;
  errors: string;
}

function patchFromRow(r: PatchRow): PatchView {
  return {
    messageId: r.message_id,
    seriesKey: r.series_key,
    part: r.part,
    subject: r.subject,
    author: r.author,
    applied: r.applied === null ? null : r.applied === 1,
    base: r.base,
    findings: JSON.parse(r.findings) as ShownFinding[],
    more: r.more,
    notes: JSON.parse(r.notes) as string[],
    errors: JSON.parse(r.errors) as string[],
  };
}

export class ReviewStore {
  constructor(private readonly db: Db) {}

  /**
   * Keeps what the web view shows of a review (call inside the reviewer's transaction). `origin`
   * names a pull request the review was made on (null: the list's mail).
   */
  record(key: string, identity: string, list: string, review: Review, mailed: (f: Finding) => boolean, at: number, origin: string | null = null): void {
    const s = review.series;
    const lead = s.cover ?? s.patches[0];
    prepared(
      this.db,
      `INSERT OR REPLACE INTO series_views (key, lead, identity, version, reviewed_at, missing, subject, author, list, total, route, origin)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(key, s.id, identity, s.version, at, JSON.stringify(s.missing), s.subject, lead ? person(lead.author) : '', list, s.total,
        review.route ? JSON.stringify(review.route) : null, origin);
    const st = prepared(
      this.db,
      `INSERT OR REPLACE INTO patch_reviews (message_id, series_key, part, subject, author, applied, base, findings, more, notes, errors)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // A decoding warning (hunk counts that do not match) is shown with the notes: it is no error of the review.
    for (const pr of review.patches) {
      const kept = pr.findings.slice(0, FINDINGS_KEPT).map((f) => shown(pr, f, mailed));
      st.run(pr.patch.id, key, pr.patch.prefix.index, pr.patch.subject, person(pr.patch.author), pr.applied === null ? null : pr.applied ? 1 : 0,
        pr.base.label, JSON.stringify(kept), Math.max(0, pr.findings.length - FINDINGS_KEPT), JSON.stringify([...pr.notes, ...(pr.warnings ?? []).map((w) => `warning: ${w}`)]), JSON.stringify(pr.errors));
    }
  }

  series(key: string): SeriesView | null {
    const r = this.db.prepare(`SELECT key, origin, subject, author, list, total, route FROM series_views WHERE key = ?`).get(key) as
      | { key: string; origin: string | null; subject: string; author: string; list: string; total: number | null; route: string | null }
      | undefined;
    return r ? { ...r, route: r.route ? (JSON.parse(r.route) as Review['route']) : null } : null;
  }

  /** A series' patches in part order (a series has at most `limits` parts: bounded). */
  patchesOf(key: string, limit = 500): PatchView[] {
    return (this.db.prepare(`SELECT * FROM patch_reviews WHERE series_key = ? ORDER BY part, message_id LIMIT ?`).all(key, limit) as PatchRow[]).map(patchFromRow);
  }

  patch(messageId: string): PatchView | null {
    const r = this.db.prepare(`SELECT * FROM patch_reviews WHERE message_id = ?`).get(messageId) as PatchRow | undefined;
    return r ? patchFromRow(r) : null;
  }
}
