// A finding on a mail whose hunks were placed in the base with reduced context (workspace.ts,
// git apply -C<n>): the function it judges is the base's, with the mail's changes set in where they
// seemed to fit. That is a guess, so the finding is a low-confidence note that says what was assumed
// (a list mails only sure findings by default).
import type { Finding } from '../../src/core/types.js';

export function onPlacedHunks(f: Finding, assumed: string): Finding {
  if (f.location.kind !== 'file') return f;
  return {
    ...f,
    severity: 'note',
    confidence: 'low',
    message: `${f.message} (assumed: the mail does not apply to the base as sent; its hunks were placed in the base's copy of the file with less context matching)`,
    explanation: [f.explanation, `What was assumed: ${assumed}.`].filter(Boolean).join('\n\n'),
    basis: { path: f.basis?.path ?? [], inferred: f.basis?.inferred ?? [], unknown: [...(f.basis?.unknown ?? []), assumed] },
  };
}
