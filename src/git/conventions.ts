// A project's Fixes: conventions, learned from its own history: where the tags stand, how ids are
// written, which stable address (if any) is used, how often a commit is fixed more than once,
// whether the ids name commits of another tree. Counted while the history index is built (one
// look at each message, see conventionKeys) and summed from there in a few queries.
import type { FixesConfig } from '../core/config.js';
import { findTrailerBlock, placementOf, standsAlone, type Placement } from '../patch/trailers.js';
import type { HistoryIndex } from './history-index.js';

/** The first commit of the kernel's git history: its presence marks a kernel tree. */
const KERNEL_ROOT_SUBJECT = 'Linux 2.6.12-rc2';

const FIXES_LINE = /^Fixes[ \t]*:[ \t]*(.*)$/i;
const ID = /^([0-9a-fA-F]{4,40})\b(.*)$/;
const CC_LINE = /^[ \t]*Cc[ \t]*:(.*)$/i;
const ADDRESS = /[^\s<>,;"#]+@[^\s<>,;"#]+/g;
const TRAILER_KEY = /^([A-Za-z0-9-]+)[ \t]*:/;

/** How a tag writes the subject after the id. */
export type SubjectForm = 'kernel' | 'quotes-only' | 'parens-only' | 'none' | 'other';

function subjectForm(rest: string): SubjectForm {
  const r = rest.trim();
  if (r === '') return 'none';
  if (/^\("[^]*"\)$/.test(r)) return 'kernel';
  if (r.startsWith('"')) return 'quotes-only';
  if (r.startsWith('(')) return 'parens-only';
  return 'other';
}

/** The stable addresses a message Cc's (`stable@...`, `stable+x@...` counted as `stable@...`). */
function stableAddresses(lines: string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const m = CC_LINE.exec(line);
    if (!m) continue;
    for (const a of m[1].replace(/#.*$/, '').matchAll(ADDRESS)) {
      const [local, domain] = a[0].toLowerCase().split('@');
      if (local.split('+')[0] === 'stable' && domain) out.add(`stable@${domain}`);
    }
  }
  return out;
}

/**
 * The counters one commit adds to (a key may repeat: once per tag). Cheap for the many commits
 * without a Fixes: line or a Cc: stable: one substring test each.
 */
export function conventionKeys(message: string, subject: string, parents: string): string[] {
  // Counted here rather than with count(*): reading what was learned stays a few rows.
  const keys: string[] = ['commits'];
  if (parents === '' && subject === KERNEL_ROOT_SUBJECT) keys.push('kernel-root');
  const hasFixes = /fixes/i.test(message);
  if (!hasFixes && !/stable/i.test(message)) return keys;
  const lines = message.split('\n');
  const stable = stableAddresses(lines);
  for (const a of stable) keys.push(`stable-any:${a}`);
  if (!hasFixes) return keys;
  const block = findTrailerBlock(lines);
  let tags = 0;
  for (let i = 1; i < lines.length; i++) {
    const m = FIXES_LINE.exec(lines[i]);
    if (!m) continue;
    const id = ID.exec(m[1].trim());
    if (!id) continue;
    tags++;
    const placement: Placement = placementOf(lines, block, i);
    keys.push(`place:${placement}`, `idlen:${id[1].length}`, `form:${subjectForm(id[2])}`);
    if (placement !== 'trailer-block' && standsAlone(lines, i)) keys.push('alone');
    const next = lines[i + 1];
    const after = next === undefined ? '(end of message)' : next.trim() === '' ? '(blank line)' : (TRAILER_KEY.exec(next)?.[1] ?? '(text)');
    keys.push(`after:${after}`);
  }
  if (tags === 0) return keys;
  keys.push('fix-commits');
  for (const a of stable) keys.push(`stable:${a}`);
  return keys;
}

export interface LearnedConventions {
  commits: number;
  /** Commits with at least one Fixes: tag naming an id, and those tags. */
  fixCommits: number;
  tags: number;
  placement: Record<Placement, number>;
  /** Tags outside the trailer block with blank lines on both sides. */
  alone: number;
  idLengths: Record<number, number>;
  forms: Record<SubjectForm, number>;
  /** Stable addresses by the number of fix commits (and of all commits) that Cc them, most used first. */
  stable: { address: string; fixCommits: number; commits: number }[];
  /** What follows a Fixes: line: a trailer key, `(blank line)`, `(text)`. */
  after: Record<string, number>;
  /** Distinct commits named by Fixes: tags (by their first 7 digits), those named more than once, and the tags naming those. */
  targets: number;
  refixedTargets: number;
  tagsOnRefixed: number;
  /** Distinct named ids that name no commit of this history. */
  unresolvedTargets: number;
  kernelRoot: boolean;
}

const emptyPlacement = (): Record<Placement, number> => ({ 'trailer-block': 0, 'own-paragraph': 0, prose: 0 });
const emptyForms = (): Record<SubjectForm, number> => ({ kernel: 0, 'quotes-only': 0, 'parens-only': 0, none: 0, other: 0 });

/** Sum up what the index counted. A few queries, whatever the size of the history. */
export function learnConventions(index: HistoryIndex): LearnedConventions {
  const counts = index.conventionCounts();
  const n = (k: string): number => counts.get(k) ?? 0;
  const out: LearnedConventions = {
    commits: n('commits'),
    fixCommits: n('fix-commits'),
    tags: 0,
    placement: emptyPlacement(),
    alone: n('alone'),
    idLengths: {},
    forms: emptyForms(),
    stable: [],
    after: {},
    ...index.fixesTargetStats(),
    kernelRoot: n('kernel-root') > 0,
  };
  const stable = new Map<string, { fixCommits: number; commits: number }>();
  for (const [key, v] of counts) {
    const [kind, value] = splitKey(key);
    if (kind === 'place') {
      out.placement[value as Placement] = v;
      out.tags += v;
    } else if (kind === 'idlen') out.idLengths[Number(value)] = v;
    else if (kind === 'form') out.forms[value as SubjectForm] = v;
    else if (kind === 'after') out.after[value] = v;
    else if (kind === 'stable' || kind === 'stable-any') {
      const s = stable.get(value) ?? { fixCommits: 0, commits: 0 };
      if (kind === 'stable') s.fixCommits = v;
      else s.commits = v;
      stable.set(value, s);
    }
  }
  out.stable = [...stable].map(([address, s]) => ({ address, ...s })).sort((a, b) => b.fixCommits - a.fixCommits || b.commits - a.commits);
  return out;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? [key, ''] : [key.slice(0, i), key.slice(i + 1)];
}

/** Below this many tags a history says too little: the kernel's rules apply. */
export const MIN_TAGS = 50;
/** A stable address counts as this project's when this share of its fixes Cc it. */
const STABLE_SHARE = 0.05;
/** Fixing a commit more than once is the project's habit above this share of tags. */
const REFIX_SHARE = 0.2;
/** A tree mirrors another when more than this share of the ids its tags name are not here. */
const MIRROR_SHARE = 0.5;

/** The rules the Fixes: check applies, with the reasons taken from the history. */
export interface FixesRules {
  placement: 'trailer-block' | 'own-paragraph' | 'anywhere-above-fold';
  /** null: the project has no stable tree; no stable-cc remarks. */
  stableAddress: string | null;
  alreadyFixed: boolean;
  /** The ids of this tree's tags name commits of another tree (a mirror). */
  mirror: boolean;
  kernel: boolean;
  /** One sentence for each rule the history changed, as a note may quote it. */
  reasons: Partial<Record<'placement' | 'stable' | 'alreadyFixed' | 'mirror', string>>;
}

const KERNEL_STABLE = 'stable@vger.kernel.org';
const pct = (a: number, b: number): string => `${b === 0 ? 0 : Math.round((100 * a) / b)}%`;

/** The rules for a repository: what the config pins, else what its history does, else the kernel's. */
export function fixesRules(cfg: FixesConfig, learned: LearnedConventions | null): FixesRules {
  const kernel = cfg.kernelRules === 'always' || (cfg.kernelRules === 'learn' && (learned === null || learned.kernelRoot || learned.tags < MIN_TAGS));
  const rules: FixesRules = {
    placement: cfg.placement === 'learn' ? 'trailer-block' : cfg.placement,
    stableAddress: cfg.stableAddress === 'learn' ? KERNEL_STABLE : cfg.stableAddress === 'none' ? null : cfg.stableAddress,
    alreadyFixed: cfg.alreadyFixed !== 'off',
    mirror: cfg.mirror === 'yes' || (cfg.mirror === 'learn' && Boolean(cfg.upstream)),
    kernel,
    reasons: {},
  };
  if (rules.mirror) rules.reasons.mirror = cfg.mirror === 'yes' ? 'the config says this tree mirrors another' : `the config names the tree this one mirrors (${cfg.upstream})`;
  if (kernel || learned === null) return rules;
  const L = learned;
  if (cfg.placement === 'learn') {
    const inBlock = L.placement['trailer-block'];
    const own = L.placement['own-paragraph'];
    if (own > inBlock && own >= L.placement.prose) {
      rules.placement = 'own-paragraph';
      rules.reasons.placement = `in this tree ${pct(own, L.tags)} of Fixes tags sit in a paragraph of their own above the sign-offs`;
    } else if (L.placement.prose > inBlock + own) {
      rules.placement = 'anywhere-above-fold';
      rules.reasons.placement = `in this tree ${pct(L.placement.prose, L.tags)} of Fixes tags sit in the text of the message`;
    }
  }
  if (cfg.stableAddress === 'learn') {
    const top = L.stable[0];
    if (top && top.fixCommits >= 10 && top.fixCommits >= STABLE_SHARE * L.fixCommits) {
      rules.stableAddress = top.address;
      if (top.address !== KERNEL_STABLE) rules.reasons.stable = `this tree asks for backports with Cc: ${top.address} (${pct(top.fixCommits, L.fixCommits)} of its fixes)`;
    } else {
      rules.stableAddress = null;
      rules.reasons.stable = `this tree has no stable address in use (${top ? `${top.fixCommits} of ${L.fixCommits} fixes Cc ${top.address}` : 'no fix Cc\'s one'})`;
    }
  }
  if (cfg.alreadyFixed === 'learn' && L.tagsOnRefixed > REFIX_SHARE * L.tags) {
    rules.alreadyFixed = false;
    rules.reasons.alreadyFixed = `in this tree ${pct(L.tagsOnRefixed, L.tags)} of Fixes tags name a commit that other fixes name too`;
  }
  if (cfg.mirror === 'learn' && !rules.mirror && L.targets >= 20 && L.unresolvedTargets > MIRROR_SHARE * L.targets) {
    rules.mirror = true;
    rules.reasons.mirror = `${pct(L.unresolvedTargets, L.targets)} of the commits this tree's Fixes tags name are not in it: it mirrors another tree`;
  }
  return rules;
}

/** What `kreview conventions` prints: the counts learned and the rules they lead to. */
export function describeConventions(L: LearnedConventions, rules: FixesRules): string {
  const lines: string[] = [];
  const share = (a: number, b: number): string => `${a} (${pct(a, b)})`;
  lines.push(`commits: ${L.commits}; with Fixes: tags: ${L.fixCommits}; tags: ${L.tags}`);
  lines.push(
    `placement: trailer block ${share(L.placement['trailer-block'], L.tags)}, own paragraph ${share(L.placement['own-paragraph'], L.tags)}, in the text ${share(L.placement.prose, L.tags)}; alone between blank lines ${L.alone}`,
  );
  const lens = Object.entries(L.idLengths).map(([k, v]) => [Number(k), v] as const);
  const bucket = (lo: number, hi: number): number => lens.filter(([k]) => k >= lo && k <= hi).reduce((s, [, v]) => s + v, 0);
  lines.push(`id length: under 12 ${share(bucket(1, 11), L.tags)}, 12 ${share(bucket(12, 12), L.tags)}, 13-39 ${share(bucket(13, 39), L.tags)}, 40 ${share(bucket(40, 40), L.tags)}`);
  lines.push(
    `subject: ("...") ${share(L.forms.kernel, L.tags)}, quotes only ${L.forms['quotes-only']}, parentheses only ${L.forms['parens-only']}, none ${L.forms.none}, other ${L.forms.other}`,
  );
  lines.push(`stable: ${L.stable.length ? L.stable.slice(0, 3).map((s) => `${s.address} on ${share(s.fixCommits, L.fixCommits)} fixes, ${s.commits} commits`).join('; ') : 'no stable address Cc\'d'}`);
  const after = Object.entries(L.after).sort((a, b) => b[1] - a[1]).slice(0, 5);
  lines.push(`after a Fixes: line: ${after.map(([k, v]) => `${k} ${share(v, L.tags)}`).join(', ') || '-'}`);
  lines.push(`fixed commits: ${L.targets}; fixed more than once: ${L.refixedTargets} (${share(L.tagsOnRefixed, L.tags)} of the tags name one of them); not in this tree: ${share(L.unresolvedTargets, L.targets)}`);
  lines.push(`kernel history: ${L.kernelRoot ? 'yes' : 'no'}`);
  lines.push('');
  lines.push(`rules: ${rules.kernel ? 'the kernel\'s' + (L.tags < MIN_TAGS && !L.kernelRoot ? ` (fewer than ${MIN_TAGS} tags to learn from)` : '') : 'learned'}`);
  lines.push(`  placement: ${rules.placement}`);
  lines.push(`  stable address: ${rules.stableAddress ?? 'none'}`);
  lines.push(`  already-fixed notes: ${rules.alreadyFixed ? 'yes' : 'no'}`);
  lines.push(`  mirror of another tree: ${rules.mirror ? 'yes' : 'no'}`);
  for (const r of Object.values(rules.reasons)) lines.push(`  - ${r}`);
  return lines.join('\n') + '\n';
}
