// checkpatch-shaped terminal output: `WARNING: <message>`, then where, then the line itself.
import type { Finding, PatchReview, Review, Severity } from '../core/types.js';
import { sendReview, type ReviewSink, type SeriesStart } from './review-stream.js';
import { countBySeverity, quoteLocation } from './locate.js';
import { wrapProse } from './wrap.js';
import { groupedLines, type GroupedRemark } from './group-remarks.js';

const LABEL: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING', note: 'NOTE' };
const COLOUR: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', note: '\x1b[36m' };
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export interface TextOptions {
  colour: boolean;
  /** Print explanations under each finding (off with --terse). */
  verbose: boolean;
  /** History-wide remarks of a long range, summarised (src/review/group-remarks.ts). */
  grouped?: GroupedRemark[];
}

function paint(on: boolean, code: string, s: string): string {
  return on ? code + s + RESET : s;
}

function renderFinding(f: Finding, lineText: string | null, opts: TextOptions): string[] {
  const out = [`${paint(opts.colour, COLOUR[f.severity] + BOLD, LABEL[f.severity])}: ${f.message} ${paint(opts.colour, DIM, `[${f.id}]`)}`];
  const loc = f.location;
  if (loc.kind === 'file') out.push(`#${loc.line}: FILE: ${loc.path}:${loc.line}:`);
  else if (loc.kind === 'message') out.push(`#${loc.line}: COMMIT MESSAGE:${loc.line}:`);
  if (lineText !== null) out.push(lineText);
  if (opts.verbose && f.explanation) for (const l of wrapProse(f.explanation, 76)) out.push('  ' + l);
  if (f.suggestion) out.push(`  ${paint(opts.colour, '\x1b[32m', 'suggested:')} ${f.suggestion}`);
  out.push('');
  return out;
}

export function renderText(reviews: Review[], inputErrors: string[], opts: TextOptions): string {
  const out: string[] = [];
  const writer = new TextWriter((s) => out.push(s), opts);
  writer.begin(reviews.length);
  for (const r of reviews) sendReview(writer, r);
  writer.end(inputErrors, opts.grouped);
  return out.join('');
}

/** The terminal report written as the reviews come: each patch's block as soon as it is done. */
export class TextWriter implements ReviewSink {
  private several = false;
  private patches = 0;
  private readonly counts = { error: 0, warning: 0, note: 0 };

  constructor(
    private readonly write: (text: string) => void,
    private readonly opts: TextOptions,
  ) {}

  private lines(out: string[]): void {
    this.write(out.map((l) => l + '\n').join(''));
  }

  begin(series: number): void {
    this.several = series > 1;
  }

  seriesStart(h: SeriesStart): void {
    const s = h.series;
    if (this.several || h.patches > 1)
      this.lines([paint(this.opts.colour, BOLD, `=== ${s.subject}`) + (s.missing.length ? ` (missing: ${s.missing.map((n) => `${n}/${s.total}`).join(', ')})` : ''), '']);
  }

  patch(pr: PatchReview): void {
    const { opts } = this;
    const out: string[] = [];
    this.patches++;
    const p = pr.patch;
    out.push(paint(opts.colour, BOLD, `--- ${p.subject}`));
    out.push(`    ${p.kind === 'commit' ? 'commit' : 'message'} ${p.id}`);
    out.push(`    base: ${pr.base.label}${pr.applied === false ? ' (the patch does not apply there)' : ''}`);
    for (const n of pr.notes) out.push(`    note: ${n}`);
    for (const e of pr.errors) out.push(`    ${paint(opts.colour, COLOUR.error, 'error:')} ${e}`);
    for (const w of pr.warnings ?? []) out.push(`    ${paint(opts.colour, COLOUR.warning, 'warning:')} ${w}`);
    out.push('');
    for (const f of pr.findings) out.push(...renderFinding(f, quoteLocation(p, p.files, f.location)?.text ?? null, opts));
    const c = countBySeverity(pr.findings);
    if (pr.findings.length === 0) out.push('    no problems found', '');
    else out.push(`total: ${c.error} errors, ${c.warning} warnings, ${c.note} notes`, '');
    for (const f of pr.findings) this.counts[f.severity]++;
    this.lines(out);
  }

  seriesEnd(): void {}

  end(inputErrors: string[], grouped?: GroupedRemark[]): void {
    const { opts, patches } = this;
    const out: string[] = [];
    for (const e of inputErrors) out.push(`${paint(opts.colour, COLOUR.error, 'error:')} ${e}`);
    out.push(...groupedLines(grouped ?? []));
    const c = this.counts;
    out.push(`kreview: ${patches} patch${patches === 1 ? '' : 'es'} reviewed, ${c.error} errors, ${c.warning} warnings, ${c.note} notes` +
      (inputErrors.length ? `, ${inputErrors.length} input error${inputErrors.length === 1 ? '' : 's'}` : ''));
    this.lines(out);
  }
}
