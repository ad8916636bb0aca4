// Why a lock finding is believed, and how strongly: the path that was seen, the facts inferred from
// the tree's code or from conventions, and what stayed unknown. Only a finding that rests on the
// quoted code alone is high confidence, and only those keep the rule's severity; anything resting on
// an inference or an unknown is a note.
import type { KindSpec } from '../../src/c/lock-model.js';
import type { FindingBasis, Severity } from '../../src/core/types.js';
import type { Issue } from './analyse.js';
import { documentedWords } from './explain.js';
import type { Confidence } from './rule-types.js';

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
const min = (a: Confidence, b: Confidence): Confidence => (RANK[a] <= RANK[b] ? a : b);

/** What stays unknown when a rule rates a call below high, by rule. */
const RULE_UNKNOWN: Record<string, string> = {
  'second-page-lock': 'the order in which other code locks the same two pages',
  unbalanced: 'whether the callers expect the lock still held on that return',
  'lock-order-inversion': 'whether both functions can run at the same time on the same objects',
};

export interface Assessment {
  severity: Severity;
  confidence: Confidence;
  basis: FindingBasis;
}

const call = (name: string): string => (name.includes('(') ? name : `${name}()`);

export function assess(issue: Issue, kinds: Map<string, KindSpec>, hunkOnly: boolean): Assessment {
  const l = issue.lock;
  const label = kinds.get(l.kind)?.label ?? `${l.kind} lock`;
  const path: string[] = [];
  const inferred: string[] = [];
  const unknown: string[] = [];

  if (hunkOnly) path.push('seen: only the hunk and its context, not the whole function');
  if (l.above) {
    path.push(`${call(l.via)} releases the ${label} on ${l.key} with no acquire in the lines seen: it is taken above them or by the caller`);
    unknown.push('what the lines the patch does not show do to the lock');
  } else if (l.entry) {
    path.push(`${issue.fn}() starts with the ${label} on ${l.key} held (${l.origin ?? 'entry state'})`);
    if (l.origin?.startsWith('name')) inferred.push(`the ${label} is held on entry because the function's name says so`);
  } else if (issue.leak !== 'double') {
    path.push(`${call(l.via)} takes the ${label} on ${l.key} at line ${l.line}`);
  }
  if (l.inferred) inferred.push(`${call(l.via)} takes the lock: inferred from its body (${l.inferred})`);
  if (!l.definite && !l.above && issue.leak !== 'double') unknown.push(l.gap ? `what the lines the patch does not show after line ${l.gap.line} do to the lock` : 'whether the lock is held on every path (it is taken on some paths only)');

  let confidence: Confidence = issue.hit?.confidence ?? (l.definite ? issue.rule.confidence : 'low');
  const h = issue.hit;
  if (h) {
    path.push(`${issue.fn}() calls ${h.callee}() at line ${h.line} with it held`);
    if (h.chain.length > 1) inferred.push(`${h.callee}() reaches ${h.chain.at(-1)}() (${h.chain.join(' -> ')}): inferred from the tree's function bodies${h.where ? ` (${h.callee}() at ${h.where}, every call of the chain made each time its caller runs)` : ', on paths not known to be taken'}`);
    if (confidence !== 'high' && h.chain.length === 1 && l.definite) unknown.push(RULE_UNKNOWN[issue.rule.id] ?? `how likely ${h.callee}() is to block here (the rule rates it ${confidence})`);
  } else if (issue.reverse) {
    path.push(`${issue.fn}() takes ${issue.reverse.to} at line ${issue.line} while holding ${issue.reverse.from}`);
    if (issue.reverse.documented) path.push(documentedWords(issue.reverse.documented, issue.reverse.from, issue.reverse.to));
    if (issue.reverse.tree) inferred.push(`${issue.reverse.tree.fn}() (${issue.reverse.tree.path}:${issue.reverse.tree.line}) takes them the other way round`);
    if (issue.reverse.tree) unknown.push(RULE_UNKNOWN['lock-order-inversion']);
  } else if (issue.leak === 'path' && issue.leaves) {
    path.push(`${issue.fn}() leaves the lines seen at line ${issue.line} (${issue.leaves.sig}) with it held, where ${issue.leaves.evidence === 'other-image' ? 'the same path released it before the patch' : 'other paths leaving the same way release it'}`);
  } else if (issue.leak === 'double') {
    path.push(`${issue.fn}() releases ${l.key} at line ${issue.line} after releasing it already on this path`);
  } else {
    path.push(`${issue.fn}() returns at line ${issue.line} with it held, while its other returns release it`);
    unknown.push(RULE_UNKNOWN.unbalanced);
  }

  if (inferred.length || unknown.length) confidence = min(confidence, 'medium');
  // Across unseen lines (hunk-only) medium at best: see the gap rule in README.md.
  if (!l.definite && issue.leak !== 'double') confidence = l.gap?.definite && l.gap.releasedAfter ? min(confidence, 'medium') : 'low';
  const severity: Severity = confidence === 'high' ? issue.rule.severity : 'note';
  return { severity, confidence, basis: { path, inferred, unknown } };
}
