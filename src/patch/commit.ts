// Builds a Patch from a commit of a repository (the git-range source): message, trailers, diff if given.
import type { Patch, Person, SubjectPrefix } from '../core/types.js';
import { parseDiff } from './diff.js';
import { parseTrailers } from './trailers.js';

export interface CommitArgs {
  oid: string;
  parents: string[];
  author: Person;
  /** ISO 8601 text, or seconds since the epoch. */
  date: string | number | null;
  /** The commit message as `git cat-file` / `%B` prints it. */
  rawMessage: string;
  /** `git show --format= <oid>` output; absent when the diff is loaded lazily. */
  diffText?: string;
  source: string;
}

/** A commit's subject is its first paragraph joined into one line, the way `%s` prints it. */
function commitSubject(message: string): string {
  // Most messages: a subject line, then a blank line or nothing. No leading white space means no
  // leading blank line to drop; a first paragraph of one line is that line, trimmed.
  const nl = message.indexOf('\n');
  if (message.length > 0 && !/\s/.test(message[0]) && (nl < 0 || message.charCodeAt(nl + 1) === 10)) return (nl < 0 ? message : message.slice(0, nl)).trim();
  const text = message.replace(/^\s*\n/, '');
  // The text before the first blank line, found without splitting the whole message.
  const blank = /\n[ \t]*\n/.exec(text);
  const para = blank ? text.slice(0, blank.index) : text;
  return para.split('\n').map((l) => l.trim()).join(' ').trim();
}

/** A commit subject is taken as written: `[media] foo:` in an old subject is part of it, not a tag. */
function commitPrefix(subject: string): SubjectPrefix {
  return { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: subject };
}

export function patchFromCommit(args: CommitArgs): Patch {
  // trimEnd() removes what /\s+$/ matches (white space and line terminators), without a regex scan.
  // Almost no commit message holds a carriage return: no regex pass over those that do not.
  const raw = args.rawMessage.includes('\r') ? args.rawMessage.replace(/\r\n?/g, '\n') : args.rawMessage;
  const message = raw.trimEnd();
  const subject = commitSubject(message);
  const diff = args.diffText === undefined ? { files: [], warnings: [] } : parseDiff(args.diffText);
  const given = args.date;
  let date: string | null | undefined = typeof given === 'number' ? undefined : given;
  let trailers: Patch['trailers'] | undefined;
  return {
    id: args.oid,
    kind: 'commit',
    source: args.source,
    subject,
    prefix: commitPrefix(subject),
    author: args.author,
    // Written out when first read: a whole-history review reads no commit's date.
    get date() {
      if (date === undefined) date = new Date((given as number) * 1000).toISOString();
      return date;
    },
    message,
    // Parsed when first read: a whole-history review reads the trailers of almost no commit.
    get trailers() {
      return (trailers ??= parseTrailers(message));
    },
    notes: '',
    files: diff.files,
    baseCommit: null,
    changeId: null,
    commit: args.oid,
    parent: args.parents[0] ?? null,
    mail: null,
    warnings: diff.warnings,
  };
}
