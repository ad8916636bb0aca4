// Decides which findings a reader sees: enabled checks only, severities as configured,
// code findings only on lines the patch adds (or deletes at), no duplicates, in patch order.
import type { FileDiff, Finding, Severity } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import type { KreviewConfig } from '../core/config.js';
import { deletionPoints } from '../git/apply-hunks.js';

/** `fixes` matches `fixes/short-sha`; `fixes/short-sha` matches itself only. */
export function idMatches(id: string, pattern: string): boolean {
  return id === pattern || id.startsWith(pattern.endsWith('/') ? pattern : pattern + '/');
}

export function isEnabled(id: string, config: KreviewConfig): boolean {
  if (config.disable.some((p) => idMatches(id, p))) return false;
  return config.enable.length === 0 || config.enable.some((p) => idMatches(id, p));
}

/** Post-image lines each file's diff adds, or where it deletes lines (deletionPoints), keyed by path. */
export function addedLines(files: FileDiff[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const f of files) {
    if (!f.newPath) continue;
    const set = out.get(f.newPath) ?? new Set<number>();
    for (const h of f.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== null) set.add(l.newLine);
    for (const l of deletionPoints(f.hunks)) set.add(l);
    out.set(f.newPath, set);
  }
  return out;
}

function locationKey(f: Finding): string {
  const l = f.location;
  if (l.kind === 'message') return `m:${l.line}`;
  if (l.kind === 'file') return `f:${l.path}:${l.line}`;
  return 'p';
}

/** A suggestion that would leave the commit-message line as it is suggests nothing. */
function withoutNoopSuggestion(f: Finding, messageLines: string[]): Finding {
  if (!f.suggestion || f.location.kind !== 'message') return f;
  if (messageLines[f.location.line - 1]?.trim() !== f.suggestion.trim()) return f;
  const { suggestion: _dropped, ...rest } = f;
  return rest;
}

export function filterFindings(findings: Finding[], files: FileDiff[], config: KreviewConfig, message = ''): Finding[] {
  // Most commits of a range have nothing to say: none of the work below for them.
  if (findings.length === 0) return [];
  const messageLines = message.split('\n');
  const added = addedLines(files);
  const fileOrder = new Map(files.map((f, i) => [f.newPath ?? f.oldPath ?? '', i]));
  const seen = new Set<string>();
  const kept: Finding[] = [];
  for (const f of findings) {
    if (!isEnabled(f.id, config)) continue;
    if (f.location.kind === 'file' && !added.get(f.location.path)?.has(f.location.line)) continue;
    const key = `${f.id}|${locationKey(f)}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const severity = config.severity[f.id] ?? f.severity;
    kept.push(withoutNoopSuggestion(severity === f.severity ? f : { ...f, severity }, messageLines));
  }
  const rank = (f: Finding): [number, number, number] => {
    const l = f.location;
    if (l.kind === 'message') return [0, 0, l.line];
    if (l.kind === 'file') return [1, fileOrder.get(l.path) ?? 1e9, l.line];
    return [2, 0, 0];
  };
  return kept.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  });
}

export type Confidence = NonNullable<Finding['confidence']>;
export const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];
const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/** What a list lets out by mail; JSON, GitHub and the terminal still show every finding. */
export interface MailRules {
  minSeverity: Severity;
  /** `high` by default: a guess costs a maintainer's trust even when it is right. */
  minConfidence: Confidence;
  /** Finding ids or prefixes to mail; empty: all. */
  checks: string[];
}

export const DEFAULT_MAIL_RULES: Readonly<MailRules> = Object.freeze({ minSeverity: 'warning', minConfidence: 'high', checks: [] });

/**
 * May this finding be mailed? At or above both floors, and of a check the list asks for. A finding
 * that does not say how sure it is counts as `medium`: the check did not claim certainty.
 */
export function isMailable(f: Finding, rules: MailRules): boolean {
  if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[rules.minSeverity]) return false;
  if (CONFIDENCE_RANK[f.confidence ?? 'medium'] < CONFIDENCE_RANK[rules.minConfidence]) return false;
  return !rules.checks.length || rules.checks.some((c) => idMatches(f.id, c));
}
