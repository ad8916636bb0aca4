// A finding on a mail whose hunks were placed in the base with reduced context (workspace.ts,
// git apply -C<n>): the function it judges is the base's, with the mail's changes set in where they
// seemed to fit. That is a guess, so the finding is a low-confidence note (a list mails only sure
// findings by default). What was assumed is said once, in the explanation; the basis keeps it for
// JSON readers, and the message stays the finding's own.
import type { Finding } from '../../src/core/types.js';

export function onPlacedHunks(f: Finding, assumed: string): Finding {
  if (f.location.kind !== 'file') return f;
  const unknown = f.basis?.unknown ?? [];
  return {
    ...f,
    severity: 'note',
    confidence: 'low',
    explanation: [f.explanation, `What was assumed: ${assumed}.`].filter(Boolean).join('\n\n'),
    basis: { path: f.basis?.path ?? [], inferred: f.basis?.inferred ?? [], unknown: unknown.includes(assumed) ? unknown : [...unknown, assumed] },
  };
}
