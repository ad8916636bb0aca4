// What a check is: a self-contained module that turns one patch in context into findings.
import type { Finding, Patch, Series, BaseInfo } from './types.js';
import type { KreviewConfig } from './config.js';
import type { PatchBudget } from './limits.js';
import type { History } from '../git/history-types.js';

/** The text of one file after (or before) the patch, and how complete it is. */
export interface FileImage {
  path: string;
  text: string;
  /** false when only the hunks (and their context) were available. */
  complete: boolean;
  /**
   * Set when the image is not the author's tree but a guess at it: the mail did not apply to the
   * base exactly and its hunks were placed with less context matching. Says what was assumed.
   */
  assumed?: string;
}

/** What a check may ask about the tree the patch applies to. */
export interface Workspace {
  /** The repository's top directory, or null in hunk-only mode (no repository). */
  repo: string | null;
  base: BaseInfo;
  /** History of the repository; null without a repository. */
  history: History | null;
  /** The patch's file diffs; for a commit from a repository they are loaded on the first call. */
  files(): Promise<import('./types.js').FileDiff[]>;
  /** Post-image of a touched file (after this patch), or null if not touched or deleted. */
  postImage(path: string): Promise<FileImage | null>;
  /** Pre-image of a touched file (before this patch), or null if the patch adds it. */
  preImage(path: string): Promise<FileImage | null>;
  /** Any file of the base tree (for summaries of helpers elsewhere in the tree). */
  readBaseFile(path: string): Promise<string | null>;
  /** Paths under a directory of the base tree (non-recursive=false lists the whole subtree). */
  listBaseFiles(dir: string): Promise<string[]>;
  /**
   * Path -> blob id of every file below `dir` in the base tree, when the base is a tree of the
   * repository (absent otherwise): a blob id names a content, so what was learnt from a file can be
   * kept by it without reading the file again.
   */
  baseFileIds?(dir: string): Promise<Map<string, string>>;
  /** The blob id and byte size of one file of the base tree (null when it has none), under the same condition. */
  baseFileId?(path: string): Promise<{ oid: string; size: number } | null>;
}

export interface CheckContext {
  patch: Patch;
  series: Series;
  workspace: Workspace;
  config: KreviewConfig;
  /** This patch's limits and deadline, its notes shown on the patch's review (the pipeline's; a check run alone makes its own). */
  budget?: PatchBudget;
}

export interface Check {
  /** Module id, the prefix of its finding ids (`fixes`, `lock`). */
  id: string;
  description: string;
  run(ctx: CheckContext): Promise<Finding[]>;
}
