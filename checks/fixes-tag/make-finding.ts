// Builds a history finding of a rule: its severity and message from rules.ts, at the tag's line.
import type { Finding, Severity } from '../../src/core/types.js';
import { RULES, ruleMessage, type HistoryId } from './rules.js';
import type { FixesTag } from './find-tags.js';
import { tagLocation } from './format-findings.js';

/** Questions and suggestions about history rather than verdicts on the tag: shown, not mailed by default. */
const NOT_VERDICTS: ReadonlySet<HistoryId> = new Set(['fixes/subject-truncated', 'fixes/target-revert', 'fixes/already-fixed', 'fixes/stable-cc', 'fixes/author-not-cced']);

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
    confidence: NOT_VERDICTS.has(id) ? 'medium' : 'high',
    ...rest,
  };
}
