// The map of kreview: the few types every stage of the pipeline passes along.
// source -> Patch -> Series -> workspace -> checks -> Finding -> Review -> sink

export type Severity = 'error' | 'warning' | 'note';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];
export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, note: 1 };

export interface Person {
  name: string;
  email: string;
}

/** Parsed `[PATCH net-next v3 2/7]`-style subject prefix. */
export interface SubjectPrefix {
  /** Every bracketed tag as written, e.g. ["f2fs-dev"], ["PATCH net-next v3 2/7"]. */
  tags: string[];
  /** True when a PATCH (or RFC) tag is present. */
  isPatch: boolean;
  /** True when the subject starts with Re:/RE:/AW:/Sv:/... (a reply). */
  isReply: boolean;
  version: number;
  index: number | null;
  total: number | null;
  rfc: boolean;
  resend: boolean;
  /** Tree named in the prefix (`net-next`, `bpf`), or null. */
  tree: string | null;
  /** The subject with reply markers and bracketed tags removed. */
  summary: string;
}

/** A trailer found by git's rules in the last paragraph of a commit message. */
export interface Trailer {
  key: string;
  value: string;
  /** 1-based line in Patch.message (line 1 is the summary line). */
  line: number;
  /** The line(s) as written, continuation lines included. */
  raw: string;
}

export type DiffLineKind = 'add' | 'del' | 'ctx';

export interface DiffLine {
  kind: DiffLineKind;
  /** Text without the leading +/-/space. */
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the closing @@ (usually the enclosing function). */
  section: string;
  lines: DiffLine[];
}

export interface FileDiff {
  /** Paths are validated: relative, no `..`, no NUL; null for /dev/null. */
  oldPath: string | null;
  newPath: string | null;
  status: 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';
  binary: boolean;
  /** Abbreviated blob ids from the `index` line, when present. */
  oldBlob: string | null;
  newBlob: string | null;
  hunks: Hunk[];
}

/** Mail-only facts about a patch. */
export interface MailInfo {
  messageId: string;
  from: Person | null;
  replyTo: Person[];
  to: Person[];
  cc: Person[];
  inReplyTo: string | null;
  references: string[];
  listIds: string[];
  /** Headers that mark automatic mail (Auto-Submitted, X-Auto-Response-Suppress, Precedence...). */
  autoSubmitted: boolean;
  /** Raw header map, lower-cased names, for policy checks. */
  headers: Record<string, string>;
}

export interface Patch {
  /** Message-ID (without <>) for mail, full commit id for a commit. */
  id: string;
  kind: 'mail' | 'commit';
  /** Where it came from, for error messages: `series.mbox#3`, `0001-x.patch`, `v6.11..HEAD@abc123`. */
  source: string;
  subject: string;
  prefix: SubjectPrefix;
  author: Person;
  date: string | null;
  /** Commit message: summary line, blank line, body, trailers; without the `---` part. */
  message: string;
  trailers: Trailer[];
  /** Text between the `---` line and the diff (change log, diffstat). */
  notes: string;
  files: FileDiff[];
  baseCommit: string | null;
  changeId: string | null;
  /** Full commit id and its first parent, for commits from a repository. */
  commit: string | null;
  parent: string | null;
  mail: MailInfo | null;
  /**
   * Problems met while decoding this patch that did not stop it but may have lost part of it (a
   * dropped file, a hunk cut short, a truncated message): one line each, the review's `warnings`.
   */
  warnings: string[];
  /** Harmless facts about the decoding (a latin1 body, format=flowed): shown as notes, never errors. */
  notices?: string[];
}

export interface Series {
  /** Stable key: change-id, cover Message-ID, or first patch id. */
  id: string;
  version: number;
  subject: string;
  cover: Patch | null;
  patches: Patch[];
  total: number | null;
  /** Indexes (1-based) of parts that never came. */
  missing: number[];
  complete: boolean;
}

export type Location =
  | { kind: 'message'; line: number }
  | { kind: 'file'; path: string; line: number }
  | { kind: 'patch' };

export interface RelatedLocation {
  location: Location;
  label: string;
}

export interface Finding {
  /** Stable id: `fixes/subject-mismatch`, `lock/reserve-under-page-lock`. */
  id: string;
  severity: Severity;
  /** One line, in the words kernel developers know. */
  message: string;
  location: Location;
  /** Reviewer-style explanation: plain words, questions rather than verdicts. */
  explanation?: string;
  /** An exact replacement line (e.g. the corrected Fixes: line). */
  suggestion?: string;
  /** Commits cited as `sha12 ("subject")`. */
  evidence?: string[];
  /** Other places the note talks about (where a lock was taken). */
  related?: RelatedLocation[];
  confidence?: 'high' | 'medium' | 'low';
  /** Why the finding is believed: what was seen, what was inferred, what stayed unknown. */
  basis?: FindingBasis;
}

/**
 * The reasoning behind a finding, for a reader who wants to judge it: `path` is what was seen, in
 * order (where the lock was taken, the call); `inferred` are facts taken from the tree's code or a
 * convention rather than seen on the path; `unknown` are what could not be seen. A finding whose
 * `inferred` and `unknown` are empty rests on nothing but the code it quotes.
 */
export interface FindingBasis {
  path: string[];
  inferred: string[];
  unknown: string[];
}

export interface BaseInfo {
  commit: string | null;
  source: 'option' | 'base-commit' | 'parent' | 'head' | 'none';
  /** Human label: `base-commit 1234abcd5678`, `--base origin/master`, ... */
  label: string;
}

export interface PatchReview {
  patch: Patch;
  base: BaseInfo;
  /** Whether the diff applied to the base (null: not tried). */
  applied: boolean | null;
  findings: Finding[];
  /** Things the reader should know about this review (hunk-only analysis, ...). */
  notes: string[];
  /** One-line errors for this patch; the review of other patches went on. */
  errors: string[];
  /**
   * Problems met decoding the patch that did not stop its review (hunk counts that do not match, no
   * From:): the patch was malformed but reviewable, so they are no error of the review. Absent: none.
   */
  warnings?: string[];
}

export interface Review {
  series: Series;
  patches: PatchReview[];
  /** Which tree the series is for and which base it was tried on (set when routing ran). */
  route?: SeriesRoute;
}

/** A series' tree and base: a status shown in JSON and on GitHub, never a mailed finding. */
export interface SeriesRoute {
  /** Distinct trees of its patches: `linux`, `btrfs-progs`, `unknown`. */
  trees: string[];
  /** Did kernel rules run on any patch? */
  kernel: boolean;
  /** The base used (a commit), and why it was chosen. */
  base: string | null;
  baseWhy: string;
  /** Did the whole series apply to that base (null: not tried)? */
  applies: boolean | null;
  /** Candidates not taken, one line each. */
  tried: string[];
}

/** A one-line, user-actionable error. Thrown or returned, never a stack trace for the user. */
export class KreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KreviewError';
  }
}
