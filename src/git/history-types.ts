// The questions checks may ask about a repository's history. One History per repository,
// answered in batches through long-lived git processes and on-disk indexes (src/git/history.ts).
import type { Person } from '../core/types.js';
import type { LearnedConventions } from './conventions.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface ResolvedObject {
  /** The id as asked (an abbreviation or full id). */
  query: string;
  status: 'found' | 'missing' | 'ambiguous';
  /** For found: the object. */
  oid?: string;
  type?: ObjectType;
  /** For ambiguous: every object the prefix names (commits first). */
  candidates?: { oid: string; type: ObjectType }[];
}

export interface CommitInfo {
  oid: string;
  parents: string[];
  subject: string;
  author: Person;
  /** Author date, seconds since the epoch. */
  date: number;
}

/** The first commit of a history that starts with an imported tree, and how many files it brought. */
export interface HistoryImport {
  root: string;
  subject: string;
  files: number;
}

export interface History {
  readonly repo: string;
  /**
   * A hint before reviewing these commits: ask git now about the ids their `Fixes:` tags name, so
   * that resolve() finds the answers ready. Changes no answer.
   */
  expectFixesOf?(commits: string[]): void;
  /** Resolve many ids at once (`cat-file --batch-check`), reporting ambiguity with candidates. */
  resolve(ids: string[]): Promise<Map<string, ResolvedObject>>;
  /** Subjects, parents, authors of many commits at once. Unknown ids are absent from the map. */
  commits(oids: string[]): Promise<Map<string, CommitInfo>>;
  /** Full commit message (subject, body, trailers) of one commit, or null. */
  message(oid: string): Promise<string | null>;
  /** Resolve a revision (`HEAD`, `origin/master`, a tag) to a commit id, or null. Never treats it as an option. */
  revParse(rev: string): Promise<string | null>;
  /** Is `ancestor` reachable from `descendant` (or equal)? Cached per descendant. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** The shortest abbreviation of `oid` that is at least `min` (12) digits and unambiguous. */
  abbrev(oid: string, min?: number): Promise<string>;
  /** The oldest release tag (matching `pattern`, e.g. `v*`) that contains `oid` and is an ancestor of `base`, or null. */
  firstRelease(oid: string, base: string, pattern: string): Promise<string | null>;
  /** Commits reachable from `base` whose message has `Fixes: <id>` naming `oid`. */
  fixersOf(oid: string, base: string): Promise<CommitInfo[]>;
  /** Commits reachable from `base` that revert `oid` (`This reverts commit <oid>.`). */
  revertsOf(oid: string, base: string): Promise<CommitInfo[]>;
  /** What the history says about the project's Fixes: conventions (counted while indexing; cheap). */
  conventions(): Promise<LearnedConventions>;
  /** The commit that `oid` itself reverts, if its message says so. */
  revertedBy(oid: string): Promise<string | null>;
  /** Commits with exactly this subject (any branch known to the index). */
  bySubject(subject: string): Promise<string[]>;
  /**
   * Commits reachable from `base` that carry `oid` as a backport: the same patch-id,
   * or a message saying `(cherry picked from commit <oid>)`, `commit <oid> upstream`, `[ Upstream commit <oid> ]`.
   */
  backportsOf(oid: string, base: string): Promise<CommitInfo[]>;
  /** Commits that last touched the given lines (1-based, inclusive ranges) of `path` at `rev`. */
  blame(rev: string, path: string, ranges: [number, number][]): Promise<string[]>;
  /** A blob's contents (by full or abbreviated id), or null when missing or ambiguous. */
  readBlob(id: string): Promise<Buffer | null>;
  /** The contents of `path` at `rev`, or null. */
  readFile(rev: string, path: string): Promise<string | null>;
  /** The blob id and size in bytes of `path` at `rev` (git's answer about the object, not its contents), or null. */
  fileId(rev: string, path: string): Promise<{ oid: string; size: number } | null>;
  /** Paths of the files below `dir` at `rev` (recursive). */
  listFiles(rev: string, dir: string): Promise<string[]>;
  /** The same files with their blob ids (path -> id). */
  listFileIds(rev: string, dir: string): Promise<Map<string, string>>;
  /**
   * Catch up with the repository after a fetch or commit: index the commits its refs now reach,
   * re-read its tags. Cheaper than opening it again (caches about older commits stay); safe while
   * other questions are in flight.
   */
  refresh(): Promise<void>;
  /**
   * The History of another repository (the tree this one mirrors), opened on first use with the same
   * cache and closed with this one; a path that is no repository rejects with one line.
   */
  other(path: string): Promise<History>;
  /** Stop the long-lived git processes (and those of the other Histories opened through this one). */
  close(): Promise<void>;
  /** A shallow clone: commits older than its boundary are not here, so an id not found may still be real. */
  readonly shallow?: boolean;
  /**
   * The history begins with a commit that brings a whole tree at once (an unpacked release tarball
   * committed in place): like a shallow clone, an id not found may be from before it.
   */
  readonly imported?: HistoryImport | null;
}
