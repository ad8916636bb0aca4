// reviewdog's rdjsonl: one diagnostic a line, code findings only (the rest has no file).
import type { PatchReview, Review } from '../core/types.js';
import { sendReview, type ReviewSink } from './review-stream.js';

const SEVERITY = { error: 'ERROR', warning: 'WARNING', note: 'INFO' } as const;

export function renderRdjsonl(reviews: Review[]): string {
  const out: string[] = [];
  const writer = new RdjsonlWriter((s) => out.push(s));
  for (const r of reviews) sendReview(writer, r);
  return out.join('');
}

/** One line per code finding, written when its patch is done. */
export class RdjsonlWriter implements ReviewSink {
  constructor(private readonly write: (text: string) => void) {}

  begin(): void {}
  seriesStart(): void {}
  seriesEnd(): void {}
  end(): void {}

  patch(pr: PatchReview): void {
    const lines: string[] = [];
    for (const f of pr.findings) {
      if (f.location.kind !== 'file') continue;
      lines.push(JSON.stringify({
        message: f.explanation ? `${f.message}\n${f.explanation}` : f.message,
        location: { path: f.location.path, range: { start: { line: f.location.line } } },
        severity: SEVERITY[f.severity],
        source: { name: 'kreview' },
        code: { value: f.id },
      }) + '\n');
    }
    if (lines.length) this.write(lines.join(''));
  }
}
