// kreview's own JSON: documented in docs/json-schema.md; fields are only ever added.
import type { Finding, PatchReview, Review, SeriesRoute } from '../core/types.js';
import { seriesStartOf, type ReviewSink, type SeriesStart } from './review-stream.js';
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
  /** Problems decoding the patch that did not stop its review (hunk counts that do not match). */
  warnings: string[];
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

/** A series' fields as the report has them, before its patches. */
function jsonSeriesHead(h: SeriesStart): Omit<JsonSeries, 'patches'> {
  const s = h.series;
  return { id: s.id, subject: s.subject, version: s.version, total: s.total, complete: s.complete, missing: s.missing, cover: s.cover?.id ?? null, ...(h.route ? { route: { ...h.route } } : {}) };
}

function jsonPatch(pr: PatchReview): JsonPatch {
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
    warnings: pr.warnings ?? [],
    findings: pr.findings.map(finding),
  };
}

export function toJsonReport(reviews: Review[], inputErrors: string[], toolVersion: string, grouped: GroupedRemark[] = []): JsonReport {
  const all: Finding[] = [];
  const series = reviews.map((r): JsonSeries => ({
    ...jsonSeriesHead(seriesStartOf(r)),
    patches: r.patches.map((pr) => {
      all.push(...pr.findings);
      return jsonPatch(pr);
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

/**
 * `value` as JSON.stringify(value, null, 2) writes it `depth` levels deep in a document: stringified
 * inside `depth` arrays and cut out, so JSON.stringify indents it (no pass over the text to re-indent
 * it: a whole history's report is tens of megabytes).
 */
function nested(value: unknown, depth: number): string {
  let wrapped = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  // Opening: `[` and a newline and 2(i+1) spaces per level; closing: a newline, 2i spaces and `]` per level.
  const open = 2 * depth + depth * (depth + 1);
  const close = 2 * depth + depth * (depth - 1);
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(open, text.length - close);
}

/**
 * The same document as renderJson, byte for byte, written as the reviews come: the head at once,
 * each patch when it is done, errors and summary at the end. Nothing of a patch is kept once it is
 * written, so a whole history's report takes no more memory than one patch.
 */
export class JsonWriter implements ReviewSink {
  private seriesCount = 0;
  private patchCount = 0;
  private patchesInSeries = 0;
  private readonly counts = { error: 0, warning: 0, note: 0 };

  constructor(
    private readonly write: (text: string) => void,
    private readonly toolVersion: string,
  ) {}

  begin(_series?: number): void {
    this.write(`{\n  "schema": "kreview-review",\n  "version": ${JSON_SCHEMA_VERSION},\n  "tool": ${nested({ name: 'kreview', version: this.toolVersion }, 1)},\n  "series": [`);
  }

  seriesStart(h: SeriesStart): void {
    const head = Object.entries(jsonSeriesHead(h)).map(([k, v]) => `\n      ${JSON.stringify(k)}: ${nested(v, 3)},`);
    this.write(`${this.seriesCount++ ? ',' : ''}\n    {${head.join('')}\n      "patches": [`);
    this.patchesInSeries = 0;
  }

  patch(pr: PatchReview): void {
    for (const f of pr.findings) this.counts[f.severity]++;
    this.patchCount++;
    this.write(`${this.patchesInSeries++ ? ',' : ''}\n        ${nested(jsonPatch(pr), 4)}`);
  }

  seriesEnd(): void {
    this.write(`${this.patchesInSeries ? '\n      ' : ''}]\n    }`);
  }

  end(inputErrors: string[], grouped: GroupedRemark[] = []): void {
    const summary = { patches: this.patchCount, ...this.counts, inputErrors: inputErrors.length };
    this.write(
      `${this.seriesCount ? '\n  ' : ''}],\n  "errors": ${nested(inputErrors, 1)},\n  "summary": ${nested(summary, 1)}` +
        (grouped.length ? `,\n  "grouped": ${nested(grouped, 1)}` : '') +
        '\n}\n',
    );
  }
}
