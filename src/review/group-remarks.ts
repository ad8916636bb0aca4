// Over a long range of commits, remarks about history rather than about one patch (the fixed
// commit is in a release, other commits fix it too, its author was not Cc'd, its id names another
// tree) would repeat on most commits. They become one summary per id: how many, the first few.
import type { Finding, Review, Severity } from '../core/types.js';

/** Finding ids that are remarks about the history around a patch, not about the patch itself. */
export const HISTORY_WIDE_IDS: readonly string[] = ['fixes/stable-cc', 'fixes/already-fixed', 'fixes/author-not-cced', 'fixes/upstream-id'];

/** A range longer than this is summarised; a series of patches keeps every remark. */
export const SUMMARY_THRESHOLD = 20;
/** Examples kept per summary. */
export const SUMMARY_EXAMPLES = 3;

export interface GroupedRemark {
  id: string;
  severity: Severity;
  count: number;
  /** The first few, in review order: the commit, its subject, the remark's message. */
  examples: { patch: string; subject: string; message: string }[];
}

/** Reviews without the history-wide remarks of ranges longer than SUMMARY_THRESHOLD, and the summaries. */
export function groupRemarks(reviews: Review[]): { reviews: Review[]; grouped: GroupedRemark[] } {
  const groups = new Map<string, GroupedRemark>();
  const out = reviews.map((review): Review => {
    const commits = review.patches.filter((p) => p.patch.kind === 'commit').length;
    if (commits <= SUMMARY_THRESHOLD) return review;
    return {
      ...review,
      patches: review.patches.map((pr) => {
        const kept: Finding[] = [];
        for (const f of pr.findings) {
          if (!HISTORY_WIDE_IDS.includes(f.id)) {
            kept.push(f);
            continue;
          }
          let g = groups.get(f.id);
          if (!g) groups.set(f.id, (g = { id: f.id, severity: f.severity, count: 0, examples: [] }));
          g.count++;
          if (g.examples.length < SUMMARY_EXAMPLES) g.examples.push({ patch: pr.patch.id, subject: pr.patch.subject, message: f.message });
        }
        return kept.length === pr.findings.length ? pr : { ...pr, findings: kept };
      }),
    };
  });
  return { reviews: out, grouped: [...groups.values()] };
}

/** The summary as text lines, for the terminal. */
export function groupedLines(grouped: GroupedRemark[]): string[] {
  if (grouped.length === 0) return [];
  const out = ['History-wide remarks, summarised (--verbose lists each one with its commit):'];
  for (const g of grouped) {
    out.push(`  ${g.id}: ${g.count} ${g.severity}${g.count === 1 ? '' : 's'}, for example`);
    for (const e of g.examples) out.push(`    ${e.patch.slice(0, 12)} ("${e.subject}"): ${e.message}`);
  }
  out.push('');
  return out;
}
