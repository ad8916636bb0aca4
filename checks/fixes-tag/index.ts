// The Fixes: checker: format problems of every Fixes: tag, then the tags checked against the
// repository's history at the patch's base, and fixes/missing for a bug fix that names no commit.
import type { Check, CheckContext } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { findFixesTags } from './find-tags.js';
import { duplicateFindings, formatFindings } from './format-findings.js';
import { historyFindings, type HistoryResult } from './history-findings.js';
import { missingFindings } from './missing.js';
import { fixesRules, type FixesRules, type LearnedConventions } from '../../src/git/conventions.js';
import type { FixesConfig } from '../../src/core/config.js';

/**
 * The last rules made, for the config and conventions they were made from: every commit of a range
 * has the same (the History keeps its conventions until the index grows). Nothing changes a rules
 * object once made.
 */
let lastRules: { cfg: FixesConfig; learned: LearnedConventions | null; rules: FixesRules } | null = null;

function rulesFor(cfg: FixesConfig, learned: LearnedConventions | null): FixesRules {
  if (lastRules?.cfg !== cfg || lastRules.learned !== learned) lastRules = { cfg, learned, rules: fixesRules(cfg, learned) };
  return lastRules.rules;
}

export const fixesTagCheck: Check = {
  id: 'fixes',
  description: 'Fixes: trailers: format, and the named commit against the history at the base',
  async run(ctx: CheckContext): Promise<Finding[]> {
    const cfg = ctx.config.fixes;
    const { history, base } = ctx.workspace;
    // Most commits of a whole-history review name no commit: the conventions are asked only for a tag.
    const mayHaveTags = /fixes/i.test(ctx.patch.message) || /fixes/i.test(ctx.patch.notes);
    const rules = rulesFor(cfg, history && mayHaveTags ? await history.conventions() : null);
    const tags = mayHaveTags ? findFixesTags(ctx.patch, cfg, rules.placement) : [];
    if (tags.length === 0) return missingFindings(ctx);
    const hist: HistoryResult = history
      ? await historyFindings({ tags, history, base: base.commit, baseLabel: base.label, cfg, rules, patch: ctx.patch })
      : { findings: [], targets: new Map() };
    return [...formatFindings(tags, hist.targets), ...duplicateFindings(tags, hist.targets), ...hist.findings];
  },
};
