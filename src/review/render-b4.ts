// b4's review-check protocol: a JSON array of {tool, status, summary, details}, one entry a patch.
import type { Review } from '../core/types.js';
import { countBySeverity, describeLocation } from './locate.js';

export function renderB4(reviews: Review[], inputErrors: string[]): string {
  const out: { tool: string; status: 'pass' | 'warn' | 'fail'; summary: string; details: string }[] = [];
  for (const review of reviews)
    for (const pr of review.patches) {
      const c = countBySeverity(pr.findings);
      const warnings = pr.warnings ?? [];
      const status = c.error > 0 || pr.errors.length > 0 ? 'fail' : c.warning > 0 || warnings.length > 0 ? 'warn' : 'pass';
      const summary = status === 'pass' && c.note === 0 ? `${pr.patch.subject}: no problems found` : `${pr.patch.subject}: ${c.error} errors, ${c.warning} warnings, ${c.note} notes`;
      const details = [
        ...pr.errors,
        ...warnings.map((w) => `WARNING: ${w}`),
        ...pr.findings.map((f) => `${f.severity.toUpperCase()}: ${describeLocation(f.location)}: ${f.message} [${f.id}]${f.suggestion ? `\n  suggested: ${f.suggestion}` : ''}`),
      ].join('\n');
      out.push({ tool: 'kreview', status, summary, details });
    }
  for (const e of inputErrors) out.push({ tool: 'kreview', status: 'fail', summary: e, details: e });
  return JSON.stringify(out, null, 2) + '\n';
}
