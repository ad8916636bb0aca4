// What each id of each Fixes: tag names: all ids resolved in one batch, then unknown ids (with a
// same-subject commit: "Maybe you meant"), ambiguous prefixes and non-commit objects reported.
import type { Finding } from '../../src/core/types.js';
import type { CommitInfo, ResolvedObject } from '../../src/git/history-types.js';
import { usableSubject, type FixesTag } from './find-tags.js';
import type { Describer } from './describer.js';
import { historyFinding } from './make-finding.js';
import { compareSubject } from '../../src/patch/subject-match.js';
import type { FixesRules } from '../../src/git/conventions.js';

/** A tag whose id names a commit (directly, or the one commit an ambiguous prefix can mean). */
export interface Named {
  tag: FixesTag;
  info: CommitInfo;
}

export interface Identity {
  findings: Finding[];
  named: Named[];
  /** The commits each tag names or most likely means: the source of its corrected line. */
  known: Map<FixesTag, CommitInfo[]>;
  /** Ids not here, in a tree that mirrors another: they name the other tree's commits. */
  elsewhere: { tag: FixesTag; id: string }[];
}

export async function identify(tags: FixesTag[], d: Describer, base: string | null, rules: Pick<FixesRules, 'mirror'>): Promise<Identity> {
  return identifyIds(tags.flatMap((tag) => tag.parsed.ids.map((id) => ({ tag, id }))), d, base, rules, 'this repository');
}

/** What each id names in `d`'s repository, which findings call `place`. */
export async function identifyIds(
  pairs: { tag: FixesTag; id: string }[],
  d: Describer,
  base: string | null,
  rules: Pick<FixesRules, 'mirror'>,
  place: string,
): Promise<Identity> {
  const out: Identity = { findings: [], named: [], known: new Map(), elsewhere: [] };
  const ids = [...new Set(pairs.map((p) => p.id))];
  if (ids.length === 0) return out;
  const resolved = await d.history.resolve(ids);
  const wanted: string[] = [];
  for (const r of resolved.values()) {
    if (r.status === 'found' && r.type === 'commit' && r.oid) wanted.push(r.oid);
    for (const c of r.candidates ?? []) if (c.type === 'commit') wanted.push(c.oid);
  }
  await d.load(wanted);

  const results = await Promise.all(pairs.map(async ({ tag, id }) => ({ tag, id, ...(await one(tag, id, resolved.get(id), d, base, place)) })));
  let shallowSaid = false;
  for (const r of results) {
    // A shallow clone (or a history starting with an imported tree) cannot tell an old id from a wrong one: said once, as a note.
    if (r.shallow && shallowSaid) continue;
    shallowSaid ||= !!r.shallow;
    // A mirror's tags name the commits of the tree it mirrors: not being here is the normal case,
    // and so is the same subject here under another id (the mirrored copy). A typo stays an error.
    if (rules.mirror && r.finding?.id === 'fixes/unknown-sha' && (!r.guess || r.finding.severity === 'warning')) {
      out.elsewhere.push({ tag: r.tag, id: r.id });
      continue;
    }
    if (r.finding) out.findings.push(r.finding);
    // A commit named twice is a fixes/duplicate; its history is told once.
    if (r.named && !out.named.some((n) => n.info.oid === r.named!.oid)) out.named.push({ tag: r.tag, info: r.named });
    const commit = r.named ?? r.guess;
    if (commit) out.known.set(r.tag, [...(out.known.get(r.tag) ?? []), commit]);
  }
  return out;
}

interface OneResult {
  finding?: Finding;
  /** The commit the id names. */
  named?: CommitInfo;
  /** A commit the tag probably means although its id does not name it. */
  guess?: CommitInfo;
  /** The id is not in a shallow clone: the finding is the shallow note. */
  shallow?: boolean;
}

async function one(tag: FixesTag, id: string, r: ResolvedObject | undefined, d: Describer, base: string | null, place: string): Promise<OneResult> {
  if (!r || r.status === 'missing') return unknown(tag, id, d, base, place);
  if (r.status === 'ambiguous') return ambiguous(tag, id, r, d);
  if (r.type !== 'commit' || !r.oid) {
    const guess = await sameSubject(tag, d);
    const g = guess ? await d.target(guess) : null;
    const finding = historyFinding('fixes/not-a-commit', tag, { sha: id, type: r.type ?? 'object' }, {
      explanation: `${id} names a ${r.type ?? 'non-commit object'} in ${place}, not a commit.` + (g ? ` Maybe you meant ${g.cite}, which has this subject?` : ' Which commit introduced the bug?'),
      ...(g ? { suggestion: g.line, evidence: [g.cite] } : {}),
    });
    return guess ? { finding, guess } : { finding };
  }
  const named = d.infos.get(r.oid);
  if (named) d.knownAbbrev(named, id);
  return named ? { named } : {};
}

/** The commit with the tag's exact subject, preferring one already known to the batch. */
async function sameSubject(tag: FixesTag, d: Describer): Promise<CommitInfo | null> {
  const s = usableSubject(tag);
  return s ? ((await d.bySubject(s))[0] ?? null) : null;
}

async function unknown(tag: FixesTag, id: string, d: Describer, base: string | null, place: string): Promise<OneResult> {
  const s = usableSubject(tag);
  const found = s ? await d.bySubject(s) : [];
  // Of several commits with the subject, the one in the base's history is the likely meaning.
  const inBase = base && found.length > 1 ? await Promise.all(found.map((c) => d.history.isAncestor(c.oid, base))) : [];
  const same = [...found.filter((_, i) => inBase[i]), ...found.filter((_, i) => !inBase[i])];
  const imported = d.history.imported;
  if (same.length === 0 && !d.history.shallow && imported) {
    const start = `${imported.root.slice(0, 12)} ("${imported.subject}")`;
    return {
      shallow: true,
      finding: historyFinding('fixes/unknown-sha', tag, {}, {
        severity: 'note',
        message: `Fixes tag: Target SHA1 cannot be checked: the repository's history starts at ${start}`,
        explanation: `${id} is not in this repository, whose history begins with ${start}, a commit that brings ${imported.files} files at once (an unpacked release, not a clone): no Fixes: id from before it can be checked. Review against a clone with the tree's history to check them.`,
        confidence: 'low',
      }),
    };
  }
  if (same.length === 0 && d.history.shallow) {
    return {
      shallow: true,
      finding: historyFinding('fixes/unknown-sha', tag, {}, {
        severity: 'note',
        message: 'Fixes tag: Target SHA1 cannot be checked in a shallow clone',
        explanation: `${id} is not in ${place}, which is a shallow clone: commits older than its boundary are not here, so no Fixes: id older than that can be checked. Run \`git fetch --unshallow\` in it to check them.`,
        confidence: 'low',
      }),
    };
  }
  if (same.length === 0) {
    return {
      finding: historyFinding('fixes/unknown-sha', tag, {}, {
        explanation: `No object in ${place} has an id starting with ${id}. Was the commit rebased, or is it in another tree?`,
      }),
    };
  }
  const g = await d.target(same[0]);
  // One or two digits off the id of the commit with this subject: a typo, not another tree.
  if (looksMistyped(id, same[0].oid)) {
    return {
      guess: same[0],
      finding: historyFinding('fixes/unknown-sha', tag, {}, {
        explanation: `No object ${hereOr(place)} has an id starting with ${id}; ${g.cite} has this subject and an id that differs from it in a digit or two. A typo?`,
        evidence: [g.cite],
        suggestion: g.line,
      }),
    };
  }
  // A mirror or a rebased tree: the change is here under another id. Milder than a wrong id.
  return {
    guess: same[0],
    finding: historyFinding('fixes/unknown-sha', tag, {}, {
      severity: 'warning',
      message: `Fixes tag: Target SHA1 does not exist in ${place}`,
      explanation: `No object ${hereOr(place)} has an id starting with ${id}, but ${g.cite} has this subject. Maybe you meant ${g.abbrev}? If ${id} is the id of the same change in another tree (a mirror, or the tree this was backported from), the tag can stay.`,
      evidence: await d.cites(same),
      suggestion: g.line,
      confidence: 'medium',
    }),
  };
}

async function ambiguous(tag: FixesTag, id: string, r: ResolvedObject, d: Describer): Promise<OneResult> {
  const cands = r.candidates ?? [];
  const commits = cands.map((c) => (c.type === 'commit' ? d.infos.get(c.oid) : undefined)).filter((c): c is CommitInfo => c !== undefined);
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
  if (target && commits.length === 1) explanation += ` Only one of them is a commit; ${target.abbrev} is unambiguous.`;
  else if (target) explanation += ` The subject matches ${target.cite}; ${target.abbrev} is unambiguous.`;
  else explanation += commits.length === 0 ? ' None of them is a commit.' : ' Which one is meant?';
  const finding = historyFinding('fixes/ambiguous-sha', tag, { sha: id, count: cands.length }, {
    explanation,
    evidence: commitCites,
    ...(target ? { suggestion: target.line } : {}),
  });
  return pick ? { finding, named: pick } : { finding };
}

/** "here" for this repository, "in <place>" for another. */
const hereOr = (place: string): string => (place === 'this repository' ? 'here' : `in ${place}`);

/** Edit distance, for ids of a few dozen characters. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Is `id` the start of `oid` with one or two digits changed (two swapped is two changed), or one
 * dropped or added? Only for ids of 8 digits or more: a random id of that length is that close to
 * a given commit about once in 10^7.
 */
export function looksMistyped(id: string, oid: string): boolean {
  const x = id.toLowerCase();
  if (x.length < 8) return false;
  return [x.length - 1, x.length, x.length + 1].some((n) => editDistance(x, oid.slice(0, n)) <= (n === x.length ? 2 : 1));
}
