// What history says about each commit a Fixes: tag names, at the patch's base: subject, merge,
// revert, ancestry (backports recognised), reverted since, already fixed, stable Cc, author Cc.
import type { Finding, Patch } from '../../src/core/types.js';
import type { FixesConfig } from '../../src/core/config.js';
import type { FixesRules } from '../../src/git/conventions.js';
import type { CommitInfo } from '../../src/git/history-types.js';
import { isSplit, usableSubject, type FixesTag } from './find-tags.js';
import type { Describer } from './describer.js';
import type { Named } from './identify.js';
import { historyFinding } from './make-finding.js';
import { compareSubject } from '../../src/patch/subject-match.js';
import { stableState } from './stable-cc.js';

export interface RelationInput {
  /** The commit the patch applies to; null when unknown (no ancestry questions then). */
  base: string | null;
  baseLabel: string;
  cfg: FixesConfig;
  rules: FixesRules;
  patch: Patch;
  /** The corrected line of a tag (its known commits' canonical lines). */
  suggestion: (tag: FixesTag) => Promise<string>;
}

interface Facts {
  ancestor: boolean;
  reverts: string | null;
  revertedBy: CommitInfo[];
  fixers: CommitInfo[];
  backports: CommitInfo[];
}

export async function relationFindings(named: Named[], d: Describer, inp: RelationInput): Promise<Finding[]> {
  const base = inp.base;
  const history = d.history;
  // Every question for every target at once; History answers from its indexes and graph.
  const facts: Facts[] = await Promise.all(
    named.map(async ({ info }) => {
      const oid = info.oid;
      const ancestor = base === null || (await history.isAncestor(oid, base));
      const inBase = base !== null && ancestor;
      const [reverts, revertedBy, fixers, backports] = await Promise.all([
        // A revert says so in its subject; asking only then spares a message read per target.
        /\brevert/i.test(info.subject) ? history.revertedBy(oid) : null,
        inBase ? history.revertsOf(oid, base) : [],
        inBase && inp.rules.alreadyFixed ? history.fixersOf(oid, base) : [],
        base !== null && !ancestor ? history.backportsOf(oid, base) : [],
      ]);
      return { ancestor, reverts, revertedBy, fixers, backports };
    }),
  );
  await d.load(facts.map((f) => f.reverts).filter((o): o is string => o !== null));
  await d.prime(citedCommits(named, facts, d, inp));
  const per = await Promise.all(named.map((n, i) => targetFindings(n, facts[i], d, inp)));
  return [...per.flat(), ...(await alreadyFixed(named, facts, d, inp)), ...(await stableCc(named, facts, d, inp)), ...(await authorsNotCced(named, d, inp))];
}

/** The commits the findings will cite, so their abbreviations come in one batch; a guess, not a promise. */
function citedCommits(named: Named[], facts: Facts[], d: Describer, inp: RelationInput): CommitInfo[] {
  const out: CommitInfo[] = [];
  named.forEach(({ tag, info }, i) => {
    const f = facts[i];
    const given = usableSubject(tag);
    const odd =
      tag.problems.length > 0 ||
      inp.patch.mail !== null ||
      (given !== null && compareSubject(given, info.subject, inp.cfg.subjectMode) !== 'match') ||
      info.parents.length > 1 ||
      f.reverts !== null ||
      !f.ancestor ||
      f.revertedBy.length > 0 ||
      f.fixers.length > 0;
    if (!odd) return;
    out.push(info, ...f.revertedBy, ...f.fixers, ...f.backports);
    const reverted = f.reverts ? d.infos.get(f.reverts) : undefined;
    if (reverted) out.push(reverted);
  });
  return out;
}

/** Does the tag quote the subject of the commit it names (`d`'s repository)? A mismatch names the commit the quoted subject belongs to. */
export async function subjectFindings({ tag, info }: Named, d: Describer, inp: Pick<RelationInput, 'cfg' | 'suggestion'>): Promise<Finding[]> {
  const given = usableSubject(tag);
  if (given === null || isSplit(tag)) return [];
  const verdict = compareSubject(given, info.subject, inp.cfg.subjectMode);
  if (verdict === 'mismatch') {
    const t = await d.target(info);
    const other = (await d.bySubject(given)).find((c) => c.oid !== info.oid);
    const o = other ? await d.target(other) : null;
    return [
      historyFinding('fixes/subject-mismatch', tag, {}, {
        suggestion: await inp.suggestion(tag),
        explanation: `The subject of ${t.abbrev} is "${info.subject}".` + (o ? ` The subject given here belongs to ${o.cite}: is the id wrong?` : ''),
        evidence: o ? [t.cite, o.cite] : [t.cite],
      }),
    ];
  }
  if (verdict === 'truncated') {
    const t = await d.target(info);
    return [
      historyFinding('fixes/subject-truncated', tag, {}, {
        suggestion: await inp.suggestion(tag),
        explanation: `The subject is cut short; the whole subject of ${t.abbrev} is "${info.subject}".`,
        evidence: [t.cite],
      }),
    ];
  }
  return [];
}

async function targetFindings({ tag, info }: Named, f: Facts, d: Describer, inp: RelationInput): Promise<Finding[]> {
  const out: Finding[] = await subjectFindings({ tag, info }, d, inp);
  const target = () => d.target(info);
  const suggestion = () => inp.suggestion(tag);
  if (info.parents.length > 1) {
    const t = await target();
    out.push(
      historyFinding('fixes/target-merge', tag, { sha: t.abbrev }, {
        suggestion: await suggestion(),
        explanation: `${t.cite} is a merge. A bug usually comes from one of the merged commits: is there one to name instead?`,
        evidence: [t.cite],
      }),
    );
  }
  if (f.reverts !== null) {
    const t = await target();
    const revertedInfo = d.infos.get(f.reverts);
    const reverted = revertedInfo ? await d.target(revertedInfo) : null;
    const r = reverted ? reverted.cite : f.reverts.slice(0, 12);
    out.push(
      historyFinding('fixes/target-revert', tag, { sha: t.abbrev }, {
        suggestion: await suggestion(),
        explanation: `${t.cite} reverts ${r}. If the revert brought the bug back, this tag is right; if the bug is in the reverted change, should the tag name ${r}?`,
        evidence: reverted ? [t.cite, reverted.cite] : [t.cite],
      }),
    );
  }
  if (!f.ancestor) out.push(await notAncestor(tag, info, f.backports, d, inp));
  if (f.revertedBy.length > 0) {
    const t = await target();
    const by = await d.cites(f.revertedBy);
    out.push(
      historyFinding('fixes/target-reverted', tag, { sha: t.abbrev, by: by[0] }, {
        suggestion: await suggestion(),
        explanation: `${t.cite} was reverted by ${by.join(', ')}, so the base no longer has the code it added. Is this fix still needed?`,
        evidence: by,
      }),
    );
  }
  return out;
}

/** One note per patch for every target other commits already fix, listing them. */
async function alreadyFixed(named: Named[], facts: Facts[], d: Describer, inp: RelationInput): Promise<Finding[]> {
  const hits: { tag: FixesTag; abbrev: string; by: string[]; suggestion: string }[] = [];
  for (const [i, { tag, info }] of named.entries()) {
    const fixers = facts[i].fixers.filter((c) => c.oid !== inp.patch.commit);
    if (fixers.length === 0) continue;
    hits.push({ tag, abbrev: (await d.target(info)).abbrev, by: await d.cites(fixers), suggestion: await inp.suggestion(tag) });
  }
  if (hits.length === 0) return [];
  const [first] = hits;
  const explain = hits.map((h) => `Already in the tree with Fixes: ${h.abbrev}: ${h.by.join(', ')}.`).join(' ');
  return [
    historyFinding('fixes/already-fixed', first.tag, { sha: hits.map((h) => h.abbrev).join(', '), count: hits.reduce((n, h) => n + h.by.length, 0) }, {
      suggestion: hits.map((h) => h.suggestion).join('\n'),
      explanation: `${explain} Is this the same fix again, or a fix of one of those (then should it name that one)?`,
      evidence: hits.flatMap((h) => h.by),
    }),
  ];
}

async function notAncestor(tag: FixesTag, info: CommitInfo, backports: CommitInfo[], d: Describer, inp: RelationInput): Promise<Finding> {
  const t = await d.target(info);
  if (backports.length > 0) {
    const cites = await d.cites(backports);
    return historyFinding('fixes/not-ancestor', tag, {}, {
      severity: 'note',
      message: `Fixes tag: Target is not an ancestor of this commit, but its backport ${cites[0]} is`,
      explanation: `${t.cite} is not in the history of the base, but the same change is, as ${cites.join(', ')}. Backports cite the upstream id, so this is usually fine.`,
      evidence: [t.cite, ...cites],
      suggestion: await inp.suggestion(tag),
    });
  }
  // A rebased tree: the same subject in the base's history is probably the commit meant.
  const same = (await d.bySubject(info.subject)).filter((c) => c.oid !== info.oid);
  const inBase = inp.base ? await Promise.all(same.map((c) => d.history.isAncestor(c.oid, inp.base!))) : [];
  const alt = same.find((_, i) => inBase[i]);
  const a = alt ? await d.target(alt) : null;
  return historyFinding('fixes/not-ancestor', tag, {}, {
    explanation:
      `${t.cite} is not in the history of the base (${inp.baseLabel}).` +
      (a ? ` Maybe you meant ${a.cite}, the same change in this history?` : ' Is it on another branch, or was it rebased?'),
    evidence: a ? [t.cite, a.cite] : [t.cite],
    suggestion: a ? a.line : await inp.suggestion(tag),
  });
}

/** One note per patch: the first target that is in a release, when nobody asked for stable. */
async function stableCc(named: Named[], facts: Facts[], d: Describer, inp: RelationInput): Promise<Finding[]> {
  const base = inp.base;
  const address = inp.rules.stableAddress;
  if (base === null || address === null || stableState(inp.patch, address) !== 'none') return [];
  for (const [i, { tag, info }] of named.entries()) {
    // A reverted target has left the tree: stable has nothing to fix.
    if (!facts[i].ancestor || facts[i].revertedBy.length > 0) continue;
    const release = await releaseOf(info.oid, base, d, inp.cfg.releaseTagPattern);
    if (release === null) continue;
    const t = await d.target(info);
    return [
      historyFinding('fixes/stable-cc', tag, { release }, {
        suggestion: await inp.suggestion(tag),
        explanation: inp.rules.kernel
          ? `${t.cite} is in ${release}, so released kernels have the bug. Should this carry "Cc: ${address} # ${release.replace(/^v/, '')}+"? If it should not be backported, "Cc: <stable+noautosel@kernel.org> # <reason>" says so.`
          : `${t.cite} is in ${release}, so released versions have the bug. Should this carry "Cc: ${address}"?`,
        evidence: [t.cite],
      }),
    ];
  }
  return [];
}

/** The first release with the bug; an -rc tag counts only once its final release is in the base too. */
async function releaseOf(oid: string, base: string, d: Describer, pattern: string): Promise<string | null> {
  const h = d.history;
  const tag = await h.firstRelease(oid, base, pattern);
  if (tag === null) return null;
  const rc = /^(.*)-rc\d+$/.exec(tag);
  if (!rc) return tag;
  const final = await h.revParse(rc[1]);
  if (final === null || !(await h.isAncestor(final, base)) || !(await h.isAncestor(oid, final))) return null;
  return rc[1];
}

/** (mail) The authors of the fixed commits who are in neither To nor Cc, once each. */
async function authorsNotCced(named: Named[], d: Describer, inp: RelationInput): Promise<Finding[]> {
  const { patch } = inp;
  const mail = patch.mail;
  if (!mail) return [];
  const reached = new Set([...mail.to, ...mail.cc, ...(mail.from ? [mail.from] : []), patch.author].map((p) => p.email.toLowerCase()));
  // Cc: trailers count: git send-email copies them into the mail's Cc.
  for (const m of patch.message.matchAll(/^\s*cc\s*:.*$/gim)) for (const a of m[0].matchAll(/[^\s<>,;"]+@[^\s<>,;"#]+/g)) reached.add(a[0].toLowerCase());
  const missed: { tag: FixesTag; who: string; cite: string; suggestion: string }[] = [];
  for (const { tag, info } of named) {
    const email = info.author.email.toLowerCase();
    if (email === '' || reached.has(email)) continue;
    reached.add(email);
    missed.push({ tag, who: `${info.author.name} <${info.author.email}>`, cite: (await d.target(info)).cite, suggestion: await inp.suggestion(tag) });
  }
  if (missed.length === 0) return [];
  const wrote = missed.map((m) => `${m.who} wrote ${m.cite}`).join('; ');
  return [
    historyFinding('fixes/author-not-cced', missed[0].tag, { author: missed.map((m) => m.who).join(', ') }, {
      suggestion: missed.map((m) => m.suggestion).join('\n'),
      explanation: `${wrote}: the commit${missed.length > 1 ? 's' : ''} this fixes, but ${missed.length > 1 ? 'they are' : 'is'} neither in To nor Cc. They usually know the code best: could you Cc them?`,
      evidence: missed.map((m) => m.cite),
    }),
  ];
}
