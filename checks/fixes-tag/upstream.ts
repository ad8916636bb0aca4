// A mirror's Fixes: ids checked in the tree it mirrors (`fixes.upstream`): libbpf's tags name
// commits of the kernel's history, so an id that names nothing here is asked of the kernel tree.
// There it must name a commit with the quoted subject; ancestry is not asked (the mirror's base
// is not a commit of that tree).
import type { Finding } from '../../src/core/types.js';
import type { FixesConfig } from '../../src/core/config.js';
import type { History } from '../../src/git/history-types.js';
import { errorMessage } from '../../src/core/errors.js';
import type { FixesTag } from './find-tags.js';
import type { Target } from './cite.js';
import { Describer } from './describer.js';
import { identifyIds } from './identify.js';
import { subjectFindings } from './relations.js';

export interface UpstreamResult {
  findings: Finding[];
  /** Ids the upstream could not settle (it has no history, or it could not be opened), with why. */
  unchecked: { tag: FixesTag; id: string }[];
  why: string | null;
  /** The upstream commits the tags name, for the corrected lines of their format findings. */
  targets: Map<FixesTag, Target[]>;
}

/** Below this many commits the upstream is an unpacked tree, not a history: an id missing there says nothing. */
const MIN_UPSTREAM_COMMITS = 2;

export async function upstreamFindings(ids: { tag: FixesTag; id: string }[], history: History, cfg: FixesConfig): Promise<UpstreamResult> {
  const out: UpstreamResult = { findings: [], unchecked: [], why: null, targets: new Map() };
  const path = cfg.upstream;
  if (!path || ids.length === 0) return { ...out, unchecked: ids };
  let upstream: History;
  try {
    upstream = await history.other(path);
  } catch (e) {
    return { ...out, unchecked: ids, why: `The upstream ${path} could not be opened: ${errorMessage(e)}` };
  }
  const commits = (await upstream.conventions()).commits;
  if (commits < MIN_UPSTREAM_COMMITS) {
    return { ...out, unchecked: ids, why: `The upstream ${path} has no history (${commits} commit${commits === 1 ? '' : 's'}), so they could not be checked there either` };
  }
  const d = new Describer(upstream);
  const place = `this repository or in its upstream ${path}`;
  const id = await identifyIds(ids, d, null, { mirror: false }, place);
  const suggestion = async (tag: FixesTag): Promise<string> => (await Promise.all((id.known.get(tag) ?? []).map((c) => d.target(c)))).map((t) => t.line).join('\n');
  out.findings.push(...id.findings);
  for (const n of id.named) out.findings.push(...(await subjectFindings(n, d, { cfg, suggestion })));
  for (const [tag, commits] of id.known) out.targets.set(tag, await Promise.all(commits.map((c) => d.target(c))));
  return out;
}
