// Small pieces the history findings share: building a finding of a rule, and the quoted subject
// of a tag when it is whole enough to compare or look up.
import type { Finding, Severity } from '../../src/core/types.js';
import { RULES, ruleMessage, type HistoryId } from './rules.js';
import type { FixesTag } from './find-tags.js';
import { tagLocation } from './format-findings.js';
import { normalizeSubject } from './subject-match.js';

export function historyFinding(
  id: HistoryId,
  tag: FixesTag | null,
  data: Record<string, string | number>,
  rest: Partial<Finding> & { severity?: Severity },
): Finding {
  return {
    id,
    severity: rest.severity ?? RULES[id].severity,
    message: ruleMessage(id, data),
    location: tag ? tagLocation(tag) : { kind: 'patch' },
    confidence: 'high',
    ...rest,
  };
}

/** The subject a tag quotes, normalised, or null when it has none or it was cut. */
export function usableSubject(tag: FixesTag): string | null {
  if (tag.parsed.unterminated || tag.parsed.subject === null) return null;
  const s = normalizeSubject(tag.parsed.subject);
  return s === '' ? null : s;
}

export const isSplit = (tag: FixesTag): boolean => tag.problems.some((p) => p.id === 'fixes/split');
