// SARIF 2.1.0 for code scanning: stable ruleIds (the finding ids) and partialFingerprints
// that survive line shifts (they hash the finding id, the file and the line's text).
import { createHash } from 'node:crypto';
import type { Finding, Patch, Review } from '../core/types.js';
import { quoteLocation } from './locate.js';

const LEVEL = { error: 'error', warning: 'warning', note: 'note' } as const;

function fingerprint(f: Finding, patch: Patch): string {
  const where = f.location.kind === 'file' ? f.location.path : f.location.kind;
  const text = quoteLocation(patch, patch.files, f.location)?.text.trim() ?? '';
  return createHash('sha256').update(`${f.id}\0${where}\0${text}`).digest('hex').slice(0, 32);
}

export function renderSarif(reviews: Review[], inputErrors: string[], toolVersion: string): string {
  const rules = new Map<string, { id: string; shortDescription: { text: string } }>();
  const results: unknown[] = [];
  for (const review of reviews)
    for (const pr of review.patches)
      for (const f of pr.findings) {
        if (!rules.has(f.id)) rules.set(f.id, { id: f.id, shortDescription: { text: f.message } });
        const loc = f.location;
        const logical = { name: pr.patch.subject, fullyQualifiedName: pr.patch.id, kind: pr.patch.kind === 'commit' ? 'commit' : 'message' };
        const location =
          loc.kind === 'file'
            ? { physicalLocation: { artifactLocation: { uri: loc.path }, region: { startLine: loc.line } }, logicalLocations: [logical] }
            : { logicalLocations: [logical], message: { text: loc.kind === 'message' ? `commit message line ${loc.line}` : 'patch' } };
        results.push({
          ruleId: f.id,
          level: LEVEL[f.severity],
          message: { text: [f.message, f.explanation, f.suggestion && `Suggested: ${f.suggestion}`].filter(Boolean).join('\n\n') },
          locations: [location],
          partialFingerprints: { 'kreviewFinding/v1': fingerprint(f, pr.patch) },
          properties: { patch: pr.patch.id, ...(f.suggestion ? { suggestion: f.suggestion } : {}), ...(f.evidence ? { evidence: f.evidence } : {}) },
        });
      }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kreview', version: toolVersion, informationUri: 'https://example.invalid/kreview', rules: [...rules.values()].sort((a, b) => a.id.localeCompare(b.id)) } },
        results,
        invocations: [
          {
            executionSuccessful: inputErrors.length === 0,
            toolExecutionNotifications: inputErrors.map((e) => ({ level: 'error', message: { text: e } })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
