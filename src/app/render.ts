// Renders the GitHub texts (check-run summary, review body, inline comment) from
// templates/github/*.eta, and the markers that let kreview find its own content again.
import { Eta } from 'eta';
import type { Finding, Review, SeriesRoute, Severity } from '../core/types.js';
import type { PlacedFinding } from './placement.js';
import { packagePath } from '../core/paths.js';

const eta = new Eta({
  views: packagePath('templates', 'github') + '/',
  // Markdown, not HTML: escaping happens per field in md() and fence().
  autoEscape: false,
  // Control-only lines end in -%> and eat their newline; output tags keep theirs.
  autoTrim: false,
  cache: true,
});

const LABEL: Record<Severity, string> = { error: 'Error', warning: 'Warning', note: 'Note' };

/** GitHub drops what looks like an HTML tag (`<linux/mm.h>`, `<stable+noautosel@kernel.org>`): write `<` as an entity. */
export function md(text: string): string {
  return text.replace(/</g, '&lt;');
}

/** A plain fenced block (not a ```suggestion: the text is a line to paste, not a code change), longer than any backtick run inside. */
export function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}

function cell(text: string): string {
  return md(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function location(f: Finding): string {
  const l = f.location;
  if (l.kind === 'file') return `${l.path}:${l.line}`;
  if (l.kind === 'message') return `commit message line ${l.line}`;
  return 'patch';
}

export const markers = {
  comment: (key: string) => `<!-- kreview:comment key=${key} -->`,
  review: (headSha: string) => `<!-- kreview:review head=${headSha} -->`,
  summary: (headSha: string) => `<!-- kreview:summary head=${headSha} -->`,
  outdated: (headSha: string) => `<!-- kreview:outdated head=${headSha} -->`,
};

const MARKER = /<!-- kreview:(comment|review|summary|outdated) (?:key|head)=([0-9a-f]+) -->/g;

/** The kreview markers found in a body, e.g. [{kind: 'comment', value: '<key>'}]. */
export function readMarkers(body: string | null | undefined): { kind: string; value: string }[] {
  return [...(body ?? '').matchAll(MARKER)].map((m) => ({ kind: m[1], value: m[2] }));
}

export function renderComment(p: PlacedFinding): string {
  return eta
    .render('./comment', { f: p.finding, severity: LABEL[p.finding.severity], md, fence, marker: markers.comment(p.key) })
    .trim();
}

export interface ReviewBodyModel {
  headSha: string;
  patchCount: number;
  total: number;
  inline: number;
  notes: string[];
  body: PlacedFinding[];
}

export function renderReviewBody(m: ReviewBodyModel): string {
  const where = (b: PlacedFinding): string => {
    const l = b.finding.location;
    const commit = b.patch.commit ? `\`${b.patch.commit.slice(0, 12)}\` ` : '';
    const subject = `${commit}("${md(b.patch.subject)}")`;
    if (l.kind === 'message') return `the commit message of ${subject}, line ${l.line}`;
    if (l.kind === 'file') return `${md(l.path)}:${l.line} of ${subject}`;
    return subject;
  };
  return eta
    .render('./review-body', {
      ...m,
      md,
      fence,
      where,
      severity: (f: Finding) => LABEL[f.severity],
      keyMarker: markers.comment,
      marker: markers.review(m.headSha),
    })
    .trim();
}

/**
 * The series' route as the JSON and the daemon's state say it: which tree, which base and why,
 * and whether the series applied there. A status of the series, shown beside the notes, never a
 * finding: a series that does not apply is no fault kreview found in its code.
 */
export function routeLines(route: SeriesRoute | undefined): string[] {
  if (!route) return [];
  if (!route.kernel) return [`Not reviewed with kernel rules: the series is for ${route.trees.join(', ')}, a tree kreview has no rules for.`];
  const base = route.base ? `${route.baseWhy} (${route.base.slice(0, 12)})` : route.baseWhy;
  if (route.applies === false) return [`The series does not apply to ${base}: only its hunks were read.`, ...route.tried.map((t) => `Also tried: ${t}`)];
  if (route.applies === true) return [`Reviewed on ${base}, where the series applies.`];
  return [];
}

export interface SummaryModel {
  review: Review;
  headSha: string;
  total: number;
  failOn: Severity;
  notes: string[];
}

export function renderSummary(m: SummaryModel): string {
  return eta.render('./summary', { ...m, md, cell, location, routeLines, marker: markers.summary(m.headSha) }).trim();
}

/** What an earlier kreview comment becomes when a later push no longer shows its problem. */
export function renderOutdated(oldBody: string, headSha: string): string {
  const quoted = oldBody
    .split('\n')
    .filter((l) => !l.startsWith('<!-- kreview:'))
    .map((l) => `> ${l}`)
    .join('\n');
  const key = readMarkers(oldBody).find((m) => m.kind === 'comment')?.value;
  return [
    `**Outdated**: kreview no longer reports this at ${headSha.slice(0, 12)}.`,
    '',
    quoted,
    '',
    markers.outdated(headSha),
    ...(key ? [markers.comment(key)] : []),
  ].join('\n');
}
