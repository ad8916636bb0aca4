// Turns the format problems of each tag (no history needed) into findings, with the corrected
// line as the suggestion once history has told us the target.
import type { Finding, Location } from '../../src/core/types.js';
import { FORMAT_EXPLAIN, RULES, ruleMessage } from './rules.js';
import type { FixesTag } from './find-tags.js';
import type { Target } from './cite.js';

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
        explanation: belowFold ? "git am drops everything below the '---' line, so this tag would never reach the commit." : FORMAT_EXPLAIN[p.id],
        // A line tools cannot read, or one we can hand back corrected, is a verdict; a nit without the
        // line is not, nor is placement (a tag below '---' is often offered there for discussion).
        confidence: RULES[p.id].severity === 'error' || (suggestion && p.id !== 'fixes/placement') ? 'high' : 'medium',
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
        explanation: FORMAT_EXPLAIN['fixes/duplicate'],
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
