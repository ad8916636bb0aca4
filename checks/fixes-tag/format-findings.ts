// Turns the format problems of each tag (no history needed) into findings, with the corrected
// line as the suggestion once history has told us the target.
import type { Finding, Location } from '../../src/core/types.js';
import { RULES, ruleMessage, type FormatId } from './rules.js';
import type { FixesTag } from './find-tags.js';
import type { Target } from './cite.js';

/** Reviewer-style explanations, one per format problem. */
const EXPLAIN: Record<FormatId, string> = {
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

export function tagLocation(tag: FixesTag): Location {
  return tag.line === null ? { kind: 'patch' } : { kind: 'message', line: tag.line };
}

/** The suggestion for a tag: its targets' canonical lines (one per commit named). */
export function tagSuggestion(targets: Target[] | undefined): string | undefined {
  return targets && targets.length > 0 ? targets.map((t) => t.line).join('\n') : undefined;
}

export function formatFindings(tags: FixesTag[], targets: Map<FixesTag, Target[]>): Finding[] {
  const out: Finding[] = [];
  for (const tag of tags) {
    const suggestion = tagSuggestion(targets.get(tag));
    for (const p of tag.problems) {
      const belowFold = p.id === 'fixes/placement' && tag.line === null;
      const f: Finding = {
        id: p.id,
        severity: belowFold ? 'error' : RULES[p.id].severity,
        message: ruleMessage(p.id, p.data),
        location: tagLocation(tag),
        explanation: belowFold ? "git am drops everything below the '---' line, so this tag would never reach the commit." : EXPLAIN[p.id],
        confidence: 'high',
      };
      if (suggestion) f.suggestion = suggestion;
      out.push(f);
    }
  }
  return out;
}

/** The same commit named by two tags: by resolved commit when known, else by one id prefixing the other. */
export function duplicateFindings(tags: FixesTag[], targets: Map<FixesTag, Target[]>): Finding[] {
  const out: Finding[] = [];
  const seen: { keys: string[]; tag: FixesTag }[] = [];
  for (const tag of tags) {
    const known = targets.get(tag)?.map((t) => t.info.oid) ?? [];
    const keys = known.length > 0 ? known : tag.parsed.ids;
    const earlier = seen.find((s) => s.keys.some((a) => keys.some((b) => a.startsWith(b) || b.startsWith(a))));
    if (earlier && keys.length > 0) {
      const t = targets.get(tag);
      const f: Finding = {
        id: 'fixes/duplicate',
        severity: RULES['fixes/duplicate'].severity,
        message: ruleMessage('fixes/duplicate', { sha: t?.[0]?.abbrev ?? keys[0], other: earlier.tag.line ?? "below '---'" }),
        location: tagLocation(tag),
        explanation: EXPLAIN['fixes/duplicate'],
        confidence: 'high',
      };
      if (t && t.length > 0) {
        f.evidence = [t[0].cite];
        f.suggestion = t[0].line;
      }
      out.push(f);
    } else {
      seen.push({ keys, tag });
    }
  }
  return out;
}
