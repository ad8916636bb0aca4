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

/** What JSON.stringify writes other than itself in a string: quote, backslash, control characters, and surrogates (a lone one is escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s) for a string: most texts of a report need no escape, and are quoted without a copy. */
function quoted(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** A newline and the indentation JSON.stringify(_, null, 2) gives a line `depth` levels deep. */
const INDENT = Array.from({ length: 12 }, (_, d) => '\n' + ' '.repeat(2 * d));

/** A value JSON.stringify writes the same inside any object: not undefined, a function or an object. */
function scalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number';
}

/** `list` as nested(list, depth) writes it, without the generic serializer when it holds strings only. */
function stringsAt(list: unknown[], depth: number): string {
  if (list.length === 0) return '[]';
  if (!list.every((v) => typeof v === 'string')) return nested(list, depth);
  let out = '[';
  for (let i = 0; i < list.length; i++) out += (i ? ',' : '') + INDENT[depth + 1] + quoted(list[i] as string);
  return out + INDENT[depth] + ']';
}

/** `obj` as nested(obj, depth) writes it, when its keys are `keys` in that order and its values scalars. */
function flatAt(obj: object, keys: readonly string[], depth: number): string {
  if (!isObject(obj)) return nested(obj, depth);
  const own = Object.keys(obj);
  const values = obj as Record<string, unknown>;
  if (own.length !== keys.length || own.some((k, i) => k !== keys[i] || !scalar(values[k]))) return nested(obj, depth);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v = values[keys[i]];
    out += (i ? ',' : '') + INDENT[depth + 1] + quoted(keys[i]) + ': ' + (typeof v === 'string' ? quoted(v) : JSON.stringify(v));
  }
  return out + INDENT[depth] + '}';
}

/** A plain object JSON.stringify writes as one (not an array, not null, no toJSON). */
function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

const AUTHOR_KEYS = ['name', 'email'] as const;
const BASE_KEYS = ['commit', 'source', 'label'] as const;

/**
 * nested(p, 4), the text of one patch in a report, byte for byte: written field by field, as
 * most of a whole history's patches have no finding (JSON.stringify's indenting walk over a
 * wrapped copy was a tenth of the CPU of DPDK's Fixes review). Findings, and any field of an
 * unexpected shape, go through nested().
 */
function patchAt4(p: JsonPatch): string {
  const plain =
    typeof p.id === 'string' && typeof p.kind === 'string' && typeof p.source === 'string' && typeof p.subject === 'string' && (p.applied === null || typeof p.applied === 'boolean') &&
    isObject(p.author) && isObject(p.base) && Array.isArray(p.notes) && Array.isArray(p.errors) && Array.isArray(p.warnings) && Array.isArray(p.findings);
  if (!plain) return nested(p, 4);
  const at = INDENT[5];
  let findings = '[]';
  if (p.findings.length) {
    findings = '[';
    for (let i = 0; i < p.findings.length; i++) findings += (i ? ',' : '') + INDENT[6] + nested(p.findings[i], 6);
    findings += at + ']';
  }
  return (
    `{${at}"id": ${quoted(p.id)},${at}"kind": ${quoted(p.kind)},${at}"source": ${quoted(p.source)},${at}"subject": ${quoted(p.subject)},` +
    `${at}"author": ${flatAt(p.author, AUTHOR_KEYS, 5)},${at}"base": ${flatAt(p.base, BASE_KEYS, 5)},${at}"applied": ${JSON.stringify(p.applied)},` +
    `${at}"notes": ${stringsAt(p.notes, 5)},${at}"errors": ${stringsAt(p.errors, 5)},${at}"warnings": ${stringsAt(p.warnings, 5)},${at}"findings": ${findings}${INDENT[4]}}`
  );
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
    this.write(`${this.patchesInSeries++ ? ',' : ''}\n        ${patchAt4(jsonPatch(pr))}`);
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
