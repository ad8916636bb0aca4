// reviewdog's rdjsonl: one diagnostic a line, code findings only (the rest has no file).
import type { Review } from '../core/types.js';

const SEVERITY = { error: 'ERROR', warning: 'WARNING', note: 'INFO' } as const;

export function renderRdjsonl(reviews: Review[]): string {
  const lines: string[] = [];
  for (const review of reviews)
    for (const pr of review.patches)
      for (const f of pr.findings) {
        if (f.location.kind !== 'file') continue;
        lines.push(JSON.stringify({
          message: f.explanation ? `${f.message}\n${f.explanation}` : f.message,
          location: { path: f.location.path, range: { start: { line: f.location.line } } },
          severity: SEVERITY[f.severity],
          source: { name: 'kreview' },
          code: { value: f.id },
        }));
      }
  return lines.length ? lines.join('\n') + '\n' : '';
}
