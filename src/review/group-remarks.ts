// Over a long range of commits, remarks about history rather than about one patch (the fixed
// commit is in a release, other commits fix it too, its author was not Cc'd, its id names another
// tree) would repeat on most commits. They become one summary per id: how many, the first few.
import type { Finding, PatchReview, Review, Severity } from '../core/types.js';
import { ReviewCollector, sendReview, type ReviewSink, type SeriesStart } from './review-stream.js';

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
  const collector = new ReviewCollector();
  const grouping = new RemarkGrouper(collector);
  for (const r of reviews) sendReview(grouping, r);
  grouping.end([]);
  return { reviews: collector.reviews, grouped: collector.grouped ?? [] };
}

/**
 * A sink in front of another that takes the history-wide remarks off the patches of long ranges
 * as they stream by, and hands their summary on at the end.
 */
export class RemarkGrouper implements ReviewSink {
  private readonly groups = new Map<string, GroupedRemark>();
  private summarise = false;

  constructor(private readonly next: ReviewSink) {}

  begin(series: number): void {
    this.next.begin(series);
  }

  seriesStart(s: SeriesStart): void {
    this.summarise = s.commits > SUMMARY_THRESHOLD;
    this.next.seriesStart(s);
  }

  patch(pr: PatchReview): void {
    if (!this.summarise) return this.next.patch(pr);
    const kept: Finding[] = [];
    for (const f of pr.findings) {
      if (!HISTORY_WIDE_IDS.includes(f.id)) {
        kept.push(f);
        continue;
      }
      let g = this.groups.get(f.id);
      if (!g) this.groups.set(f.id, (g = { id: f.id, severity: f.severity, count: 0, examples: [] }));
      g.count++;
      if (g.examples.length < SUMMARY_EXAMPLES) g.examples.push({ patch: pr.patch.id, subject: pr.patch.subject, message: f.message });
    }
    this.next.patch(kept.length === pr.findings.length ? pr : { ...pr, findings: kept });
  }

  seriesEnd(): void {
    this.next.seriesEnd();
  }

  end(inputErrors: string[]): void {
    this.next.end(inputErrors, [...this.groups.values()]);
  }
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
