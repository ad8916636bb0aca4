// fixes/missing: a message that describes a bug fix but has no Fixes: tag. When `git blame` at the
// base of the lines the patch removes or changes points at one commit, suggest its Fixes: line.
import type { Finding } from '../../src/core/types.js';
import type { CheckContext } from '../../src/core/check.js';
import { RULES, ruleMessage } from './rules.js';
import { BUG_WORDS, NOT_A_BUG_FIX } from './bug-words.js';
import { makeTarget, type Target } from './cite.js';

/** The bug words a message uses, strong ones first; none when it is a typo, doc or revert change. */
export function bugSigns(subject: string, message: string): { names: string[]; strong: boolean } {
  const hits = BUG_WORDS.filter((w) => w.pattern.test(message));
  const strong = hits.some((w) => w.strong);
  if (hits.length === 0 || (!strong && NOT_A_BUG_FIX.some((r) => r.test(subject)))) return { names: [], strong: false };
  return { names: [...hits.filter((w) => w.strong), ...hits.filter((w) => !w.strong)].map((w) => w.name), strong };
}

/** Share of blamed lines one commit must own to be suggested. */
const MAJORITY = 0.5;

export async function missingFindings(ctx: CheckContext): Promise<Finding[]> {
  const { patch } = ctx;
  const signs = bugSigns(patch.subject, patch.message);
  if (signs.names.length === 0) return [];
  const target = ctx.config.fixes.suggestFromBlame ? await blameTarget(ctx) : null;
  const why = signs.names.slice(0, 3).join(', ');
  const f: Finding = {
    id: 'fixes/missing',
    severity: signs.strong ? RULES['fixes/missing'].severity : 'note',
    message: ruleMessage('fixes/missing', { why }),
    location: { kind: 'patch' },
    explanation: target
      ? `The lines this patch changes were last touched by ${target.cite}. Is that the commit that introduced the bug?`
      : 'Which commit introduced the bug? A Fixes: tag tells the stable team and backporters where the fix belongs.',
    confidence: signs.strong ? 'high' : 'medium',
  };
  if (target) {
    f.suggestion = target.line;
    f.evidence = [target.cite];
  }
  return [f];
}

/** The commit owning (a majority of) the old lines the patch deletes or replaces, or null. */
async function blameTarget(ctx: CheckContext): Promise<Target | null> {
  const history = ctx.workspace.history;
  const base = ctx.workspace.base.commit;
  if (!history || !base) return null;
  const files = await ctx.workspace.files();
  const owners: string[] = [];
  await Promise.all(
    files.map(async (file) => {
      if (file.binary || file.oldPath === null || file.status === 'added') return;
      const ranges = toRanges(file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'del' && l.oldLine !== null).map((l) => l.oldLine!)));
      if (ranges.length > 0) owners.push(...(await history.blame(base, file.oldPath, ranges)));
    }),
  );
  if (owners.length === 0) return null;
  const counts = new Map<string, number>();
  for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (counts.size > 1 && n / owners.length <= MAJORITY) return null;
  const info = (await history.commits([best])).get(best);
  return info ? makeTarget(info, await history.abbrev(best, 12)) : null;
}

function toRanges(lines: number[]): [number, number][] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
