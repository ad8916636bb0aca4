// The Fixes: checker's problems as data: stable id, default severity and the one-line message,
// worded like linux-next's check_fixes, checkpatch and NIPA so kernel developers recognise them.
import type { Severity } from '../../src/core/types.js';

export const FORMAT_IDS = [
  'fixes/no-sha',
  'fixes/url',
  'fixes/leading-word',
  'fixes/missing-subject',
  'fixes/missing-space',
  'fixes/short-sha',
  'fixes/split',
  'fixes/quoting',
  'fixes/style',
  'fixes/placement',
  'fixes/duplicate',
] as const;

export const HISTORY_IDS = [
  'fixes/unknown-sha',
  'fixes/ambiguous-sha',
  'fixes/not-a-commit',
  'fixes/subject-mismatch',
  'fixes/subject-truncated',
  'fixes/not-ancestor',
  'fixes/target-merge',
  'fixes/target-revert',
  'fixes/target-reverted',
  'fixes/already-fixed',
  'fixes/stable-cc',
  'fixes/missing',
  'fixes/author-not-cced',
  'fixes/upstream-id',
] as const;

export type FormatId = (typeof FORMAT_IDS)[number];
export type HistoryId = (typeof HISTORY_IDS)[number];
export type FixesId = FormatId | HistoryId;

export interface Rule {
  severity: Severity;
  /** One line; `{name}` placeholders are filled from the finding's data. */
  message: string;
}

export const RULES: Record<FixesId, Rule> = {
  'fixes/no-sha': { severity: 'error', message: 'Fixes tag: No SHA1 recognised' },
  'fixes/url': { severity: 'error', message: "Fixes tag names a URL or bug number, not a commit: use 'Link:' or 'Closes:' instead" },
  'fixes/leading-word': { severity: 'warning', message: "Fixes tag: leading word '{word}' unexpected" },
  'fixes/missing-subject': { severity: 'warning', message: 'Fixes tag: missing subject' },
  'fixes/missing-space': { severity: 'warning', message: 'Fixes tag: missing space between the SHA1 and the subject' },
  'fixes/short-sha': { severity: 'warning', message: 'Fixes tag: SHA1 should be at least {min} digits long' },
  'fixes/split': { severity: 'error', message: 'Fixes tag: {why}' },
  'fixes/quoting': { severity: 'warning', message: 'Please use correct Fixes: style: subject in ("...") ({what})' },
  'fixes/style': { severity: 'warning', message: 'Please use correct Fixes: style ({what})' },
  'fixes/placement': { severity: 'warning', message: 'Fixes tag {where}' },
  'fixes/duplicate': { severity: 'warning', message: 'Fixes tag names {sha} again (see line {other})' },
  'fixes/unknown-sha': { severity: 'error', message: 'Fixes tag: Target SHA1 does not exist' },
  'fixes/ambiguous-sha': { severity: 'warning', message: 'Fixes tag: SHA1 {sha} is ambiguous ({count} objects share it)' },
  'fixes/not-a-commit': { severity: 'error', message: 'Fixes tag: Target SHA1 {sha} is a {type}, not a commit' },
  'fixes/subject-mismatch': { severity: 'warning', message: 'Fixes tag: Subject does not match target commit subject' },
  'fixes/subject-truncated': { severity: 'note', message: 'Fixes tag: subject is truncated without an ellipsis' },
  'fixes/not-ancestor': { severity: 'error', message: 'Fixes tag: Target is not an ancestor of this commit' },
  'fixes/target-merge': { severity: 'warning', message: 'Fixes tag: Target {sha} is a merge commit' },
  'fixes/target-revert': { severity: 'note', message: 'Fixes tag: Target {sha} is itself a revert' },
  'fixes/target-reverted': { severity: 'warning', message: 'Fixes tag: Target {sha} was reverted by {by}' },
  'fixes/already-fixed': { severity: 'note', message: 'Fixes tag: Target {sha} is already fixed by {count} other commit(s)' },
  'fixes/stable-cc': { severity: 'note', message: 'Is it candidate for Cc: stable backport? (the fixed commit is in {release})' },
  'fixes/missing': { severity: 'warning', message: "The commit message describes a fix ({why}): perhaps it also needs a 'Fixes:' tag?" },
  'fixes/author-not-cced': { severity: 'note', message: 'Blamed author not CCed: {author}' },
  'fixes/upstream-id': { severity: 'note', message: 'Fixes tag names a commit of the tree this one mirrors ({ids}): not checked here' },
};

/** Reviewer-style explanations of the format problems (history findings explain with the commits they cite). */
export const FORMAT_EXPLAIN: Record<FormatId, string> = {
  'fixes/no-sha':
    'A Fixes: tag names the commit that introduced the bug, as `Fixes: <12+ hex digits> ("<subject>")`. Which commit introduced it?',
  'fixes/url':
    'Fixes: is for the commit that introduced the bug; a report or a bug tracker goes in a Link: or Closes: tag. Is there a commit to name here?',
  'fixes/leading-word': "Scripts read the id right after 'Fixes: '. Could you drop the word?",
  'fixes/missing-subject':
    'Without the subject a reader, or a backporter whose tree has other ids, cannot tell which commit is meant. Could you add it as ("...")?',
  'fixes/missing-space': 'Scripts read the id up to the first space. Could you put a space between the id and ("subject")?',
  'fixes/short-sha': 'Short ids become ambiguous as the tree grows; the kernel asks for at least 12 digits.',
  'fixes/split': 'Scripts read a Fixes tag as one line, so a wrapped tag is cut. A long line is fine here.',
  'fixes/quoting': "The expected form is (\"subject\"), the way `git log -1 --abbrev=12 --format='Fixes: %h (\"%s\")'` prints it.",
  'fixes/style': "Scripts look for exactly 'Fixes: ' at the start of a line, one commit per tag.",
  'fixes/placement':
    'Tools read trailers from the last paragraph of the message, above the --- line. Could you move it next to the Signed-off-by?',
  'fixes/duplicate': 'The same commit is named twice; one tag is enough.',
};

/** Fill `{name}` placeholders of a rule's message. */
export function ruleMessage(id: FixesId, data: Record<string, string | number> = {}): string {
  return RULES[id].message.replace(/\{(\w+)\}/g, (m, name: string) => (name in data ? String(data[name]) : m));
}
