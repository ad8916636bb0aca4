// Matches the walk's events against the rules: a listed call (or a tree helper that reaches one)
// made while a lock of the rule's kind is held, minus the never-flag list and the path scoping.
import { createHash } from 'node:crypto';
import { codeVersion } from '../../src/core/code-version.js';
import { NameMatcher, type LockModel } from '../../src/c/lock-model.js';
import type { Held } from '../../src/c/lock-state.js';
import type { SleepIndex } from '../../src/c/sleep-index.js';
import type { SummaryIndex, Tagger } from '../../src/c/summaries.js';
import { sleepingRules } from './tree-sleep.js';
import { normaliseLockExpr, type AcquireEvent, type CallEvent } from '../../src/c/walk.js';
import type { CallRule, Confidence, LockRule, RuleSet } from './rule-types.js';
import { NameMemo } from '../../src/core/name-memo.js';

export interface Hit {
  rule: LockRule;
  /** Line of the dangerous call (or of the second acquire). */
  line: number;
  callee: string;
  args: string[];
  /** The held lock that makes the call dangerous. */
  lock: Held;
  confidence: Confidence;
  /** From the callee down to the listed call; one element for a direct call. */
  chain: string[];
  via?: string;
  /** How the rule names the call when it matched by pattern ("an allocation that can reclaim"). */
  label?: string;
  /** The call's own closing question (an allocation: use GFP_ATOMIC?), else the rule's. */
  fix?: string;
  /** Where the tree's sleeping-call index found the callee defined (`fs/namei.c:2649`), for the basis. */
  where?: string;
}

const LOWER: Record<Confidence, Confidence> = { high: 'medium', medium: 'low', low: 'low' };
const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
const min = (a: Confidence, b: Confidence): Confidence => (RANK[a] <= RANK[b] ? a : b);

const underPath = (path: string, prefixes: string[]): boolean => prefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));

/**
 * A lock a finding may rest on: held on every path here, or held across lines not seen (the gap
 * rule), or taken under a plain flag (`if (!locked) lock_page(page)`, a flag named for the lock: the
 * caller holds it when the flag is set, so it is held on every path after all). A lock held on some merged paths only,
 * for conditions the walk does not correlate, is no evidence: on the real tree such findings were
 * false on every path that reaches the call.
 */
const evidence = (h: Held): boolean => h.definite || h.gap !== undefined || (h.cond !== undefined && /lock/i.test(h.cond));

/** Hits sort strongest first: a definite lock, taken most recently. */
function strongest(locks: Held[]): Held | undefined {
  return locks.filter(evidence).sort((a, b) => Number(b.definite) - Number(a.definite) || b.line - a.line)[0];
}

/** The code the tagger's answers depend on besides the rules: tags kept on disk are read back only while it is the same. */
const TAGGER_CODE = ['./match', '../../src/c/lock-model', '../../src/core/safe-regex', '../../src/core/regex-literal', '../../src/c/summaries'];

const matchers = new WeakMap<RuleSet, RuleMatcher>();

/** One matcher per rule set, so its per-name memo lasts across patches. */
export function matcherFor(rules: RuleSet): RuleMatcher {
  let m = matchers.get(rules);
  if (!m) {
    m = new RuleMatcher(rules);
    matchers.set(rules, m);
  }
  return m;
}

export class RuleMatcher {
  private byName = new NameMatcher<{ rule: LockRule; call: CallRule }>();
  private byAcquire = new Map<string, { rule: LockRule; call: CallRule }[]>();

  constructor(private rules: RuleSet) {
    for (const rule of rules.rules) {
      for (const call of rule.calls) {
        if (call.acquire) {
          const list = this.byAcquire.get(call.acquire) ?? [];
          list.push({ rule, call });
          this.byAcquire.set(call.acquire, list);
        } else if (call.name) this.byName.add(call.name, { rule, call });
      }
    }
  }

  rule(id: string): LockRule | undefined {
    return this.rules.rules.find((r) => r.id === id);
  }

  /** Does the rule apply in this file? Returns the reason when the path is exempt by design. */
  applies(rule: LockRule, path: string): boolean {
    if (rule.paths.length && !underPath(path, rule.paths)) return false;
    return !rule.notPaths.some((n) => underPath(path, [n.path]));
  }

  /**
   * Is this call fine under a lock of `kind`, whatever the rules say? With the held lock, an entry
   * for the lock an argument names (`lock-arg`) counts too; without it (a helper's summary) it does not.
   */
  never(kind: string, callee: string, args: string[], held?: Held): boolean {
    return this.rules.never.some((n) => {
      if (n.held !== kind) return false;
      if (n.lockArg !== undefined && (!held || normaliseLockExpr(args[n.lockArg] ?? '', this.rules.model.syntax.unwrap) !== held.key)) return false;
      return n.calls.match(callee).length > 0 || args.some((a) => n.args.some((re) => re.test(a)));
    });
  }

  /** Rule candidates per callee, within the name memos' budget (a range meets new callees at nearly every commit). */
  private named = new NameMemo<{ rule: LockRule; call: CallRule }[]>();

  private candidates(callee: string, args: string[], path: string): { rule: LockRule; call: CallRule }[] {
    let byName = this.named.get(callee);
    if (!byName) {
      byName = this.byName.match(callee);
      this.named.set(callee, byName);
    }
    return byName.filter(({ rule, call }) => {
      if (call.argMatches && !args.some((a) => call.argMatches!.test(a))) return false;
      if (call.unlessArg && args.some((a) => call.unlessArg!.test(a))) return false;
      if (call.paths && !underPath(path, call.paths)) return false;
      return this.applies(rule, path);
    });
  }

  /** The tagger summaries use: rule ids a direct call in a tree function can trigger. */
  private taggerFn: Tagger | null = null;

  tagger(): Tagger {
    this.taggerFn ??= (callee, args, path, dropped) => {
      const tags = new Set<string>();
      for (const { rule, call } of this.candidates(callee, args, path)) {
        if (call.otherThanHeld !== undefined) continue;
        const kinds = rule.held.filter((k) => !dropped.includes(k) && !this.never(k, callee, args));
        if (kinds.length) tags.add(rule.id);
      }
      return [...tags];
    };
    this.taggerFn.held = (tag) => this.rule(tag)?.held ?? [];
    // Null when the code cannot be read: nothing is kept then.
    const code = codeVersion(import.meta.url, TAGGER_CODE);
    if (code !== null) this.taggerFn.cacheId = createHash('sha256').update(`${this.rules.hash}\0${code}`).digest('hex').slice(0, 32);
    return this.taggerFn;
  }

  private confidence(rule: LockRule, call: CallRule | null, lock: Held, held: Held[], chain: number): Confidence {
    let c = call?.confidence ?? rule.confidence;
    // Across unseen lines (hunk-only) a lock is at best medium: only when it was definite before them and its own release is seen after the call.
    if (!lock.definite) c = lock.gap?.definite && lock.gap.releasedAfter ? min(c, 'medium') : 'low';
    if (rule.lowerIfHeld.some((k) => held.some((h) => h.kind === k))) c = LOWER[c];
    if (chain > 1) c = min(c, 'medium');
    return c;
  }

  /** Rule hits of one call, directly, through a summarised helper, or through the tree's sleeping functions. */
  hitsForCall(ev: CallEvent, path: string, summaries: SummaryIndex | null, sleeps?: SleepIndex | null, model?: LockModel): Hit[] {
    if (ev.held.length === 0) return [];
    const hits: Hit[] = [];
    const done = new Set<string>();
    for (const { rule, call } of this.candidates(ev.callee, ev.args, path)) {
      if (done.has(rule.id)) continue;
      // The never-list exempts the same lock (this page's writeback); another one is what the call is listed for.
      let locks = ev.held.filter((h) => rule.held.includes(h.kind) && (call.otherThanHeld !== undefined || !this.never(h.kind, ev.callee, ev.args, h)));
      if (call.otherThanHeld !== undefined) {
        const other = normaliseLockExpr(ev.args[call.otherThanHeld] ?? '', this.rules.model.syntax.unwrap);
        locks = locks.filter((h) => h.key !== other);
      }
      const lock = strongest(locks);
      if (!lock) continue;
      done.add(rule.id);
      hits.push({ rule, line: ev.line, callee: ev.callee, args: ev.args, lock, confidence: this.confidence(rule, call, lock, ev.held, 1), chain: [ev.callee], via: call.via, label: call.label, fix: call.fix });
    }
    // A call through a function pointer is not the tree function of the field's name.
    const summary = ev.indirect ? undefined : summaries?.get(ev.callee, path);
    // What a helper reaches is charged to the locks it leaves held: one annotated __releases(x), or
    // seen dropping x, is given x to drop, and its own review checks its body from x held.
    const dropped = model ? droppedBy(model, ev) : [];
    const charged = dropped.length ? ev.held.filter((h) => !dropped.includes(h.key)) : ev.held;
    if (summary && this.rules.model.lookup(ev.callee, ev.args).length === 0) {
      for (const [tag, chain] of summary.tags) {
        const rule = this.rule(tag);
        if (!rule || done.has(tag) || !this.applies(rule, path)) continue;
        const last = chain.at(-1) ?? '';
        const lock = strongest(charged.filter((h) => rule.held.includes(h.kind) && !this.never(h.kind, ev.callee, ev.args, h) && !this.never(h.kind, last, [])));
        if (!lock) continue;
        done.add(tag);
        const full = [ev.callee, ...chain];
        hits.push({ rule, line: ev.line, callee: ev.callee, args: ev.args, lock, confidence: this.confidence(rule, null, lock, ev.held, full.length), chain: full });
      }
    }
    // A function of the tree that sleeps every time it runs (src/c/sleep-index.ts), further than the summaries reach.
    const fact = ev.indirect || !sleeps ? null : sleeps.sleeps(ev.callee, path);
    if (fact && this.rules.model.lookup(ev.callee, ev.args).length === 0) {
      const full = [ev.callee, ...fact.chain];
      for (const rule of sleepingRules(this.rules)) {
        if (done.has(rule.id) || !this.applies(rule, path)) continue;
        const lock = strongest(charged.filter((h) => rule.held.includes(h.kind) && !full.some((n, i) => this.never(h.kind, n, i === 0 ? ev.args : []))));
        if (!lock) continue;
        done.add(rule.id);
        hits.push({ rule, line: ev.line, callee: ev.callee, args: ev.args, lock, confidence: this.confidence(rule, null, lock, ev.held, full.length), chain: full, where: `${fact.path}:${fact.line}` });
      }
    }
    return hits;
  }

  /** Taking a second lock of a kind while one is held (ABBA between page locks). */
  hitsForAcquire(ev: AcquireEvent, path: string): Hit[] {
    const hits: Hit[] = [];
    // A try-lock does not wait for the second lock: no ABBA.
    if (ev.lock.try) return hits;
    for (const { rule, call } of this.byAcquire.get(ev.lock.kind) ?? []) {
      if (!this.applies(rule, path)) continue;
      // Evidence of ascending index order: a loop over the pages, or an explicit index comparison.
      if (ev.inLoop || ev.conditions.some((c) => /\bindex\b/.test(c))) continue;
      const lock = strongest(ev.before.filter((h) => h.kind === ev.lock.kind && rule.held.includes(h.kind) && h.key !== ev.lock.key));
      if (!lock) continue;
      hits.push({ rule, line: ev.line, callee: ev.lock.via, args: [ev.lock.key], lock, confidence: this.confidence(rule, call, lock, ev.before, 1), chain: [ev.lock.via] });
    }
    return hits;
  }
}

/**
 * Locks a called helper of the tree drops for its caller (by annotation, or seen in its body, or
 * through a helper it calls): their keys at this call. A drop on some paths only counts too: what
 * is charged is a call the helper makes every time it runs, and a helper that always sleeps and
 * drops its caller's spinlock sleeps after the drop (affine_move_task() drops p->pi_lock through
 * task_rq_unlock() on each of its branches, then waits).
 */
function droppedBy(model: LockModel, ev: CallEvent): string[] {
  const out: string[] = [];
  for (const p of model.lookup(ev.callee, ev.args)) {
    if ((p.op !== 'release' && p.op !== 'forget') || !p.inferred) continue;
    if (p.key) out.push(p.key);
    else if (p.arg !== null && ev.args[p.arg] !== undefined) out.push(normaliseLockExpr(ev.args[p.arg], model.syntax.unwrap) + (p.suffix ?? ''));
  }
  return out;
}
