// fixes/missing: a message that describes a bug fix but has no Fixes: tag. When `git blame` at the
// base of the lines the patch removes or changes points at one commit, suggest its Fixes: line.
import { KreviewError, type Finding } from '../../src/core/types.js';
import type { CheckContext } from '../../src/core/check.js';
import { RULES, ruleMessage } from './rules.js';
import { BUG_WORDS, FIX_VERB, NEVER_NEEDS_FIXES, NOT_A_BUG_FIX } from './bug-words.js';
import { makeTarget, type Target } from './cite.js';

/**
 * Any word some bug word needs, in any ASCII case: every pattern matches only text holding one of
 * its words, so a message without any is read no further (most of a history's messages).
 */
const ANY_NEEDED = new RegExp(BUG_WORDS.flatMap((w) => w.needs).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');

/** The bug words a message uses, strong ones first; none for a merge, a revert, or a typo or doc change. */
export function bugSigns(subject: string, message: string): { names: string[]; strong: boolean } {
  if (NEVER_NEEDS_FIXES.some((r) => r.test(subject)) || !ANY_NEEDED.test(message)) return { names: [], strong: false };
  const lower = message.toLowerCase();
  const hits = BUG_WORDS.filter((w) => w.needs.some((n) => lower.includes(n)) && w.pattern.test(message));
  const strong = hits.some((w) => w.strong);
  // Weak words alone ("deadlock", "leak") need a subject that says it fixes something, and no typo/doc subject.
  if (hits.length === 0 || (!strong && (!FIX_VERB.test(subject) || NOT_A_BUG_FIX.some((r) => r.test(subject))))) return { names: [], strong: false };
  return { names: [...hits.filter((w) => w.strong), ...hits.filter((w) => !w.strong)].map((w) => w.name), strong };
}

/** Share of the changed lines one commit must own to be suggested. */
const MAJORITY = 0.5;

export async function missingFindings(ctx: CheckContext): Promise<Finding[]> {
  const { patch } = ctx;
  const signs = bugSigns(patch.subject, patch.message);
  if (signs.names.length === 0) return [];
  // Blame costs a git process per file, so only a strong sign (a crash report, a stable request)
  // earns it: a whole-history review meets thousands of "deadlock"s. A failed blame (a path not at
  // the base, a patch that does not apply) only loses the suggestion.
  const target = ctx.config.fixes.suggestFromBlame && signs.strong ? await blameTarget(ctx).catch(lostSuggestion) : null;
  const why = signs.names.slice(0, 3).join(', ');
  const f: Finding = {
    id: 'fixes/missing',
    severity: signs.strong ? RULES['fixes/missing'].severity : 'note',
    message: ruleMessage('fixes/missing', { why }),
    location: { kind: 'patch' },
    explanation: target
      ? `The lines this patch changes were last touched by ${target.cite}. Is that the commit that introduced the bug?`
      : 'Which commit introduced the bug? A Fixes: tag tells the stable team and backporters where the fix belongs.',
    // A guess from the wording of the message, however strong the words.
    confidence: signs.strong ? 'medium' : 'low',
  };
  if (target) {
    f.suggestion = target.line;
    f.evidence = [target.cite];
  }
  return [f];
}

/** Ranges blamed one by one to weigh owners when several commits share the changed lines. */
const MAX_WEIGHED_RANGES = 8;

/** The commit owning all, or a clear majority, of the old lines the patch deletes or replaces. */
async function blameTarget(ctx: CheckContext): Promise<Target | null> {
  const history = ctx.workspace.history;
  const base = ctx.workspace.base.commit;
  if (!history || !base) return null;
  const files = await ctx.workspace.files();
  const work: { path: string; ranges: [number, number][] }[] = [];
  for (const file of files) {
    if (file.binary || file.oldPath === null || file.status === 'added') continue;
    const ranges = toRanges(file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'del' && l.oldLine !== null).map((l) => l.oldLine!)));
    if (ranges.length > 0) work.push({ path: file.oldPath, ranges });
  }
  // History.blame names each owner once, so one question per file says whether one commit owns all.
  const owners = await Promise.all(work.map((w) => history.blame(base, w.path, w.ranges)));
  const all = new Set(owners.flat());
  let best: string | null = all.size === 1 ? [...all][0] : null;
  const pieces = work.flatMap((w) => w.ranges.map((r) => ({ path: w.path, range: r })));
  if (all.size > 1 && pieces.length > 1 && pieces.length <= MAX_WEIGHED_RANGES) {
    // Weigh each range's lines among its owners; a commit needs more than half of all lines.
    const weight = new Map<string, number>();
    const per = await Promise.all(pieces.map((p) => history.blame(base, p.path, [p.range])));
    let total = 0;
    per.forEach((who, i) => {
      const n = pieces[i].range[1] - pieces[i].range[0] + 1;
      total += n;
      for (const o of who) weight.set(o, (weight.get(o) ?? 0) + n / who.length);
    });
    const [top, w] = [...weight].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
    if (top && w / total > MAJORITY) best = top;
  }
  // Lines an imported root (an unpacked release committed once) owns were written before the
  // history starts: blame stops there for want of anything older, so it names no culprit.
  if (best === null || best === history.imported?.root) return null;
  const info = (await history.commits([best])).get(best);
  return info ? makeTarget(info, await history.abbrev(best, 12)) : null;
}

function lostSuggestion(e: unknown): null {
  if (e instanceof KreviewError) return null;
  throw e;
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
