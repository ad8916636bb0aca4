// Checks every Fixes: tag of a patch against the repository at the patch's base: identify what
// each id names (one resolve() batch), then the relations of each named commit. No git forks here.
import type { Finding, Patch } from '../../src/core/types.js';
import type { FixesConfig } from '../../src/core/config.js';
import type { FixesRules } from '../../src/git/conventions.js';
import type { History } from '../../src/git/history-types.js';
import type { FixesTag } from './find-tags.js';
import type { Target } from './cite.js';
import { Describer } from './describer.js';
import { identify } from './identify.js';
import { relationFindings } from './relations.js';
import { historyFinding } from './make-finding.js';
import { upstreamFindings } from './upstream.js';

export interface HistoryInput {
  tags: FixesTag[];
  history: History;
  /** The commit the patch applies to; null when unknown (no ancestry questions then). */
  base: string | null;
  baseLabel: string;
  cfg: FixesConfig;
  /** The rules for this repository (its conventions, the config, the kernel's). */
  rules: FixesRules;
  patch: Patch;
}

export interface HistoryResult {
  findings: Finding[];
  /** The commits the tags with format problems (or possible duplicates) name or most likely mean. */
  targets: Map<FixesTag, Target[]>;
}

export async function historyFindings(inp: HistoryInput): Promise<HistoryResult> {
  const d = new Describer(inp.history);
  const id = await identify(inp.tags, d, inp.base, inp.rules);
  const targetsOf = (tag: FixesTag): Promise<Target[]> => Promise.all((id.known.get(tag) ?? []).map((c) => d.target(c)));
  const suggestion = async (tag: FixesTag): Promise<string> => (await targetsOf(tag)).map((t) => t.line).join('\n');
  const related = await relationFindings(id.named, d, { base: inp.base, baseLabel: inp.baseLabel, cfg: inp.cfg, rules: inp.rules, patch: inp.patch, suggestion });
  const targets = new Map<FixesTag, Target[]>();
  // Abbreviations cost a question each: only for tags whose format findings carry a suggestion.
  for (const tag of inp.tags) {
    if ((tag.problems.length > 0 || inp.tags.length > 1) && id.known.has(tag)) targets.set(tag, await targetsOf(tag));
  }
  // A mirror's ids that name nothing here: checked in the tree it mirrors when the config names it.
  const up = await upstreamFindings(id.elsewhere, inp.history, inp.cfg);
  for (const [tag, t] of up.targets) if (!targets.has(tag) && (tag.problems.length > 0 || inp.tags.length > 1)) targets.set(tag, t);
  return { findings: [...id.findings, ...related, ...up.findings, ...elsewhere(up.unchecked, inp.rules, up.why)], targets };
}

/** One note for the ids a mirror's tags name in the tree it mirrors, instead of an error per tag. */
function elsewhere(ids: { tag: FixesTag; id: string }[], rules: FixesRules, why: string | null): Finding[] {
  if (ids.length === 0) return [];
  return [
    historyFinding('fixes/upstream-id', ids[0].tag, { ids: ids.map((x) => x.id).join(', ') }, {
      severity: 'note',
      explanation:
        `${rules.reasons.mirror ?? 'this tree mirrors another'}. No commit here has these ids, so they were not checked.` +
        (why ? ` ${why}.` : ' Name the repository of that tree as `fixes.upstream` in the config to check them there.'),
      confidence: 'medium',
    }),
  ];
}
