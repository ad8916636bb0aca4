// Words for lock findings: a one-line message and a note in a maintainer's voice (which lock, where
// it was taken, what the call can do, who waits for whom, the usual fix, the precedent).
import type { KindSpec } from '../../src/c/lock-model.js';
import type { Issue } from './analyse.js';
import type { LockRule } from './rule-types.js';

export interface ExplainContext {
  kinds: Map<string, KindSpec>;
  /** Subjects of precedent commits found in the repository (sha12 -> subject). */
  subjects: Map<string, string>;
  hunkOnly: boolean;
}

/** `lock_page` -> `lock_page()`; a guard is already written as a call. */
export const callName = (via: string): string => (via.includes('(') ? via : `${via}()`);

const label = (ctx: ExplainContext, kind: string): string => ctx.kinds.get(kind)?.label ?? `${kind} lock`;

export function precedents(rule: LockRule, subjects: Map<string, string>): string[] {
  return rule.precedent.map((p) => {
    const sha = p.commit.slice(0, 12);
    const subject = p.subject ?? subjects.get(sha);
    return subject ? `${sha} ("${subject}")` : sha;
  });
}

function lockPhrase(issue: Issue, ctx: ExplainContext): string {
  const l = issue.lock;
  const what = `the ${label(ctx, l.kind)} on ${l.key}`;
  if (l.entry) return `${what} held: ${issue.fn}() is called with it held`;
  const taken = `taken by ${callName(l.via)} at line ${l.line}`;
  return l.definite ? `${what} held (${taken})` : `${what} possibly held (${taken} on some paths)`;
}

/** Capitalise prose, never an identifier (`btrfs_foo()` stays as written). */
const sentence = (s: string): string => (!s || /^[a-z_]\w*\(/.test(s) ? s : s[0].toUpperCase() + s.slice(1));
const full = (s: string): string => (/[.?!]$/.test(s) ? s : `${s}.`);

export function message(issue: Issue, ctx: ExplainContext): string {
  const l = issue.lock;
  if (issue.hit) {
    const h = issue.hit;
    const through = h.chain.length > 1 ? ` (reaches ${h.chain.at(-1)}())` : '';
    if (issue.rule.id === 'second-page-lock') return `${h.callee}() on ${h.args[0] ?? 'another lock'} while ${l.key} is locked (line ${l.line})`;
    return `${h.callee}()${through} called with ${lockPhrase(issue, ctx)}`;
  }
  if (issue.reverse) return `takes ${issue.reverse.to} while holding ${issue.reverse.from}: the opposite order to ${issue.reverse.documented ? issue.reverse.documented.source : `${issue.reverse.tree!.fn}()`}`;
  if (issue.leak === 'double') return `${l.key} released twice on this path`;
  return `returns with the ${label(ctx, l.kind)} on ${l.key} held (taken at line ${issue.lockLine}) where other paths release it`;
}

export function explanation(issue: Issue, ctx: ExplainContext): string {
  const r = issue.rule;
  const parts: string[] = [];
  if (issue.hit) {
    const h = issue.hit;
    // The message already says which lock is held and where it was taken: the note goes on from there.
    if (h.chain.length > 1) parts.push(`It ends up in ${h.chain.at(-1)}() (${h.chain.join(' -> ')}), and ${r.does}${h.via ? ` (${h.via})` : ''}.`);
    else if (h.label) parts.push(full(`It is ${h.label}, so ${r.does}${h.via ? ` (${h.via})` : ''}`));
    else parts.push(full(`${sentence(r.does)}${h.via ? ` (${h.via})` : ''}`));
    parts.push(full(sentence(r.waits)));
    if (issue.lock.entry) parts.push(`${issue.fn}() starts with the ${label(ctx, issue.lock.kind)} held, as its callers lock it for it.`);
    if (!issue.lock.definite) parts.push('The lock is held on some paths to this call only, so this may be a false alarm.');
  } else if (issue.reverse) {
    const rev = issue.reverse;
    parts.push(`${issue.fn}() takes ${rev.to} at line ${issue.line} while holding ${rev.from} (taken at line ${issue.lockLine}).`);
    if (rev.documented) parts.push(`${rev.documented.source} documents the order ${rev.to} -> ${rev.from}.`);
    if (rev.tree) parts.push(`${rev.tree.fn}() in ${rev.tree.path} (line ${rev.tree.line}) takes them the other way round.`);
    parts.push(full(sentence(r.waits)));
  } else if (issue.leak === 'double') {
    parts.push(`${issue.lock.key} is released at line ${issue.line} on a path where it was already released.`);
    parts.push('Is one of the unlocks one too many, or is a lock missing before it?');
  } else {
    parts.push(`${issue.fn}() returns at line ${issue.line} with the ${label(ctx, issue.lock.kind)} on ${issue.lock.key} (taken at line ${issue.lockLine}) still held, while its other return paths release it.`);
    parts.push(full(sentence(r.waits)));
  }
  if (issue.leak !== 'double') parts.push(r.fix);
  const cites = precedents(r, ctx.subjects);
  if (cites.length) parts.push(`Compare ${cites.join(', ')}.`);
  if (ctx.hunkOnly) parts.push('Only the hunk and its context were seen, not the whole function, so the lock state may be incomplete.');
  return parts.join(' ');
}

export function fixedMessage(issue: Issue, ctx: ExplainContext): string {
  return issue.hit
    ? `looks like a fix: ${issue.hit.callee}() is no longer called with the ${label(ctx, issue.lock.kind)} held`
    : `looks like a fix: ${message(issue, ctx)} no longer`;
}

export function fixedExplanation(issue: Issue, ctx: ExplainContext): string {
  const what = issue.hit ? `${issue.hit.callee}() is no longer called with the ${label(ctx, issue.lock.kind)} held in ${issue.fn}()` : `the ${issue.rule.id} problem in ${issue.fn}() is gone`;
  const cites = precedents(issue.rule, ctx.subjects);
  return `${what}: this looks like a fix for it${cites.length ? `, like ${cites[0]}` : ''}.`;
}
