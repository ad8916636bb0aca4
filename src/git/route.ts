// Which tree a patch is for, and which base its series is reviewed on, decided as a maintainer
// would: the subject's tree tag or the project its summary names (`[PATCH btrfs-progs]`,
// `fstests: ...`), else its paths against MAINTAINERS; the base from `base-commit:`, else the tree
// the subject or the MAINTAINERS T: entries name (mapped to local branches by the list policy), else
// the list's default, trying each until the series applies (`git apply --cached` on a scratch index).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileDiff, Patch, Series } from '../core/types.js';
import type { Maintainers } from './maintainers.js';
import { OTHER_TREES } from './other-trees.js';
import { runGit } from './run-git.js';

export interface PatchRoute {
  /** `linux` for the kernel, else the project named (`btrfs-progs`), or `unknown`. */
  tree: string;
  /** Kernel rules (lock rules, Fixes: against the kernel history) apply. */
  kernel: boolean;
  /** One line: why. */
  reason: string;
  /** `T:` entries of the MAINTAINERS sections that cover its paths. */
  trees: string[];
}

const pathsOf = (p: Patch): string[] => [...new Set(p.files.map((f) => f.newPath ?? f.oldPath).filter((x): x is string => x !== null))];

/** The tree one patch is for. */
export function routePatch(patch: Patch, maintainers: Maintainers | null): PatchRoute {
  const tagWords = (patch.prefix.tree ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const tagged = tagWords.find((w) => OTHER_TREES.includes(w));
  if (tagged) return { tree: tagged, kernel: false, reason: `the subject tag names ${tagged}`, trees: [] };
  const lead = /^([A-Za-z0-9._-]+):/.exec(patch.prefix.summary)?.[1]?.toLowerCase();
  if (lead && OTHER_TREES.includes(lead)) return { tree: lead, kernel: false, reason: `the summary names ${lead}`, trees: [] };
  const paths = pathsOf(patch);
  if (!maintainers || paths.length === 0) return { tree: 'linux', kernel: true, reason: maintainers ? 'no paths to route by' : 'no MAINTAINERS to route by', trees: [] };
  const trees = new Set<string>();
  let covered = 0;
  for (const path of paths) {
    const sections = maintainers.sectionsFor(path);
    // MAINTAINERS itself is covered by no section but THE REST; it is the kernel's file we route by.
    if (sections.length || maintainers.knowsTop(path) || path === 'MAINTAINERS') covered++;
    for (const s of sections) for (const t of s.trees) trees.add(t);
  }
  if (covered === 0) {
    const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', ...' : '');
    return { tree: 'unknown', kernel: false, reason: `none of its paths (${shown}) is a kernel path in MAINTAINERS`, trees: [] };
  }
  return { tree: 'linux', kernel: true, reason: `its paths are in MAINTAINERS`, trees: [...trees] };
}

export interface BaseCandidate {
  rev: string;
  /** Why this one: `base-commit:`, `[PATCH net-next]`, `MAINTAINERS T: ...`, `the list's default`. */
  why: string;
}

/**
 * The bases to try, in a maintainer's order. `bases` is the list policy's map: a subject tree tag
 * (`net-next`) or a part of a MAINTAINERS `T:` line (`kdave/linux.git`) to a local revision, and
 * `default` for the rest.
 */
export function baseCandidates(series: Series, routes: PatchRoute[], bases: Record<string, string>): BaseCandidate[] {
  const out: BaseCandidate[] = [];
  const baseCommit = series.cover?.baseCommit ?? series.patches.find((p) => p.baseCommit)?.baseCommit;
  if (baseCommit) out.push({ rev: baseCommit, why: 'base-commit:' });
  const lead = series.cover ?? series.patches[0];
  for (const word of (lead?.prefix.tree ?? '').split(/\s+/).filter(Boolean)) {
    const rev = bases[word] ?? bases[word.toLowerCase()];
    if (rev !== undefined) out.push({ rev, why: `[PATCH ${word}]` });
  }
  const tLines = [...new Set(routes.flatMap((r) => r.trees))];
  for (const [key, rev] of Object.entries(bases)) {
    if (key === 'default') continue;
    const t = tLines.find((line) => line.includes(key));
    if (t) out.push({ rev, why: `MAINTAINERS T: ${t.replace(/^git\s+/, '')}` });
  }
  if (bases.default !== undefined) out.push({ rev: bases.default, why: "the list's default" });
  out.push({ rev: 'HEAD', why: 'HEAD' });
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.rev) ? false : (seen.add(c.rev), true)));
}

export interface BaseChoice {
  /** The commit chosen, or null when no candidate is in the repository. */
  commit: string | null;
  why: string;
  /** Did the whole series apply to it (null: could not be tried, e.g. a binary patch)? */
  applies: boolean | null;
  /** One line per candidate that was not taken, and why. */
  tried: string[];
}

/** The unified diff git apply reads, from a patch's parsed files. */
export function diffText(files: FileDiff[]): string {
  const out: string[] = [];
  for (const f of files) {
    const a = f.oldPath ?? f.newPath!;
    const b = f.newPath ?? f.oldPath!;
    out.push(`diff --git a/${a} b/${b}`);
    if (f.status === 'added') out.push('new file mode 100644');
    if (f.status === 'deleted') out.push('deleted file mode 100644');
    if (f.status === 'renamed' && f.oldPath && f.newPath) out.push('similarity index 90%', `rename from ${f.oldPath}`, `rename to ${f.newPath}`);
    if (!f.hunks.length) continue;
    out.push(`--- ${f.oldPath ? `a/${f.oldPath}` : '/dev/null'}`, `+++ ${f.newPath ? `b/${f.newPath}` : '/dev/null'}`);
    for (const h of f.hunks) {
      out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
      for (const l of h.lines) out.push(`${l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}${l.text}`);
    }
  }
  return out.join('\n') + '\n';
}

const APPLY_TIMEOUT_MS = 60_000;

/** Paths are given to ls-tree this many at a time (argv stays short whatever the series). */
const PATHS_PER_CALL = 500;

/**
 * Fills the scratch index with only the paths the series names, as they are at `commit` (none
 * where a path is not there). `git apply --cached` looks at nothing else: a file it modifies must
 * be there, a file it creates must not. The whole tree of a kernel (80,000 entries) was read into,
 * and rewritten from, the scratch index for every candidate and patch: seconds per series.
 * Returns the first line of git's error, or null.
 */
async function readPaths(repo: string, commit: string, patches: Patch[], index: { indexFile: string }): Promise<string | null> {
  const paths = [...new Set(patches.flatMap((p) => p.files.flatMap((f) => [f.oldPath, f.newPath]).filter((x): x is string => Boolean(x))))];
  const entries: string[] = [];
  for (let i = 0; i < paths.length; i += PATHS_PER_CALL) {
    // --literal-pathspecs: a path from a mail is a name, never a pattern.
    const r = await runGit(repo, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit, '--', ...paths.slice(i, i + PATHS_PER_CALL)], { timeoutMs: APPLY_TIMEOUT_MS });
    if (r.code !== 0) return r.stderr.trim().split('\n')[0];
    entries.push(r.stdout);
  }
  const info = entries.join('');
  if (!info) return null;
  const w = await runGit(repo, ['update-index', '-z', '--index-info'], { ...index, input: info, timeoutMs: APPLY_TIMEOUT_MS });
  return w.code === 0 ? null : w.stderr.trim().split('\n')[0];
}

/** Does the series apply, patch after patch, to `commit`? A scratch index; the repository is not touched. */
async function appliesTo(repo: string, commit: string, patches: Patch[]): Promise<{ ok: boolean | null; why: string }> {
  if (patches.some((p) => p.files.some((f) => f.binary))) return { ok: null, why: 'a binary patch cannot be tried' };
  const dir = mkdtempSync(join(tmpdir(), 'kreview-apply-'));
  const index = { indexFile: join(dir, 'index') };
  try {
    const read = await readPaths(repo, commit, patches, index);
    if (read !== null) return { ok: false, why: read };
    for (const p of patches) {
      if (!p.files.length) continue;
      const r = await runGit(repo, ['apply', '--cached', '-'], { ...index, input: diffText(p.files), timeoutMs: APPLY_TIMEOUT_MS });
      if (r.code !== 0) return { ok: false, why: `${p.prefix.index ?? 1}/${p.prefix.total ?? 1}: ${r.stderr.trim().split('\n')[0]}` };
    }
    return { ok: true, why: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first candidate the series applies to; else the first one in the repository, marked as not applying. */
export async function chooseBase(repo: string, series: Series, candidates: BaseCandidate[]): Promise<BaseChoice> {
  const tried: string[] = [];
  let fallback: { commit: string; why: string } | null = null;
  for (const c of candidates) {
    if (/^[\0-\x1f-]/.test(c.rev)) continue;
    const r = await runGit(repo, ['rev-parse', '--verify', '-q', '--end-of-options', `${c.rev}^{commit}`], { timeoutMs: 30_000 });
    if (r.code !== 0) {
      tried.push(`${c.why} ${c.rev}: not in the repository`);
      continue;
    }
    const commit = r.stdout.trim();
    fallback ??= { commit, why: c.why };
    const a = await appliesTo(repo, commit, series.patches);
    if (a.ok !== false) return { commit, why: `${c.why} ${c.rev}`, applies: a.ok, tried };
    tried.push(`${c.why} ${c.rev} (${commit.slice(0, 12)}): does not apply: ${a.why}`);
  }
  return fallback ? { commit: fallback.commit, why: fallback.why, applies: false, tried } : { commit: null, why: 'no candidate base is in the repository', applies: false, tried };
}
