// The Fixes: checker: format problems of every Fixes: tag, then the tags checked against the
// repository's history at the patch's base, and fixes/missing for a bug fix that names no commit.
import type { Check, CheckContext } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { findFixesTags } from './find-tags.js';
import { duplicateFindings, formatFindings } from './format-findings.js';
import { historyFindings, type HistoryResult } from './history-findings.js';
import { missingFindings } from './missing.js';

export const fixesTagCheck: Check = {
  id: 'fixes',
  description: 'Fixes: trailers: format, and the named commit against the history at the base',
  async run(ctx: CheckContext): Promise<Finding[]> {
    const cfg = ctx.config.fixes;
    const tags = findFixesTags(ctx.patch, cfg);
    if (tags.length === 0) return missingFindings(ctx);
    const { history, base } = ctx.workspace;
    const hist: HistoryResult = history
      ? await historyFindings({ tags, history, base: base.commit, baseLabel: base.label, cfg, patch: ctx.patch })
      : { findings: [], targets: new Map() };
    return [...formatFindings(tags, hist.targets), ...duplicateFindings(tags, hist.targets), ...hist.findings];
  },
};
