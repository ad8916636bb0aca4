// SARIF 2.1.0 for code scanning: stable ruleIds (the finding ids) and partialFingerprints
// that survive line shifts (they hash the finding id, the file and the line's text).
import { createHash } from 'node:crypto';
import type { Finding, Patch, PatchReview, Review } from '../core/types.js';
import { sendReview, type ReviewSink } from './review-stream.js';
import { quoteLocation } from './locate.js';

const LEVEL = { error: 'error', warning: 'warning', note: 'note' } as const;

function fingerprint(f: Finding, patch: Patch): string {
  const where = f.location.kind === 'file' ? f.location.path : f.location.kind;
  const text = quoteLocation(patch, patch.files, f.location)?.text.trim() ?? '';
  return createHash('sha256').update(`${f.id}\0${where}\0${text}`).digest('hex').slice(0, 32);
}

function sarifResult(f: Finding, patch: Patch): unknown {
  const loc = f.location;
  const logical = { name: patch.subject, fullyQualifiedName: patch.id, kind: patch.kind === 'commit' ? 'commit' : 'message' };
  const location =
    loc.kind === 'file'
      ? { physicalLocation: { artifactLocation: { uri: loc.path }, region: { startLine: loc.line } }, logicalLocations: [logical] }
      : { logicalLocations: [logical], message: { text: loc.kind === 'message' ? `commit message line ${loc.line}` : 'patch' } };
  return {
    ruleId: f.id,
    level: LEVEL[f.severity],
    message: { text: [f.message, f.explanation, f.suggestion && `Suggested: ${f.suggestion}`].filter(Boolean).join('\n\n') },
    locations: [location],
    partialFingerprints: { 'kreviewFinding/v1': fingerprint(f, patch) },
    properties: { patch: patch.id, ...(f.suggestion ? { suggestion: f.suggestion } : {}), ...(f.evidence ? { evidence: f.evidence } : {}) },
  };
}

export function renderSarif(reviews: Review[], inputErrors: string[], toolVersion: string): string {
  const out: string[] = [];
  const writer = new SarifWriter((s) => out.push(s), toolVersion);
  writer.begin();
  for (const r of reviews) sendReview(writer, r);
  writer.end(inputErrors);
  return out.join('');
}

/** `value` as JSON.stringify(value, null, 2) writes it `depth` levels deep in a document. */
const nested = (value: unknown, depth: number): string => JSON.stringify(value, null, 2).replace(/\n/g, '\n' + '  '.repeat(depth));

/**
 * The SARIF log written as the reviews come: each finding's result when its patch is done. The run's
 * `results` come before its `tool`, whose rule list is complete only at the end (SARIF, as JSON,
 * gives the order of an object's members no meaning).
 */
export class SarifWriter implements ReviewSink {
  private readonly rules = new Map<string, { id: string; shortDescription: { text: string } }>();
  private results = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly toolVersion: string,
  ) {}

  begin(): void {
    this.write('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [');
  }

  seriesStart(): void {}
  seriesEnd(): void {}

  patch(pr: PatchReview): void {
    const parts: string[] = [];
    for (const f of pr.findings) {
      if (!this.rules.has(f.id)) this.rules.set(f.id, { id: f.id, shortDescription: { text: f.message } });
      parts.push(`${this.results++ ? ',' : ''}\n        ${nested(sarifResult(f, pr.patch), 4)}`);
    }
    if (parts.length) this.write(parts.join(''));
  }

  end(inputErrors: string[]): void {
    const tool = { driver: { name: 'kreview', version: this.toolVersion, informationUri: 'https://example.invalid/kreview', rules: [...this.rules.values()].sort((a, b) => a.id.localeCompare(b.id)) } };
    const invocations = [{ executionSuccessful: inputErrors.length === 0, toolExecutionNotifications: inputErrors.map((e) => ({ level: 'error', message: { text: e } })) }];
    this.write(`${this.results ? '\n      ' : ''}],\n      "tool": ${nested(tool, 3)},\n      "invocations": ${nested(invocations, 3)}\n    }\n  ]\n}\n`);
  }
}
