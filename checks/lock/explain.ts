// Words for lock findings: a one-line message and a note in a maintainer's voice (which lock, where
// it was taken, what the call can do, who waits for whom, the usual fix, the precedent).
import type { KindSpec } from '../../src/c/lock-model.js';
import type { Issue } from './analyse.js';
import { INNERMOST, type DocumentedOrder, type LockRule } from './rule-types.js';

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

/** Capitalise prose, never an identifier (`btrfs_foo()` stays as written). */
const sentence = (s: string): string => (!s || /^[a-z_]\w*\(/.test(s) ? s : s[0].toUpperCase() + s.slice(1));
const full = (s: string): string => (/[.?!]$/.test(s) ? s : `${s}.`);

/** Where the lock came from, named by function: "taken by lock_page() earlier in foo()". */
function origin(issue: Issue): string {
  const l = issue.lock;
  if (l.above) return `taken above the lines shown or by the caller of ${issue.fn}(): ${callName(l.via)} releases it with no acquire in sight`;
  // A told reason (a lockdep assertion, the documented caller of entry.yml) is worth the words.
  const told = l.origin !== undefined && !/^(a ->|name:|annotated )/.test(l.origin);
  if (l.entry) return `${issue.fn}() is ${l.origin?.startsWith('a ->') ? l.origin : told ? `called with it held (${l.origin})` : 'called with it held'}`;
  return `taken by ${callName(l.via)} ${l.line <= issue.line ? 'earlier' : 'later in a loop'} in ${issue.fn}()`;
}

/**
 * The first sentence of the note, complete on its own: what is called (or taken, or returned) with
 * which lock held, and where the lock comes from, by function name. The explanation goes on from it.
 */
/** Contexts are named for what they are, not for the lock kind their rules file them under. */
const CONTEXTS: Record<string, string> = { rcu: 'the rcu read lock', irq: 'interrupts disabled', preempt: 'preemption disabled', bh: 'bottom halves disabled' };

/** What the documentation says of two locks: their order, or that the held one is innermost. */
export function documentedWords(o: DocumentedOrder, held: string, taken: string): string {
  return o.first === INNERMOST ? `${o.source} documents ${held} as innermost: no other lock is taken while it is held` : `${o.source} documents the order ${taken} -> ${held}`;
}

export function message(issue: Issue, ctx: ExplainContext): string {
  const l = issue.lock;
  const lock = (l.context && CONTEXTS[l.key]) || `the ${label(ctx, l.kind)} on ${l.key}`;
  if (issue.hit) {
    const h = issue.hit;
    if (issue.rule.id === 'second-page-lock') return `${issue.fn}() ${h.callee === l.via ? 'locks' : `calls ${h.callee}() on`} ${h.args[0] ?? 'another page'} while ${l.key} is locked (${origin(issue)}).`;
    if (l.entry) return `${h.callee}() is called with ${lock} held: ${origin(issue)}.`;
    if (l.above) return `${h.callee}() is called with ${lock} held: it is taken above the lines shown, and ${callName(l.via)} releases it after this call in ${issue.fn}().`;
    if (!l.definite) return `${h.callee}() can be called with ${lock} held: ${callName(l.via)} takes it on some paths through ${issue.fn}().`;
    return `${h.callee}() is called with ${lock} held, ${origin(issue)}.`;
  }
  if (issue.reverse) {
    const d = issue.reverse.documented;
    if (d?.first === INNERMOST) return `${issue.fn}() takes ${issue.reverse.to} while holding ${issue.reverse.from}, against the lock ranking of ${d.source}.`;
    const against = d ? d.source : `${issue.reverse.tree!.fn}()`;
    return `${issue.fn}() takes ${issue.reverse.to} while holding ${issue.reverse.from}, the opposite order to ${against}.`;
  }
  if (issue.leak === 'double') return `${issue.fn}() releases ${l.key} twice on one path (${callName(l.via)}).`;
  if (issue.leak === 'path' && issue.leaves) return `${issue.fn}() ${leaving(issue.leaves.sig)} with ${lock} held, where ${issue.leaves.evidence === 'other-image' ? 'before the patch this path released it' : 'other paths out of it release it first'}.`;
  return `${issue.fn}() can return with ${lock} held (${origin(issue)}), where ${l.releasedElsewhere ? 'other paths to the same return release it first' : 'its other returns release it'}.`;
}

/** How a path leaves the seen code, from its signature (analyse.ts, leavesOf). */
function leaving(sig: string): string {
  if (sig === 'gap') return 'goes on into the lines after the hunk';
  if (sig.startsWith('goto ')) return `jumps to ${sig.slice(5)}`;
  const value = sig.slice('return'.length).trim();
  return value ? `returns ${value} here` : 'returns here';
}

/** One sentence on what the finding could not see, or nothing when it rests on the quoted code alone. */
function unseen(issue: Issue, ctx: ExplainContext): string | null {
  if (ctx.hunkOnly) return `Only the hunk and its context were seen, not all of ${issue.fn}().`;
  if (issue.hit && !issue.lock.definite) return null; // the first sentence already says "on some paths"
  if (issue.leak === 'return') return `I could not tell whether callers of ${issue.fn}() expect the lock held on that return.`;
  if (issue.reverse?.tree) return `${issue.reverse.tree.fn}() (${issue.reverse.tree.path}) takes them the other way round; I could not tell whether both can run on the same objects at once.`;
  return null;
}

export function explanation(issue: Issue, ctx: ExplainContext): string {
  const r = issue.rule;
  const parts: string[] = [];
  if (issue.hit) {
    const h = issue.hit;
    // The first sentence already says which lock is held and where it was taken: go on from there.
    if (h.chain.length > 1) parts.push(`It ends up in ${h.chain.at(-1)}() (${h.chain.join(' -> ')}), and ${r.does}${h.via ? ` (${h.via})` : ''}.`);
    else if (h.label) parts.push(full(`It is ${h.label}, so ${r.does}${h.via ? ` (${h.via})` : ''}`));
    else parts.push(full(`${sentence(r.does)}${h.via ? ` (${h.via})` : ''}`));
    parts.push(full(sentence(r.waits)));
  } else if (issue.reverse) {
    if (issue.reverse.documented) parts.push(`${documentedWords(issue.reverse.documented, issue.reverse.from, issue.reverse.to)}.`);
    parts.push(full(sentence(r.waits)));
  } else if (issue.leak === 'return') {
    parts.push(full(sentence(r.waits)));
  } else if (issue.leak === 'path') {
    parts.push(`The lock is taken above the lines shown or by the caller: ${callName(issue.lock.via)} releases it with no acquire in sight.`);
    parts.push(full(sentence(r.waits)));
  }
  const seen = unseen(issue, ctx);
  if (seen) parts.push(seen);
  parts.push(issue.leak === 'double' ? 'Is one of the unlocks one too many, or is a lock missing before it?' : (issue.hit?.fix ?? r.fix));
  const cites = precedents(r, ctx.subjects);
  if (cites.length) parts.push(`Compare ${cites.join(', ')}.`);
  return parts.join(' ');
}

export function fixedMessage(issue: Issue, ctx: ExplainContext): string {
  return issue.hit
    ? `This looks like a fix: ${issue.hit.callee}() is no longer called with the ${label(ctx, issue.lock.kind)} held in ${issue.fn}().`
    : `This looks like a fix: the ${issue.rule.id} problem in ${issue.fn}() is gone.`;
}

export function fixedExplanation(issue: Issue, ctx: ExplainContext): string {
  const cites = precedents(issue.rule, ctx.subjects);
  return cites.length ? `The same kind of fix as ${cites[0]}.` : '';
}
