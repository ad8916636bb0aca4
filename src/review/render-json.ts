// kreview's own JSON: documented in docs/json-schema.md; fields are only ever added.
import type { Finding, Review, SeriesRoute } from '../core/types.js';
import { countBySeverity } from './locate.js';
import type { GroupedRemark } from './group-remarks.js';

export const JSON_SCHEMA_VERSION = 1;

export interface JsonReport {
  schema: 'kreview-review';
  version: number;
  tool: { name: 'kreview'; version: string };
  series: JsonSeries[];
  errors: string[];
  summary: { patches: number; error: number; warning: number; note: number; inputErrors: number };
  /** Over a long range: history-wide remarks as one count per id with the first few (absent otherwise). */
  grouped?: GroupedRemark[];
}

interface JsonSeries {
  id: string;
  subject: string;
  version: number;
  total: number | null;
  complete: boolean;
  missing: number[];
  cover: string | null;
  /** Which tree the series is for, the base it was reviewed on, whether it applied there (when routed). */
  route?: SeriesRoute;
  patches: JsonPatch[];
}

interface JsonPatch {
  id: string;
  kind: 'mail' | 'commit';
  source: string;
  subject: string;
  author: { name: string; email: string };
  base: { commit: string | null; source: string; label: string };
  applied: boolean | null;
  notes: string[];
  errors: string[];
  findings: JsonFinding[];
}

type JsonFinding = Omit<Finding, 'location' | 'related'> & {
  location: { kind: 'message' | 'file' | 'patch'; path?: string; line?: number };
  related?: { label: string; location: { kind: string; path?: string; line?: number } }[];
};

function finding(f: Finding): JsonFinding {
  const { location, related, ...rest } = f;
  return { ...rest, location: { ...location }, ...(related ? { related: related.map((r) => ({ label: r.label, location: { ...r.location } })) } : {}) };
}

export function toJsonReport(reviews: Review[], inputErrors: string[], toolVersion: string, grouped: GroupedRemark[] = []): JsonReport {
  const all: Finding[] = [];
  const series = reviews.map((r): JsonSeries => ({
    id: r.series.id,
    subject: r.series.subject,
    version: r.series.version,
    total: r.series.total,
    complete: r.series.complete,
    missing: r.series.missing,
    cover: r.series.cover?.id ?? null,
    ...(r.route ? { route: { ...r.route } } : {}),
    patches: r.patches.map((pr) => {
      all.push(...pr.findings);
      return {
        id: pr.patch.id,
        kind: pr.patch.kind,
        source: pr.patch.source,
        subject: pr.patch.subject,
        author: pr.patch.author,
        base: { ...pr.base },
        applied: pr.applied,
        notes: pr.notes,
        errors: pr.errors,
        findings: pr.findings.map(finding),
      };
    }),
  }));
  const c = countBySeverity(all);
  return {
    schema: 'kreview-review',
    version: JSON_SCHEMA_VERSION,
    tool: { name: 'kreview', version: toolVersion },
    series,
    errors: inputErrors,
    summary: { patches: series.reduce((n, s) => n + s.patches.length, 0), ...c, inputErrors: inputErrors.length },
    ...(grouped.length ? { grouped } : {}),
  };
}

export function renderJson(reviews: Review[], inputErrors: string[], toolVersion: string, grouped: GroupedRemark[] = []): string {
  return JSON.stringify(toJsonReport(reviews, inputErrors, toolVersion, grouped), null, 2) + '\n';
}
