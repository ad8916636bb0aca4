// Checks every Fixes: tag of a patch against the repository at the patch's base, asking History
// in batches (all ids resolved at once, all commits described at once) and never forking git here.
import type { Finding, Patch, Severity } from '../../src/core/types.js';
import type { FixesConfig } from '../../src/core/config.js';
import type { CommitInfo, History, ResolvedObject } from '../../src/git/history-types.js';
import { RULES, ruleMessage, type HistoryId } from './rules.js';
import type { FixesTag } from './find-tags.js';
import { makeTarget, type Target } from './cite.js';
import { tagLocation, tagSuggestion } from './format-findings.js';
import { compareSubject, normalizeSubject } from './subject-match.js';
import { stableState } from './stable-cc.js';

export interface HistoryInput {
  tags: FixesTag[];
  history: History;
  /** The commit the patch applies to; null when unknown (no ancestry questions then). */
  base: string | null;
  baseLabel: string;
  cfg: FixesConfig;
  patch: Patch;
}

export interface HistoryResult {
  findings: Finding[];
  /** The commits each tag names (or most likely means), for the suggested line. */
  targets: Map<FixesTag, Target[]>;
}

/** Describes commits with memoised abbreviations; one `commits()` batch per call of `load`. */
class Describer {
  readonly infos = new Map<string, CommitInfo>();
  private abbrevs = new Map<string, Promise<string>>();
  constructor(private history: History) {}

  async load(oids: Iterable<string>): Promise<void> {
    const want = [...new Set(oids)].filter((o) => !this.infos.has(o));
    if (want.length === 0) return;
    for (const [oid, info] of await this.history.commits(want)) this.infos.set(oid, info);
  }

  async target(info: CommitInfo): Promise<Target> {
    let a = this.abbrevs.get(info.oid);
    if (!a) {
      a = this.history.abbrev(info.oid, 12);
      this.abbrevs.set(info.oid, a);
    }
    return makeTarget(info, await a);
  }

  async targetOf(oid: string): Promise<Target | null> {
    const info = this.infos.get(oid);
    return info ? this.target(info) : null;
  }

  async cites(infos: CommitInfo[]): Promise<string[]> {
    return (await Promise.all(infos.map((i) => this.target(i)))).map((t) => t.cite);
  }
}

function finding(
  id: HistoryId,
  tag: FixesTag | null,
  data: Record<string, string | number>,
  rest: Partial<Finding> & { severity?: Severity },
): Finding {
  return {
    id,
    severity: rest.severity ?? RULES[id].severity,
    message: ruleMessage(id, data),
    location: tag ? tagLocation(tag) : { kind: 'patch' },
    confidence: 'high',
    ...rest,
  };
}

/** The subject a tag quotes, when it is whole enough to compare or look up. */
function usableSubject(tag: FixesTag): string | null {
  if (tag.parsed.unterminated || tag.parsed.subject === null) return null;
  const s = normalizeSubject(tag.parsed.subject);
  return s === '' ? null : s;
}

const isSplit = (tag: FixesTag): boolean => tag.problems.some((p) => p.id === 'fixes/split');

export async function historyFindings(inp: HistoryInput): Promise<HistoryResult> {
  const { tags, history, base, cfg, patch } = inp;
  const findings: Finding[] = [];
  const targets = new Map<FixesTag, Target[]>();
  const ids = [...new Set(tags.flatMap((t) => t.parsed.ids))];
  if (ids.length === 0) return { findings, targets };

  const resolved = await history.resolve(ids);
  const d = new Describer(history);
  const subjects = [...new Set(tags.map(usableSubject).filter((s): s is string => s !== null))];
  const sameSubject = new Map<string, string[]>();
  await Promise.all(subjects.map(async (s) => sameSubject.set(s, await history.bySubject(s))));
  const wanted: string[] = [...sameSubject.values()].flat();
  for (const r of resolved.values()) {
    if (r.status === 'found' && r.type === 'commit' && r.oid) wanted.push(r.oid);
    for (const c of r.candidates ?? []) if (c.type === 'commit') wanted.push(c.oid);
  }
  await d.load(wanted);

  /** Commits with the tag's subject, other than `except`, those in the base's history first. */
  const sameSubjectOf = async (tag: FixesTag, except?: string): Promise<CommitInfo[]> => {
    const s = usableSubject(tag);
    const oids = (s ? (sameSubject.get(s) ?? []) : []).filter((o) => o !== except && d.infos.has(o));
    if (base === null || oids.length < 2) return oids.map((o) => d.infos.get(o)!);
    const anc = await Promise.all(oids.map((o) => history.isAncestor(o, base)));
    return oids.map((o, i) => ({ o, a: anc[i] })).sort((x, y) => Number(y.a) - Number(x.a)).map((x) => d.infos.get(x.o)!);
  };

  // Identity: what each id names. Tags with a commit go on to the relation checks.
  const related: { tag: FixesTag; target: Target }[] = [];
  for (const tag of tags) {
    const tagTargets: Target[] = [];
    for (const id of tag.parsed.ids) {
      const r = resolved.get(id) ?? { query: id, status: 'missing' };
      const t = await identify(tag, id, r);
      if (t) tagTargets.push(t);
    }
    if (tagTargets.length > 0) targets.set(tag, tagTargets);
  }

  async function identify(tag: FixesTag, id: string, r: ResolvedObject): Promise<Target | null> {
    if (r.status === 'missing') {
      const same = await sameSubjectOf(tag);
      if (same.length === 0) {
        findings.push(
          finding('fixes/unknown-sha', tag, {}, {
            explanation: `No object in this repository has an id starting with ${id}. Was the commit rebased, or is it in another tree?`,
          }),
        );
        return null;
      }
      const guess = await d.target(same[0]);
      findings.push(
        finding('fixes/unknown-sha', tag, {}, {
          severity: 'warning',
          message: 'Fixes tag: Target SHA1 does not exist in this repository',
          explanation: `No object here has an id starting with ${id}, but ${guess.cite} has this subject. Maybe you meant ${guess.abbrev}? If ${id} is the id of the same change in another tree (a mirror, or the tree this was backported from), the tag can stay.`,
          evidence: await d.cites(same),
          suggestion: guess.line,
          confidence: 'medium',
        }),
      );
      return guess;
    }
    if (r.status === 'ambiguous') return ambiguous(tag, id, r);
    if (r.type !== 'commit' || !r.oid) {
      const same = await sameSubjectOf(tag);
      const guess = same.length > 0 ? await d.target(same[0]) : null;
      findings.push(
        finding('fixes/not-a-commit', tag, { sha: id, type: r.type ?? 'object' }, {
          explanation:
            `${id} names a ${r.type ?? 'non-commit object'} in this repository, not a commit.` +
            (guess ? ` Maybe you meant ${guess.cite}, which has this subject?` : ' Which commit introduced the bug?'),
          ...(guess ? { suggestion: guess.line, evidence: [guess.cite] } : {}),
        }),
      );
      return guess;
    }
    const target = await d.targetOf(r.oid);
    if (target) related.push({ tag, target });
    return target;
  }

  async function ambiguous(tag: FixesTag, id: string, r: ResolvedObject): Promise<Target | null> {
    const cands = r.candidates ?? [];
    const commits = cands.filter((c) => c.type === 'commit' && d.infos.has(c.oid)).map((c) => d.infos.get(c.oid)!);
    const given = usableSubject(tag);
    let pick: CommitInfo | null = commits.length === 1 ? commits[0] : null;
    if (!pick && given !== null) {
      const bySubj = commits.filter((c) => compareSubject(given, c.subject, 'lenient') !== 'mismatch');
      if (bySubj.length === 1) pick = bySubj[0];
    }
    const commitCites = await d.cites(commits);
    const others = cands.filter((c) => c.type !== 'commit').map((c) => `${c.oid.slice(0, 12)} (${c.type})`);
    const target = pick ? await d.target(pick) : null;
    let explanation = `${id} names ${cands.length} objects: ${[...commitCites, ...others].join(', ')}.`;
    if (commits.length === 1) explanation += ` Only one of them is a commit; ${target!.abbrev} is unambiguous.`;
    else if (target) explanation += ` The subject matches ${target.cite}; ${target.abbrev} is unambiguous.`;
    else explanation += commits.length === 0 ? ' None of them is a commit.' : ' Which one is meant?';
    findings.push(
      finding('fixes/ambiguous-sha', tag, { sha: id, count: cands.length }, {
        explanation,
        evidence: commitCites,
        ...(target ? { suggestion: target.line } : {}),
      }),
    );
    if (target) related.push({ tag, target });
    return target;
  }

  await relations(related);
  return { findings, targets };

  /** Subject, merge, revert, ancestry, reverted, already fixed, stable, author: per target, concurrently. */
  async function relations(list: { tag: FixesTag; target: Target }[]): Promise<void> {
    const facts = await Promise.all(
      list.map(async ({ target }) => {
        const oid = target.info.oid;
        const [reverts, ancestor] = await Promise.all([history.revertedBy(oid), base ? history.isAncestor(oid, base) : true]);
        const inBase = base !== null && ancestor;
        const [revertedBy, fixers, release, backports] = await Promise.all([
          inBase ? history.revertsOf(oid, base) : [],
          inBase ? history.fixersOf(oid, base) : [],
          inBase ? releaseOf(oid, base) : null,
          base !== null && !ancestor ? history.backportsOf(oid, base) : [],
        ]);
        return { reverts, ancestor, revertedBy, fixers, release, backports };
      }),
    );
    await d.load(facts.map((f) => f.reverts).filter((o): o is string => o !== null));
    const suggestion = (tag: FixesTag) => tagSuggestion(targets.get(tag));
    let stableAt: { tag: FixesTag; release: string; target: Target } | null = null;
    const authorsSeen = new Set<string>();

    for (const [i, { tag, target }] of list.entries()) {
      const f = facts[i];
      const sug = suggestion(tag);
      const own = { suggestion: sug ?? target.line };
      const given = usableSubject(tag);
      if (given !== null && !isSplit(tag)) {
        const verdict = compareSubject(given, target.info.subject, cfg.subjectMode);
        if (verdict === 'mismatch') {
          const other = (await sameSubjectOf(tag, target.info.oid))[0];
          const otherCite = other ? (await d.target(other)).cite : null;
          findings.push(
            finding('fixes/subject-mismatch', tag, {}, {
              ...own,
              explanation:
                `The subject of ${target.abbrev} is "${target.info.subject}".` +
                (otherCite ? ` The subject given here belongs to ${otherCite}: is the id wrong?` : ''),
              evidence: otherCite ? [target.cite, otherCite] : [target.cite],
            }),
          );
        } else if (verdict === 'truncated') {
          findings.push(
            finding('fixes/subject-truncated', tag, {}, {
              ...own,
              explanation: `The subject is cut short; the whole subject of ${target.abbrev} is "${target.info.subject}".`,
              evidence: [target.cite],
            }),
          );
        }
      }
      if (target.info.parents.length > 1) {
        findings.push(
          finding('fixes/target-merge', tag, { sha: target.abbrev }, {
            ...own,
            explanation: `${target.cite} is a merge. A bug usually comes from one of the merged commits: is there one to name instead?`,
            evidence: [target.cite],
          }),
        );
      }
      if (f.reverts !== null) {
        const reverted = await d.targetOf(f.reverts);
        const r = reverted ? reverted.cite : f.reverts.slice(0, 12);
        findings.push(
          finding('fixes/target-revert', tag, { sha: target.abbrev }, {
            ...own,
            explanation: `${target.cite} reverts ${r}. If the revert brought the bug back, this tag is right; if the bug is in the reverted change, should the tag name ${r}?`,
            evidence: reverted ? [target.cite, reverted.cite] : [target.cite],
          }),
        );
      }
      if (!f.ancestor) await notAncestor(tag, target, f.backports, own.suggestion);
      if (f.revertedBy.length > 0) {
        const by = await d.cites(f.revertedBy);
        findings.push(
          finding('fixes/target-reverted', tag, { sha: target.abbrev, by: by[0] }, {
            ...own,
            explanation: `${target.cite} was reverted by ${by.join(', ')}, so the base no longer has the code it added. Is this fix still needed?`,
            evidence: by,
          }),
        );
      }
      const fixers = f.fixers.filter((c) => c.oid !== patch.commit);
      if (fixers.length > 0) {
        const by = await d.cites(fixers);
        findings.push(
          finding('fixes/already-fixed', tag, { sha: target.abbrev, count: fixers.length }, {
            ...own,
            explanation: `Already in the tree with Fixes: ${target.abbrev}: ${by.join(', ')}. Is this the same fix again, or a fix of one of those (then should it name that one)?`,
            evidence: by,
          }),
        );
      }
      if (f.release && !stableAt) stableAt = { tag, release: f.release, target };
      await authorNotCced(tag, target, authorsSeen, own.suggestion);
    }
    if (stableAt && stableState(patch, cfg.stableAddress) === 'none') {
      const { tag, release, target } = stableAt;
      findings.push(
        finding('fixes/stable-cc', tag, { release }, {
          suggestion: suggestion(tag) ?? target.line,
          explanation: `${target.cite} is in ${release}, so released kernels have the bug. Should this carry "Cc: ${cfg.stableAddress} # ${release.replace(/^v/, '')}+"? If it should not be backported, "Cc: <stable+noautosel@kernel.org> # <reason>" says so.`,
          evidence: [target.cite],
        }),
      );
    }
  }

  async function notAncestor(tag: FixesTag, target: Target, backports: CommitInfo[], suggestion: string): Promise<void> {
    if (backports.length > 0) {
      const cites = await d.cites(backports);
      findings.push(
        finding('fixes/not-ancestor', tag, {}, {
          severity: 'note',
          message: `Fixes tag: Target is not an ancestor of this commit, but its backport ${cites[0]} is`,
          explanation: `${target.cite} is not in the history of the base, but the same change is, as ${cites.join(', ')}. Backports cite the upstream id, so this is usually fine.`,
          evidence: [target.cite, ...cites],
          suggestion,
        }),
      );
      return;
    }
    const same = (await sameSubjectOf(tag, target.info.oid)).filter((c) => c.subject === target.info.subject);
    const inBase = base ? (await Promise.all(same.map((c) => history.isAncestor(c.oid, base)))).map((a, i) => (a ? same[i] : null)) : [];
    const alt = inBase.find((c): c is CommitInfo => c !== null);
    const altTarget = alt ? await d.target(alt) : null;
    findings.push(
      finding('fixes/not-ancestor', tag, {}, {
        explanation:
          `${target.cite} is not in the history of the base (${inp.baseLabel}).` +
          (altTarget
            ? ` Maybe you meant ${altTarget.cite}, the same change in this history?`
            : ' Is it on another branch, or was it rebased?'),
        evidence: altTarget ? [target.cite, altTarget.cite] : [target.cite],
        suggestion: altTarget ? altTarget.line : suggestion,
      }),
    );
  }

  async function authorNotCced(tag: FixesTag, target: Target, seen: Set<string>, suggestion: string): Promise<void> {
    const mail = patch.mail;
    const email = target.info.author.email.toLowerCase();
    if (!mail || email === '' || seen.has(email)) return;
    seen.add(email);
    const reached = new Set(
      [...mail.to, ...mail.cc, ...(mail.from ? [mail.from] : []), patch.author].map((p) => p.email.toLowerCase()),
    );
    // Cc: trailers in the message count: git send-email copies them into the mail's Cc.
    for (const m of patch.message.matchAll(/^\s*cc\s*:.*$/gim)) for (const a of m[0].matchAll(/[^\s<>,;"]+@[^\s<>,;"#]+/g)) reached.add(a[0].toLowerCase());
    if (reached.has(email)) return;
    const who = `${target.info.author.name} <${target.info.author.email}>`;
    findings.push(
      finding('fixes/author-not-cced', tag, { author: who }, {
        explanation: `${who} wrote ${target.cite}, the commit this fixes, but is neither in To nor Cc. They usually know the code best: could you Cc them?`,
        evidence: [target.cite],
        suggestion,
      }),
    );
  }

  /** The first release with the bug; an -rc tag counts only once its final release is in the base too. */
  async function releaseOf(oid: string, b: string): Promise<string | null> {
    const tag = await history.firstRelease(oid, b, cfg.releaseTagPattern);
    if (tag === null) return null;
    const rc = /^(.*)-rc\d+$/.exec(tag);
    if (!rc) return tag;
    const final = await history.revParse(rc[1]);
    if (final === null || !(await history.isAncestor(final, b)) || !(await history.isAncestor(oid, final))) return null;
    return rc[1];
  }
}
