// The Fixes: checker: format problems of every Fixes: tag, then the tags checked against the
// repository's history at the patch's base, and fixes/missing for a bug fix that names no commit.
import type { Check, CheckContext } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { findFixesTags } from './find-tags.js';
import { duplicateFindings, formatFindings } from './format-findings.js';
import { historyFindings, type HistoryResult } from './history-findings.js';
import { missingFindings } from './missing.js';
import { fixesRules } from '../../src/git/conventions.js';

export const fixesTagCheck: Check = {
  id: 'fixes',
  description: 'Fixes: trailers: format, and the named commit against the history at the base',
  async run(ctx: CheckContext): Promise<Finding[]> {
    const cfg = ctx.config.fixes;
    const { history, base } = ctx.workspace;
    // Most commits of a whole-history review name no commit: the conventions are asked only for a tag.
    const mayHaveTags = /fixes/i.test(ctx.patch.message) || /fixes/i.test(ctx.patch.notes);
    const rules = fixesRules(cfg, history && mayHaveTags ? await history.conventions() : null);
    const tags = mayHaveTags ? findFixesTags(ctx.patch, cfg, rules.placement) : [];
    if (tags.length === 0) return missingFindings(ctx);
    const hist: HistoryResult = history
      ? await historyFindings({ tags, history, base: base.commit, baseLabel: base.label, cfg, rules, patch: ctx.patch })
      : { findings: [], targets: new Map() };
    return [...formatFindings(tags, hist.targets), ...duplicateFindings(tags, hist.targets), ...hist.findings];
  },
};
