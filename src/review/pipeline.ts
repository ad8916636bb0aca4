// The one review pipeline every integration calls: for each patch of a series, build its
// workspace, run the checks, keep the findings a reader should see.
import type { Check, Workspace } from '../core/check.js';
import type { KreviewConfig } from '../core/config.js';
import type { Finding, Location, Patch, PatchReview, Review, Series, SeriesRoute } from '../core/types.js';
import type { History } from '../git/history-types.js';
import type { Maintainers } from '../git/maintainers.js';
import { baseCandidates, chooseBase, routePatch, type PatchRoute } from '../git/route.js';
import { createWorkspace, postImagesOf, type GitWorkspace, type PreviousPatch } from '../git/workspace.js';
import { commitSeries } from '../series/group.js';
import { filterFindings, isEnabled } from './filter.js';
import { errorMessage } from '../core/errors.js';
import { PatchBudget } from '../core/limits.js';
import type { ThreadStats } from './range-threads.js';

export interface ReviewOptions {
  /** Repository to review against; null reviews without history (format checks, hunk-only C analysis). */
  repo: string | null;
  /** Revision to use as the base of every patch (overrides base-commit:). */
  base?: string;
  config: KreviewConfig;
  /** A History kept open by the caller (daemon, app); otherwise one is opened and closed here. */
  history?: History | null;
  checks?: Check[];
  /**
   * Route each patch to its tree and choose the series' base (src/git/route.ts): kernel rules run
   * only on kernel patches; without `base`, the bases are tried until the series applies.
   */
  route?: { maintainers: Maintainers | null; bases: Record<string, string> };
  /**
   * Place a mail's file that does not apply with less context and judge it whole (default true). Its
   * findings are low-confidence notes, which the mail daemon never sends: it turns this off (on
   * 1,500 real linux-block messages with the 6.1 tree, placing cost 3.5x the CPU and 240 MB more, for
   * the same replies).
   */
  placeUnapplied?: boolean;
}

/** Every check kreview ships, in the order their findings are usually read; each module loaded on first use. */
const REGISTRY: { id: string; load: () => Promise<Check> }[] = [
  { id: 'fixes', load: () => import('../../checks/fixes-tag/index.js').then((m) => m.fixesTagCheck) },
  // tree-sitter and the lock rules: a third of a second of start-up that a Fixes-only review never uses.
  { id: 'lock', load: () => import('../../checks/lock/index.js').then((m) => m.lockCheck) },
];
const loaded = new Map<string, Promise<Check>>();

function loadCheck(entry: (typeof REGISTRY)[number]): Promise<Check> {
  let c = loaded.get(entry.id);
  if (!c) loaded.set(entry.id, (c = entry.load()));
  return c;
}

/** Every check kreview ships, in the order their findings are usually read. */
export function allChecks(): Promise<Check[]> {
  return Promise.all(REGISTRY.map(loadCheck));
}

/** May a check produce at least one enabled finding id? */
function wanted(id: string, config: KreviewConfig): boolean {
  return isEnabled(id, config) || config.enable.some((p) => p.startsWith(id + '/'));
}

/** Checks that may produce at least one enabled finding id (only those are loaded). */
export async function activeChecks(given: Check[] | undefined, config: KreviewConfig): Promise<Check[]> {
  if (given) return given.filter((c) => wanted(c.id, config));
  return Promise.all(REGISTRY.filter((e) => wanted(e.id, config)).map(loadCheck));
}

/**
 * Commits of a range stand on their own trees, so several can be in review at once: enough to
 * overlap git's answers with the checks' work. More raise the peak and gain nothing on two cores: on
 * btrfs-progs (300 commits, all checks) 16 peaked at 356 MB, 4 at 267 MB, with the same CPU time
 * within the noise of a loaded machine (16.5 and 14.9 s at load average 20).
 */
export const COMMITS_IN_FLIGHT = 4;
/**
 * With the Fixes checks alone a commit in review holds its message, not its trees: many more are
 * in flight, so the questions their tags ask of git go out in one write, not one round trip (and,
 * on a loaded machine, one wait for the CPU) per commit. On iproute2's whole history 387 writes
 * to cat-file became 103 (DPDK: 6,086 became 899).
 */
const MESSAGE_ONLY_IN_FLIGHT = 64;

export async function reviewSeries(series: Series, opts: ReviewOptions): Promise<Review> {
  const ownHistory = opts.history === undefined && opts.repo !== null;
  const history = opts.history !== undefined ? opts.history : opts.repo ? await (await import('../git/history.js')).openHistory(opts.repo) : null;
  const checks = await activeChecks(opts.checks, opts.config);
  const withHistory = { ...opts, history };
  try {
    if (series.patches.every((p) => p.kind === 'commit')) {
      const patches = await mapInOrder(series.patches, COMMITS_IN_FLIGHT, async (p) => (await reviewPatch(p, series, withHistory, checks, undefined)).review);
      return { series, patches };
    }
    const routed = opts.route ? await routeSeries(series, opts, opts.route) : null;
    const run = routed ? { ...withHistory, base: routed.route.base ?? opts.base, baseWhy: routed.route.baseWhy } : withHistory;
    // Mail patches build on each other: patch 2 applies to patch 1's post-image. Only the post-images
    // are carried to the next patch, not the workspace: a long series holds one image per file it touched.
    const patches: PatchReview[] = [];
    let previous: PreviousPatch | undefined;
    // b4 and format-patch --base put base-commit: in the cover letter (or the last patch) only.
    const seriesBase = series.cover?.baseCommit ?? series.patches.find((p) => p.baseCommit)?.baseCommit ?? null;
    for (const [i, original] of series.patches.entries()) {
      const r = routed?.patches[i];
      if (r && !r.kernel) {
        patches.push(notForKernel(original, r));
        continue;
      }
      const patch = original.baseCommit || !seriesBase ? original : { ...original, baseCommit: seriesBase };
      const pr = await reviewPatch(patch, series, run, checks, previous);
      patches.push(pr.review);
      previous = await postImagesOf(pr.workspace, previous);
    }
    return routed ? { series, patches, route: routed.route } : { series, patches };
  } finally {
    if (ownHistory && history) await history.close();
  }
}

/**
 * The commits of a range reviewed as they are read, COMMITS_IN_FLIGHT at a time, handed back one
 * by one in their order: the caller writes each out while later ones are in review, and nothing of
 * a commit is kept here once it is handed back. `oids`, the commits' ids when the caller knows them
 * (a listed range), lets the History ask git ahead about what their tags name.
 */
export async function* reviewCommits(commits: AsyncIterable<Patch>, opts: ReviewOptions & { history: History | null; oids?: string[]; threads?: number; threadStats?: ThreadStats; threadScript?: string }): AsyncGenerator<PatchReview> {
  const checks = await activeChecks(opts.checks, opts.config);
  // The ids the range's Fixes: tags name are asked of git at once, before the first review needs one.
  if (opts.oids && checks.some((c) => c.id === 'fixes')) opts.history?.expectFixesOf?.(opts.oids);
  const source = commits[Symbol.asyncIterator]();
  // Threads only for the checks kreview ships (a thread loads its own) and commits of a repository.
  if ((opts.threads ?? 1) > 1 && opts.repo && !opts.checks && checks.some((c) => c.id !== 'fixes')) {
    const { reviewOnThreads } = await import('./range-threads.js');
    yield* reviewOnThreads(source, { ...opts, repo: opts.repo, threads: opts.threads! }, checks);
    return;
  }
  const limit = checks.every((c) => c.id === 'fixes') ? MESSAGE_ONLY_IN_FLIGHT : COMMITS_IN_FLIGHT;
  const inFlight: Promise<PatchReview>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && inFlight.length < limit) {
        const next = await source.next();
        if (next.done) exhausted = true;
        else {
          const review = reviewPatch(next.value, commitSeries([next.value]), opts, checks, undefined).then((r) => r.review);
          // Awaited in order below; a rejection meanwhile is not an unhandled one.
          review.catch(() => undefined);
          inFlight.push(review);
        }
      }
      const first = inFlight.shift();
      if (!first) return;
      yield await first;
    }
  } finally {
    await source.return?.();
  }
}

/** One commit of a range reviewed on its own (the range's threads call this). */
export async function reviewCommit(patch: Patch, opts: ReviewOptions & { history: History | null }, checks: Check[]): Promise<PatchReview> {
  return (await reviewPatch(patch, commitSeries([patch]), opts, checks, undefined)).review;
}

/** Each patch's tree, and the base the series applies to (tried only when there is a repository and no given base). */
async function routeSeries(
  series: Series,
  opts: ReviewOptions,
  how: NonNullable<ReviewOptions['route']>,
): Promise<{ patches: PatchRoute[]; route: SeriesRoute }> {
  const patches = series.patches.map((p) => routePatch(p, how.maintainers));
  const trees = [...new Set(patches.map((r) => r.tree))];
  const kernel = patches.some((r) => r.kernel);
  const route: SeriesRoute = { trees, kernel, base: null, baseWhy: opts.repo ? 'not tried' : 'no repository', applies: null, tried: [] };
  if (!opts.repo || !kernel) return { patches, route };
  if (opts.base !== undefined) return { patches, route: { ...route, base: opts.base, baseWhy: `--base ${opts.base}` } };
  const kernelPatches = { ...series, patches: series.patches.filter((_, i) => patches[i].kernel) };
  const choice = await chooseBase(opts.repo, kernelPatches, baseCandidates(series, patches, how.bases));
  return { patches, route: { ...route, base: choice.commit, baseWhy: choice.why, applies: choice.applies, tried: choice.tried } };
}

/** A patch for a tree kreview has no rules for: no checks, and a note that says so. */
function notForKernel(patch: Patch, r: PatchRoute): PatchReview {
  return {
    patch,
    base: { commit: null, source: 'none', label: `not a kernel patch (${r.tree})` },
    applied: null,
    findings: [],
    notes: [`${patch.source}: for ${r.tree} (${r.reason}): kernel rules were not run`],
    errors: [],
  };
}

const CONFIDENCE_RANK = { low: 0, medium: 1, high: 2 } as const;

/**
 * A patch that did not apply was read from its hunks laid over a base it was not written against: the
 * code around them, and which function a line belongs to, are the base's guess, not the author's tree.
 * Such a finding is never sure (so a list does not mail it by default); the reason joins its basis.
 * `placed` is what was done instead when the file's hunks were placed in the base's copy (the
 * workspace's own words, which a check may have put in the basis already: said once).
 */
export function unappliedCode(f: Finding, base: string, placed?: string): Finding {
  if (f.location.kind !== 'file') return f;
  const why = placed ?? `the patch did not apply to ${base}: the code was read from its hunks`;
  const confidence = CONFIDENCE_RANK[f.confidence ?? 'high'] > CONFIDENCE_RANK.medium ? 'medium' : (f.confidence ?? 'high');
  const unknown = f.basis?.unknown ?? [];
  return { ...f, confidence, basis: { path: f.basis?.path ?? [], inferred: f.basis?.inferred ?? [], unknown: unknown.includes(why) ? unknown : [...unknown, why] } };
}

/** What was assumed for each file of a patch that did not apply whose hunks were placed in the base. */
async function placedFiles(workspace: Workspace, findings: Finding[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of new Set(findings.flatMap((f) => (f.location.kind === 'file' ? [f.location.path] : [])))) {
    const assumed = (await workspace.postImage(path))?.assumed;
    if (assumed) out.set(path, assumed);
  }
  return out;
}

/** `fn` over `items` with at most `limit` running at once; results in the order of `items`. */
async function mapInOrder<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function reviewPatch(
  patch: Patch,
  series: Series,
  opts: ReviewOptions & { history: History | null; baseWhy?: string },
  checks: Check[],
  previous: PreviousPatch | undefined,
): Promise<{ review: PatchReview; workspace: GitWorkspace }> {
  // A malformed but reviewable patch (hunk counts that do not match) is reviewed: its decoding
  // problems are warnings of the review, not errors (errors fail a `kreview watch --once` pass).
  const warnings = patch.warnings.map((w) => `${patch.source}: ${w}`);
  const errors: string[] = [];
  let workspace: GitWorkspace;
  try {
    workspace = await createWorkspace(patch, { repo: opts.repo, history: opts.history, base: opts.base, baseWhy: opts.baseWhy, previous, limits: opts.config.limits, placeUnapplied: opts.placeUnapplied });
  } catch (e) {
    errors.push(`${patch.source}: ${errorMessage(e)}`);
    workspace = await createWorkspace(patch, { repo: null, history: null, limits: opts.config.limits });
  }
  let findings: Finding[] = [];
  const budget = new PatchBudget(opts.config.limits);
  for (const check of checks) {
    // Past the deadline the patch keeps what the checks so far found; the series goes on with the next patch.
    if (budget.expired()) {
      budget.stopped(`check ${check.id} was not run`);
      continue;
    }
    try {
      findings.push(...(await check.run({ patch, series, workspace, config: opts.config, budget })));
    } catch (e) {
      errors.push(`${patch.source}: check ${check.id} failed: ${errorMessage(e)}`);
    }
  }
  // A mail that applied at an offset: checks saw the base's line numbers, the author's patch has its own.
  const back = workspace.toPatchLine;
  if (back) {
    const move = (l: Location): Location => (l.kind === 'file' ? { ...l, line: back(l.path, l.line) } : l);
    findings = findings.map((f) => ({ ...f, location: move(f.location), ...(f.related ? { related: f.related.map((r) => ({ ...r, location: move(r.location) })) } : {}) }));
  }
  if (workspace.applied === false) {
    const placed = await placedFiles(workspace, findings);
    findings = findings.map((f) => unappliedCode(f, workspace.base.label, f.location.kind === 'file' ? placed.get(f.location.path) : undefined));
  }
  // A commit's diff is loaded lazily; the filter and the renderers need it only for code findings.
  let files = patch.files;
  if (files.length === 0 && findings.some((f) => f.location.kind === 'file')) {
    try {
      files = await workspace.files();
    } catch (e) {
      errors.push(`${patch.source}: cannot read the diff: ${errorMessage(e)}`);
    }
  }
  return {
    review: {
      patch: files === patch.files ? patch : { ...patch, files },
      base: workspace.base,
      applied: workspace.applied,
      findings: filterFindings(findings, files, opts.config, patch.message),
      notes: [
        ...(patch.notices ?? []).map((n) => `${patch.source}: ${n}`),
        ...(workspace.history ? [] : ['no repository: Fixes: tags were checked for their form only, not against history']),
        ...workspace.notes,
        ...budget.notes,
      ],
      errors,
      warnings,
    },
    workspace,
  };
}
