// Parses a raw commit object (as `git cat-file commit` prints it): parents, author, dates,
// message, and the subject as `git log --format=%s` shows it (first paragraph, lines joined).
import type { Person } from '../core/types.js';

export interface CommitObject {
  tree: string;
  parents: string[];
  author: Person;
  /** Author and committer dates, seconds since the epoch. */
  adate: number;
  cdate: number;
  committer: Person;
  message: string;
  subject: string;
}

const IDENT = /^(.*?) ?<([^>]*)> (-?\d+)(?: [+-]\d{4})?$/;

export function parseCommitObject(raw: Buffer | string): CommitObject {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const split = text.indexOf('\n\n');
  const message = split < 0 ? '' : text.slice(split + 2);
  return { ...parseCommitHead(split < 0 ? text : text.slice(0, split)), message, subject: subjectOf(message) };
}

/** The header of a commit object (the lines before the first empty one). */
export function parseCommitHead(head: string): Omit<CommitObject, 'message' | 'subject'> {
  const out: Omit<CommitObject, 'message' | 'subject'> = {
    tree: '',
    parents: [],
    author: { name: '', email: '' },
    adate: 0,
    cdate: 0,
    committer: { name: '', email: '' },
  };
  for (const line of head.split('\n')) {
    // Continuation lines (signatures, mergetag) start with a space and are not ours.
    if (line.startsWith(' ')) continue;
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') out.tree = value;
    else if (key === 'parent') out.parents.push(value);
    else if (key === 'author' || key === 'committer') {
      const m = IDENT.exec(value);
      const person = { name: m?.[1] ?? value, email: m?.[2] ?? '' };
      const date = Number(m?.[3] ?? 0);
      if (key === 'author') {
        out.author = person;
        out.adate = date;
      } else {
        out.committer = person;
        out.cdate = date;
      }
    }
  }
  return out;
}

/** git's %s: the first paragraph of the message with its lines joined by spaces. */
export function subjectOf(message: string): string {
  const text = message.replace(/^\s*\n/, '');
  const para: string[] = [];
  // Line by line up to the first blank one: a whole history is read, and the rest of a message is
  // most of it.
  for (let pos = 0; ; ) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl < 0 ? text.length : nl).trim();
    if (line === '') break;
    para.push(line);
    if (nl < 0) break;
    pos = nl + 1;
  }
  return para.join(' ');
}
