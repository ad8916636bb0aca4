// createWorkspace(): what a check sees of the tree a patch applies to: the base it was reviewed
// against, the patch's files, and the pre- and post-image of every touched file.
import type { FileImage, Workspace } from '../core/check.js';
import { KreviewError, type BaseInfo, type FileDiff, type Hunk, type Patch } from '../core/types.js';
import { parseDiff } from '../patch/diff.js';
import { applyHunks, hunkOnlyImage, hunkOnlyPreImage, hunksWithin, shiftHunks, unshiftLine } from './apply-hunks.js';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.js';
import type { History } from './history-types.js';
import { isDiffSource } from './diff-tree.js';
import { isFullOid, runGit } from './run-git.js';
import { placeWithReducedContext } from './fuzzy-place.js';
import { ByteLru } from '../core/byte-lru.js';
import { cacheShare } from '../core/cache-shares.js';

/** The Workspace plus what the pipeline reports about it. */
export interface GitWorkspace extends Workspace {
  /** Did the mail's hunks apply to the pre-images (null: not tried: a commit, or nothing to apply to)? */
  readonly applied: boolean | null;
  /** One line each: which files were seen only as hunks and why, which base was missing, ... */
  readonly notes: string[];
  /**
   * A line of a post-image (as checks see it) in the patch's own numbering. They differ when a
   * mailed patch applied at an offset: `files()` is then renumbered to the images, and findings
   * are moved back with this so that they name the lines of the patch the author sent.
   */
  toPatchLine?(path: string, line: number): number;
}

export interface WorkspaceOptions {
  repo: string | null;
  history: History | null;
  /** A revision that overrides every other base (the --base option, or the base route.ts chose). */
  base?: string;
  /** Why that base, when it was chosen rather than given (`base-commit: 1234`, `[PATCH net-next] net-next`). */
  baseWhy?: string;
  /** The previous patch of the series (its files and post-images, postImagesOf): this patch applies on its post-images. */
  previous?: PreviousPatch;
  /** Bounds on the images built, and the share of cacheBytes for texts kept between commits (defaults: DEFAULT_LIMITS). */
  limits?: Pick<Limits, 'linesPerFile'> & Partial<Pick<Limits, 'cacheBytes'>>;
  /**
   * A mail file that does not apply is placed with less context (git apply -C2/-C1) and judged
   * whole, for low-confidence findings; false reads it from its hunks only. Default true.
   */
  placeUnapplied?: boolean;
}

/** What a patch of a series needs of the one before it: which files it left, and their text. */
export type PreviousPatch = Pick<Workspace, 'files' | 'postImage'>;

/**
 * The post-images of a reviewed patch, apart from its workspace: a workspace reads its base through
 * the previous patch's, so handing the next patch the workspace itself kept every earlier patch of
 * the series (its pre- and post-images) alive until the series ended. Taken apart, a series holds
 * one image per file it has touched so far, not one per patch.
 *
 * `earlier` is what the patches before this one left: a file this patch does not touch is carried
 * on as they left it, so patch 3 of a series that changes a file patch 1 changed (and patch 2 did
 * not) applies on patch 1's result, not on the base. A file this patch renamed or deleted is not.
 */
export async function postImagesOf(ws: Workspace, earlier?: PreviousPatch): Promise<PreviousPatch> {
  const files = await ws.files();
  const posts = new Map<string, FileImage | null>();
  for (const f of files) if (f.newPath !== null && !posts.has(f.newPath)) posts.set(f.newPath, await ws.postImage(f.newPath));
  const touched = new Set(files.flatMap((f) => [f.oldPath, f.newPath].filter((p): p is string => p !== null)));
  const carried: FileDiff[] = [];
  for (const f of earlier ? await earlier.files() : []) {
    if (f.newPath === null || touched.has(f.newPath) || posts.has(f.newPath)) continue;
    posts.set(f.newPath, await earlier!.postImage(f.newPath));
    carried.push(f);
  }
  const all = carried.length ? [...files, ...carried] : files;
  return { files: async () => all, postImage: async (path) => posts.get(path) ?? null };
}

interface Images {
  pre: FileImage | null;
  post: FileImage | null;
}

const short = (oid: string) => oid.slice(0, 12);

export async function createWorkspace(patch: Patch, opts: WorkspaceOptions): Promise<GitWorkspace> {
  const history = opts.repo ? opts.history : null;
  const notes: string[] = [];
  const base = await resolveBase(patch, history, opts.base, notes, opts.baseWhy);
  if (history && patch.kind === 'commit' && patch.commit && isFullOid(patch.commit)) {
    imageTexts.resize(cacheShare('imageTexts', opts.limits?.cacheBytes ?? DEFAULT_LIMITS.cacheBytes));
    return commitWorkspace(patch, history, base, notes);
  }
  return mailWorkspace(patch, opts.placeUnapplied === false ? null : history, history, base, opts.previous, notes, opts.limits?.linesPerFile ?? DEFAULT_LIMITS.linesPerFile);
}

/** --base, else base-commit:, else the commit's parent, else HEAD, else none; say which. */
async function resolveBase(patch: Patch, history: History | null, option: string | undefined, notes: string[], why?: string): Promise<BaseInfo> {
  if (!history) return { commit: null, source: 'none', label: 'no repository' };
  if (option !== undefined) {
    const oid = await history.revParse(option);
    if (!oid) throw new KreviewError(`--base ${option}: no such commit in ${history.repo}`);
    return { commit: oid, source: 'option', label: why ? `${why} (${short(oid)})` : `--base ${option} (${short(oid)})` };
  }
  if (patch.baseCommit) {
    const oid = /^[\0-\x1f-]/.test(patch.baseCommit) ? null : await history.revParse(patch.baseCommit).catch(() => null);
    if (oid) return { commit: oid, source: 'base-commit', label: `base-commit ${short(oid)}` };
    notes.push(`base-commit ${patch.baseCommit} is not in this repository`);
  }
  if (patch.kind === 'commit' && patch.commit) {
    if (patch.parent) return { commit: patch.parent, source: 'parent', label: `parent ${short(patch.parent)}` };
    return { commit: null, source: 'none', label: 'root commit (no parent)' };
  }
  const head = await history.revParse('HEAD');
  if (head) return { commit: head, source: 'head', label: `HEAD ${short(head)}` };
  return { commit: null, source: 'none', label: 'no base (the repository has no commits)' };
}

function findFile(files: FileDiff[], path: string): FileDiff | undefined {
  return files.find((f) => f.newPath === path) ?? files.find((f) => f.oldPath === path);
}

/**
 * Reads the base tree, or the previous patch's post-image of a file it touched. Listings and blob ids
 * are kept for the workspace (its base does not change): the lock check asks for the same
 * directory's listing and the same headers' ids from several places. A base file whose blob id a
 * listing or an id question already gave is read by that id, through the texts kept by blob id
 * between the commits of a range (bounded; a text is not kept per workspace: the callers check
 * reads a whole directory).
 */
function baseReaders(history: History | null, base: BaseInfo, previous: PreviousPatch | undefined, shared?: RangeBaseIds) {
  const listings = new Map<string, Promise<Map<string, string>>>();
  const ids = new Map<string, Promise<{ oid: string; size: number } | null>>();
  const listed = (dir: string): Promise<Map<string, string>> => {
    let l = listings.get(dir);
    if (!l) listings.set(dir, (l = history && base.commit ? history.listFileIds(base.commit, dir) : Promise.resolve(new Map())));
    return l;
  };
  /** The blob id of `path` from a listing of a directory above it that was already made, if any. */
  const listedId = async (path: string): Promise<string | undefined> => {
    for (let dir = dirOf(path); ; dir = dirOf(dir)) {
      const l = listings.get(dir);
      if (l) return (await l).get(path);
      if (dir === '') return undefined;
    }
  };
  /**
   * A listing already asked for of a directory above `path`, when `path` is written as listings
   * name files (no `.`, `..` or empty part): a listing holds every blob below its directory, so a
   * path it lacks has none (missing, a directory or a submodule, which git answers as not a blob).
   */
  const listingAbove = (path: string): Promise<Map<string, string>> | undefined => {
    if (!PLAIN_PATH.test(path) || path.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
    for (let dir = dirOf(path); ; dir = dirOf(dir)) {
      const l = listings.get(dir);
      if (l) return l;
      if (dir === '') return undefined;
    }
  };
  const fileId = (path: string): Promise<{ oid: string; size: number } | null> => {
    let id = ids.get(path);
    if (!id) {
      const at = base.commit;
      if (!history || !at) id = Promise.resolve(null);
      else {
        const ask = (): Promise<BaseId> => shared?.get(at, path) ?? shared?.set(at, path, history.fileId(at, path)) ?? history.fileId(at, path);
        // Most of the lock check's questions are for headers an include names that the tree does
        // not have (REAL btrfs-progs: 698 of 733 over 300 commits), in a directory already listed.
        const listing = listingAbove(path);
        id = listing ? listing.then((l) => (l.has(path) ? ask() : null), ask) : ask();
      }
      ids.set(path, id);
    }
    return id;
  };
  const readFromBase = async (path: string): Promise<string | null> => {
    // As History.readFile: a path with control characters is not read (a listing may name one).
    if (!history || !base.commit || /[\0-\x1f]/.test(path)) return null;
    let oid = await listedId(path);
    if (oid === undefined && ids.has(path)) {
      // git said there is no blob there (missing, a directory, a submodule): reading it says the same.
      const id = await ids.get(path)!;
      if (id === null) return null;
      oid = id.oid;
    }
    if (oid === undefined) return history.readFile(base.commit, path);
    return blobText(oid, async () => (await history.readBlob(oid))?.toString('utf8') ?? null);
  };
  return {
    async readBaseFile(path: string): Promise<string | null> {
      if (previous && findFile(await previous.files(), path)?.newPath === path) {
        return (await previous.postImage(path))?.text ?? null;
      }
      return readFromBase(path);
    },
    async listBaseFiles(dir: string): Promise<string[]> {
      return [...(await listed(dir)).keys()];
    },
    // A file the previous patch changed is not the base tree's blob: ids only without one.
    ...(previous ? {} : {
      baseFileIds: listed,
      baseFileId: fileId,
    }),
  };
}

type BaseId = { oid: string; size: number } | null;

/** Paths a diff's changed-path set may hold as they are: git writes others quoted, or ambiguously (a space). */
const PLAIN_PATH = /^[A-Za-z0-9._/+@,=~-]+$/;
/** Commits whose changed paths are kept, and base commits whose blob ids are (each a few dozen headers). */
const CHANGED_COMMITS = 256;
const ID_BASES = 32;
/** How far back through unchanged parents a blob id is looked for. */
const ID_DEPTH = 64;

/**
 * Blob ids of base files, shared between the commits of a range. A commit's base is its parent,
 * and a file that the parent's own commit did not change is the same blob in the parent as in the
 * grandparent: the lock check's question for each header a touched file includes (about 39 per
 * commit on REAL btrfs-progs, 442 different paths over 300 commits) is answered from the commits
 * before it when none of them changed that path, not asked of git again. A commit's changed paths
 * are its first-parent diff's, as its own review loaded it; one whose diff had warnings, or names a
 * path git may write quoted, is not looked through. Kept per repository (rangeIdsOf); bounded by
 * count (CHANGED_COMMITS, ID_BASES).
 */
export class RangeBaseIds {
  private readonly changed = new Map<string, { parent: string; paths: Set<string> }>();
  private readonly ids = new Map<string, Map<string, Promise<BaseId>>>();

  /** `commit`'s diff against its first parent `parent`, as parsed (`clean`: without warnings). */
  noteDiff(commit: string, parent: string | null, files: FileDiff[], clean: boolean): void {
    if (parent === null || !clean || this.changed.has(commit)) return;
    const paths = new Set<string>();
    for (const f of files)
      for (const p of [f.oldPath, f.newPath]) {
        if (p === null) continue;
        if (!PLAIN_PATH.test(p)) return;
        paths.add(p);
      }
    this.changed.set(commit, { parent, paths });
    if (this.changed.size > CHANGED_COMMITS) this.changed.delete(this.changed.keys().next().value!);
  }

  /** The id of `path` at `base`, if it or a commit before it with the same blob there was asked already. */
  get(base: string, path: string): Promise<BaseId> | undefined {
    let rev = base;
    for (let depth = 0; depth < ID_DEPTH; depth++) {
      const hit = this.ids.get(rev)?.get(path);
      if (hit) {
        if (rev !== base) this.set(base, path, hit);
        return hit;
      }
      const c = this.changed.get(rev);
      if (!c || c.paths.has(path)) return undefined;
      rev = c.parent;
    }
    return undefined;
  }

  /** Keeps `id` as the answer for `path` at `base` (dropped again if it fails); returns it. */
  set(base: string, path: string, id: Promise<BaseId>): Promise<BaseId> {
    let at = this.ids.get(base);
    if (!at) {
      this.ids.set(base, (at = new Map()));
      if (this.ids.size > ID_BASES) this.ids.delete(this.ids.keys().next().value!);
    }
    at.set(path, id);
    id.catch(() => {
      if (this.ids.get(base)?.get(path) === id) this.ids.get(base)!.delete(path);
    });
    return id;
  }
}

/**
 * The shared blob ids by repository (per thread): a commit id names the same content everywhere,
 * but a repository's replace refs or grafts may make git read it otherwise. The last few kept.
 */
const rangeIds = new Map<string, RangeBaseIds>();
const RANGE_ID_REPOS = 8;

function rangeIdsOf(repo: string): RangeBaseIds {
  let ids = rangeIds.get(repo);
  if (!ids) {
    rangeIds.set(repo, (ids = new RangeBaseIds()));
    if (rangeIds.size > RANGE_ID_REPOS) rangeIds.delete(rangeIds.keys().next().value!);
  }
  return ids;
}

/** The directory of a path as listings name it ('' for the top). */
function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Images of commits by blob id, for the next commits of a range: a commit's pre-image of a file is
 * the post-image of the last commit that changed it, often a few commits earlier (a series), and
 * each image is asked for by more than one check. Kept within their share of limits.cacheBytes.
 */
const imageTexts = new ByteLru<string, string>(cacheShare('imageTexts', DEFAULT_LIMITS.cacheBytes));

/** A commit's image of a file: by its blob id on the diff's index line when there is one (the same blob as `rev:path`). */
async function commitImage(history: History, rev: string, path: string, blob: string | null): Promise<string | null> {
  if (blob === null || !isFullOid(blob)) return history.readFile(rev, path);
  return blobText(blob, () => history.readFile(rev, path));
}

/** The text of blob `oid`, kept by id; `read` gives it when it is not kept. */
async function blobText(oid: string, read: () => Promise<string | null>): Promise<string | null> {
  const kept = imageTexts.get(oid);
  if (kept !== undefined) return kept;
  const text = await read();
  // Strings of ASCII text take a byte a character; others two: counted as two.
  if (text !== null) imageTexts.set(oid, text, 2 * text.length);
  return text;
}

/** A commit from the repository: its diff on demand, images from its own and its parent's tree. */
function commitWorkspace(patch: Patch, history: History, base: BaseInfo, notes: string[]): GitWorkspace {
  const commit = patch.commit as string;
  const parent = patch.parent;
  let files: Promise<FileDiff[]> | null = patch.files.length ? Promise.resolve(patch.files) : null;
  const loadFiles = async (): Promise<FileDiff[]> => {
    if (parent !== null && !isFullOid(parent)) throw new KreviewError(`${patch.source}: parent ${parent} is not a full commit id`);
    let text: string;
    if (isDiffSource(history)) {
      text = await history.diffOf(commit, parent);
    } else {
      const args = ['diff-tree', '-p', '-M', '--no-color', '--no-ext-diff', '--full-index', '--no-commit-id'];
      const r = await runGit(history.repo, parent ? [...args, parent, commit] : [...args, '--root', commit]);
      if (r.code !== 0) throw new KreviewError(`cannot read the diff of ${short(commit)}: ${r.stderr.split('\n')[0]}`);
      text = r.stdout;
    }
    const parsed = parseDiff(text);
    notes.push(...parsed.warnings.map((w) => `${short(commit)}: ${w}`));
    rangeIdsOf(history.repo).noteDiff(commit, parent, parsed.files, parsed.warnings.length === 0);
    return parsed.files;
  };
  const image = async (rev: string | null, path: string | null, blob: string | null): Promise<FileImage | null> => {
    if (!rev || !path) return null;
    const text = await commitImage(history, rev, path, blob);
    return text === null ? null : { path, text, complete: true };
  };
  const getFiles = () => (files ??= loadFiles());
  // Made when a check first reads the base: most commits of a range are never read that way.
  let readers: ReturnType<typeof baseReaders> | undefined;
  const base$ = () => (readers ??= baseReaders(history, base, undefined, rangeIdsOf(history.repo)));
  return {
    repo: history.repo,
    base,
    history,
    applied: null,
    notes,
    files: getFiles,
    async postImage(path) {
      const f = findFile(await getFiles(), path);
      return f ? image(commit, f.newPath, f.newBlob) : null;
    },
    async preImage(path) {
      const f = findFile(await getFiles(), path);
      return f ? image(parent, f.oldPath, f.oldBlob) : null;
    },
    readBaseFile: (path) => base$().readBaseFile(path),
    listBaseFiles: (dir) => base$().listBaseFiles(dir),
    baseFileIds: (dir) => base$().baseFileIds!(dir),
    baseFileId: (path) => base$().baseFileId!(path),
  };
}

/** A mailed patch (or a commit without a repository): images built by applying its hunks. */
async function mailWorkspace(
  patch: Patch,
  /** The History to place files that do not apply with (null: such files are read from their hunks). */
  placer: History | null,
  history: History | null,
  base: BaseInfo,
  previous: PreviousPatch | undefined,
  notes: string[],
  maxLines: number,
): Promise<GitWorkspace> {
  const images = new Map<FileDiff, Images>();
  /** Files whose hunks applied at an offset: renumbered to the images, and the shifts to undo it. */
  const moved = new Map<FileDiff, { shifted: FileDiff; shifts: { old: number; new: number }[]; placed?: Hunk[] }>();
  /** Files seen only as hunks, some of which lie past the line limit: the checks get the rest. */
  const trimmed = new Map<FileDiff, FileDiff>();
  let tried = 0;
  let failed = 0;
  const hunkOnly: string[] = [];
  const previousFiles = previous ? await previous.files() : [];
  /** Images made of the hunks alone, bounded by the line limit; hunks past it are named in one note. */
  const fromHunks = (f: FileDiff, name: string, pre: FileImage | null): Images => {
    const { within, past } = hunksWithin(f.hunks, maxLines);
    if (past.length) {
      const h = past[0];
      trimmed.set(f, { ...f, hunks: within });
      notes.push(`${name}: not reviewed past line ${maxLines} (limits.linesPerFile): ${past.length} of ${f.hunks.length} hunks, the first @@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    }
    return {
      pre: pre ?? (f.oldPath ? { path: f.oldPath, text: hunkOnlyPreImage(within, maxLines), complete: false } : null),
      post: f.newPath ? { path: f.newPath, text: hunkOnlyImage(within, maxLines), complete: false } : null,
    };
  };
  for (const f of patch.files) {
    const name = f.newPath ?? f.oldPath ?? '';
    if (f.binary) {
      images.set(f, { pre: null, post: null });
      continue;
    }
    const pre = await preImageOf(f, history, base, previous, previousFiles);
    if (!pre) {
      hunkOnly.push(name);
      images.set(f, fromHunks(f, name, null));
      continue;
    }
    tried++;
    const applied = applyHunks(pre.text, f.hunks, maxLines);
    if (!applied.ok) {
      failed++;
      // As a maintainer would with git apply -C<n>: the hunks placed where less of their context matches.
      const placed = placer ? await placeWithReducedContext(pre.text, f, maxLines) : 'not placed';
      if (typeof placed !== 'string' && f.oldPath && f.newPath) {
        const how = `its hunks were placed where at least ${placed.context} line${placed.context === 1 ? '' : 's'} of context match at each end (git apply -C${placed.context}), ${placed.dropped} context line${placed.dropped === 1 ? '' : 's'} of the mail set aside, and the rest of the file assumed to be the base's`;
        notes.push(`${name}: the patch does not apply to ${pre.label}: ${applied.reason}; ${how}`);
        const assumed = `the patch does not apply to ${pre.label} as mailed; ${how}`;
        images.set(f, {
          pre: { path: f.oldPath, text: pre.text, complete: pre.complete, assumed },
          post: { path: f.newPath, text: placed.text, complete: pre.complete, assumed },
        });
        moved.set(f, { shifted: { ...f, hunks: shiftHunks(placed.hunks, placed.shifts) }, shifts: placed.shifts, placed: placed.hunks });
        continue;
      }
      notes.push(`${name}: the patch does not apply to ${pre.label}: ${applied.reason}; only its hunks were read${typeof placed === 'string' && placer ? ` (${placed})` : ''}`);
      // Both images from the hunks alone, as without a repository: a function read whole on one side
      // and in pieces on the other cannot be compared.
      images.set(f, fromHunks(f, name, null));
      continue;
    }
    images.set(f, {
      pre: f.oldPath ? { path: f.oldPath, text: pre.text, complete: pre.complete } : null,
      post: f.newPath ? { path: f.newPath, text: applied.text, complete: pre.complete } : null,
    });
    if (applied.shifts.some((d) => d.old !== 0 || d.new !== 0)) moved.set(f, { shifted: { ...f, hunks: shiftHunks(f.hunks, applied.shifts) }, shifts: applied.shifts });
  }
  if (hunkOnly.length) {
    const why = history ? 'neither the blob on its index line nor the file at the base is in the repository' : 'no repository';
    notes.push(`only the hunks of ${hunkOnly.join(', ')} were read (${why})`);
  }
  const image = async (path: string, which: keyof Images) => {
    const f = findFile(patch.files, path);
    return f ? (images.get(f)?.[which] ?? null) : null;
  };
  return {
    repo: history ? history.repo : null,
    base,
    history,
    applied: failed > 0 ? false : tried > 0 ? true : null,
    notes,
    files: async () => patch.files.map((f) => moved.get(f)?.shifted ?? trimmed.get(f) ?? f),
    toPatchLine: (path, line) => {
      const f = findFile(patch.files, path);
      const m = f ? moved.get(f) : undefined;
      return m ? unshiftLine(m.placed ?? f!.hunks, m.shifts, line) : line;
    },
    postImage: (path) => image(path, 'post'),
    preImage: (path) => image(path, 'pre'),
    ...baseReaders(history, base, previous),
  };
}

/** The text the patch's hunks apply to, and where it came from. */
async function preImageOf(
  f: FileDiff,
  history: History | null,
  base: BaseInfo,
  previous: PreviousPatch | undefined,
  previousFiles: FileDiff[],
): Promise<{ text: string; complete: boolean; label: string } | null> {
  if (f.oldPath === null) return { text: '', complete: true, label: 'an empty file' };
  if (history && f.oldBlob && !/^0+$/.test(f.oldBlob)) {
    const blob = await history.readBlob(f.oldBlob);
    if (blob) return { text: blob.toString('utf8'), complete: true, label: `blob ${f.oldBlob}` };
  }
  if (previous && previousFiles.some((p) => p.newPath === f.oldPath)) {
    // The base lacks the previous patch's change; an image made of hunks is no ground to apply on.
    const img = await previous.postImage(f.oldPath);
    return img?.complete ? { text: img.text, complete: true, label: `${f.oldPath} after the previous patch` } : null;
  }
  if (history && base.commit) {
    const text = await history.readFile(base.commit, f.oldPath);
    if (text !== null) return { text, complete: true, label: `${f.oldPath} at ${base.label}` };
  }
  return null;
}
