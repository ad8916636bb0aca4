// Reviews as they are made, for output that is written while a long range is still being
// reviewed: a series is announced, its patches follow one at a time in order, then the run ends.
// A sink that keeps what it is given (collectReviews) gives back the Review[] the renderers take.
import type { PatchReview, Review, Series, SeriesRoute, Severity } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import type { GroupedRemark } from './group-remarks.js';

export type SeriesHead = Omit<Series, 'patches'>;

export interface SeriesStart {
  series: SeriesHead;
  route?: SeriesRoute;
  /** Patches that will follow (of a range: its commits, known from rev-list before any is read). */
  patches: number;
  /** Of those, commits (a range past SUMMARY_THRESHOLD commits has its history-wide remarks summarised). */
  commits: number;
}

export interface ReviewSink {
  /** Before the first series: how many series the run reports (the terminal names them only when several). */
  begin(series: number): void;
  seriesStart(s: SeriesStart): void;
  patch(pr: PatchReview): void;
  seriesEnd(): void;
  /** After the last series: the inputs that could not be reviewed, and the summarised remarks. */
  end(inputErrors: string[], grouped?: GroupedRemark[]): void;
}

/** The head of a Review, for a sink. */
export function seriesStartOf(review: Review): SeriesStart {
  const { patches, ...series } = review.series;
  return {
    series,
    ...(review.route ? { route: review.route } : {}),
    patches: review.patches.length,
    commits: review.patches.filter((p) => p.patch.kind === 'commit').length,
  };
}

/** Gives `review` to a sink: its head, each patch, its end. */
export function sendReview(sink: ReviewSink, review: Review): void {
  sink.seriesStart(seriesStartOf(review));
  for (const pr of review.patches) sink.patch(pr);
  sink.seriesEnd();
}

/** A sink that keeps everything: the reviews as the renderers of whole runs take them. */
export class ReviewCollector implements ReviewSink {
  readonly reviews: Review[] = [];
  inputErrors: string[] = [];
  grouped: GroupedRemark[] | undefined;
  private current: { start: SeriesStart; patches: PatchReview[] } | null = null;

  begin(): void {}

  seriesStart(s: SeriesStart): void {
    this.current = { start: s, patches: [] };
  }

  patch(pr: PatchReview): void {
    this.current!.patches.push(pr);
  }

  seriesEnd(): void {
    const { start, patches } = this.current!;
    this.reviews.push({ series: { ...start.series, patches: patches.map((p) => p.patch) }, patches, ...(start.route ? { route: start.route } : {}) });
    this.current = null;
  }

  end(inputErrors: string[], grouped?: GroupedRemark[]): void {
    this.inputErrors = inputErrors;
    this.grouped = grouped;
  }
}

/** What the exit code needs of a run, counted as it streams by (nothing of the reviews is kept). */
export class ReviewTally implements ReviewSink {
  inputErrors = 0;
  patchErrors = 0;
  /** The most severe finding seen, summarised remarks included. */
  worst: Severity | null = null;

  begin(): void {}
  seriesStart(): void {}
  seriesEnd(): void {}

  patch(pr: PatchReview): void {
    // A patch decoded with warnings (a truncated mail, hunk counts that do not match) is still an input error of `kreview review`.
    if (pr.errors.length || pr.warnings?.length) this.patchErrors++;
    for (const f of pr.findings) this.see(f.severity);
  }

  end(inputErrors: string[], grouped?: GroupedRemark[]): void {
    this.inputErrors = inputErrors.length;
    for (const g of grouped ?? []) this.see(g.severity);
  }

  private see(s: Severity): void {
    if (this.worst === null || SEVERITY_RANK[s] > SEVERITY_RANK[this.worst]) this.worst = s;
  }
}

/** Every event to each of `sinks`, in order. */
export function teeSinks(...sinks: ReviewSink[]): ReviewSink {
  return {
    begin: (n) => sinks.forEach((s) => s.begin(n)),
    seriesStart: (h) => sinks.forEach((s) => s.seriesStart(h)),
    patch: (pr) => sinks.forEach((s) => s.patch(pr)),
    seriesEnd: () => sinks.forEach((s) => s.seriesEnd()),
    end: (e, g) => sinks.forEach((s) => s.end(e, g)),
  };
}
