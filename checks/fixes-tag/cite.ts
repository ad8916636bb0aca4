// How the checker names commits: `sha12 ("subject")` in evidence, and the canonical Fixes: line
// (12 hex digits, more when 12 would be ambiguous) as the suggestion.
import type { CommitInfo } from '../../src/git/history-types.js';

export interface Target {
  info: CommitInfo;
  /** Shortest unambiguous abbreviation of at least 12 digits. */
  abbrev: string;
  /** `1234567890ab ("subject")` */
  cite: string;
  /** `Fixes: 1234567890ab ("subject")` */
  line: string;
}

export function makeTarget(info: CommitInfo, abbrev: string): Target {
  const cite = `${abbrev} ("${info.subject}")`;
  return { info, abbrev, cite, line: `Fixes: ${cite}` };
}
