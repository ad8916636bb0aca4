// Pure parser of one Fixes: tag (one line, or the lines of a wrapped tag joined with a space):
// what it names and what is wrong with how it is written. No history, no I/O, never throws.
import type { FormatId } from './rules.js';

export interface FormatProblem {
  id: FormatId;
  /** Fills the rule's placeholders (`what`, `word`, `min`). */
  data?: Record<string, string | number>;
}

export interface ParsedFixesLine {
  /** Hexadecimal ids named, lower-cased, in order (more than one is itself a style problem). */
  ids: string[];
  /** The subject inside the quotes and parentheses, as written; null when there is none. */
  subject: string | null;
  /** An opening parenthesis or quote is not closed: the tag is wrapped (or cut). */
  unterminated: boolean;
  problems: FormatProblem[];
}

/** Quote characters people use, and the closers each one accepts. */
const CLOSERS: Record<string, string> = {
  '"': '"”“',
  '“': '”"“',
  '”': '”"',
  "'": "'’",
  '‘': '’\'‘',
  '’': '’\'',
  '«': '»',
  '„': '“”"',
};

const KEY = /^(\s*)(fixes)(\s*)(:?)([ \t]*)(.*)$/is;
const URL_OR_BUG = /^<?(?:https?:\/\/|www\.|bugzilla|(?:bug|bz|issue|ticket|cve)\b\s*[:#-]?\s*\d|#\d|cve-\d)/i;
/** A token that starts like a commit id: hex digits, possibly with junk glued on (`1234abcd:`, `1234abcdi`). */
const ID_TOKEN = /^([0-9a-fA-F]+)([^\s(]*)/;

/** Is this hex run a commit id rather than an English word made of a-f (`add`, `deadbeef`)? */
function looksLikeId(hex: string): boolean {
  return hex.length >= 5 && (/\d/.test(hex) || hex.length >= 10);
}

/** Does this line start a Fixes tag (`Fixes:`, `fixes :`, or `Fixes 1234abcd...` without the colon)? */
export function isFixesLine(line: string): boolean {
  const m = KEY.exec(line);
  if (!m) return false;
  if (m[4] === ':') return true;
  // Without a colon only an id right after the word makes it a tag ("Fixes the leak" is prose).
  if (m[3] === '' && m[5] === '') return false;
  const tok = ID_TOKEN.exec(m[6]);
  return tok !== null && tok[2] === '' && looksLikeId(tok[1]);
}

export function parseFixesLine(line: string, minShaLength = 12): ParsedFixesLine {
  const out: ParsedFixesLine = { ids: [], subject: null, unterminated: false, problems: [] };
  const add = (id: FormatId, data?: Record<string, string | number>): void => {
    if (!out.problems.some((p) => p.id === id)) out.problems.push(data ? { id, data } : { id });
  };
  const m = KEY.exec(line.replace(/[\r\n]+/g, ' '));
  if (!m) {
    add('fixes/no-sha');
    return out;
  }
  const [, lead, key, beforeColon, colon, afterColon] = m;
  let rest = m[6].trimEnd();
  const style: string[] = [];
  if (lead !== '') style.push('leading white space');
  if (key !== 'Fixes') style.push(`'${key}:' should be 'Fixes:'`);
  if (beforeColon !== '' && colon !== '') style.push('space before the colon');
  if (colon === '') style.push('no colon');
  else if (afterColon !== ' ' && rest !== '') style.push(afterColon === '' ? 'no space after the colon' : 'one space after the colon');

  if (URL_OR_BUG.test(rest)) {
    add('fixes/url');
    return finish(out, style, add);
  }
  const word = /^(commit|sha1?|id|hash|rev|git)\b[\s:]*/i.exec(rest);
  if (word && ID_TOKEN.test(rest.slice(word[0].length))) {
    add('fixes/leading-word', { word: word[1] });
    rest = rest.slice(word[0].length);
  }
  // A tree or branch named before the id (`Fixes: cel/nfsd-testing 5d78ac1e674b ("...")`, `Fixes:
  // net-next: 1234abcd... ("...")`): the id is there, after a word scripts do not expect. Only when a
  // quoted subject follows the id, so that prose after `Fixes:` is not read as a tag.
  const tree = word ? null : /^([A-Za-z][\w.-]*\/[\w./-]*[\w-]|[A-Za-z][\w.-]*:)\s+(?=[0-9a-fA-F]{5,}\s*\(?\s*["\u201c])/.exec(rest);
  if (tree) {
    add('fixes/leading-word', { word: tree[1].replace(/:$/, '') });
    rest = rest.slice(tree[0].length);
  }
  const tok = ID_TOKEN.exec(rest);
  // An all-letter token (`bbfafddb`) may be a word; followed by a quoted subject it is an id.
  const subjectFollows = tok !== null && tok[2] === '' && /^\s*\(?\s*["\u201c]/.test(rest.slice(tok[0].length));
  if (!tok || !(looksLikeId(tok[1]) || (tok[1].length >= 5 && subjectFollows))) {
    add('fixes/no-sha');
    return finish(out, style, add);
  }
  const hex = tok[1];
  out.ids.push(hex.toLowerCase());
  if (/[A-F]/.test(hex)) style.push('upper-case hexadecimal');
  if (hex.length < minShaLength) add('fixes/short-sha', { min: minShaLength });
  rest = rest.slice(hex.length);
  const listed = /^[,;]\s*[0-9a-fA-F]{5,}\b/.test(rest);
  if ((tok[2] !== '' && !listed) || rest.startsWith('(')) {
    // Junk glued to the id (`1234abcd:`, `1234abcd,`, `1234abcdi`) or `1234abcd("...")`.
    add('fixes/missing-space');
    rest = rest.slice(tok[2].length);
  }
  rest = rest.replace(/^[\s,;:]+/, '');
  // Several ids in one tag: `Fixes: aaaa, bbbb` or `Fixes: aaaa and bbbb`.
  for (;;) {
    const more = /^(?:and\s+|&\s*|\/\s*)?([0-9a-fA-F]+)(?=$|[\s,;(])[\s,;]*/.exec(rest);
    if (!more || !looksLikeId(more[1])) break;
    out.ids.push(more[1].toLowerCase());
    rest = rest.slice(more[0].length);
  }
  if (out.ids.length > 1) style.push('one commit per Fixes tag');
  if (rest === '') {
    add('fixes/missing-subject');
    return finish(out, style, add);
  }
  parseSubject(rest, out, style, add);
  return finish(out, style, add);
}

function finish(out: ParsedFixesLine, style: string[], add: (id: FormatId, data?: Record<string, string | number>) => void): ParsedFixesLine {
  if (style.length > 0) add('fixes/style', { what: style.join(', ') });
  return out;
}

/** Read `("subject")` and its mangled forms; records quoting problems or an unterminated tag. */
function parseSubject(
  rest: string,
  out: ParsedFixesLine,
  style: string[],
  add: (id: FormatId, data?: Record<string, string | number>) => void,
): void {
  const quoting: string[] = [];
  let inner = rest;
  if (rest.startsWith('(')) {
    const close = rest.lastIndexOf(')');
    if (close <= 0) {
      out.unterminated = true;
      out.subject = stripOpenQuote(rest.slice(1));
      add('fixes/split');
      return;
    }
    inner = rest.slice(1, close);
    const q = CLOSERS[inner[0] ?? ''];
    if (q !== undefined && !(inner.length >= 2 && q.includes(inner[inner.length - 1]))) {
      // `("foo() bar` : the parenthesis that closed belongs to the subject; the quote never closes.
      out.unterminated = true;
      out.subject = rest.slice(2);
      add('fixes/split');
      return;
    }
    if (rest.slice(close + 1).trim() !== '') style.push('text after the subject');
  } else {
    quoting.push('no parentheses');
  }
  const open = inner[0] ?? '';
  const closers = CLOSERS[open];
  if (closers === undefined) {
    quoting.push('no quotes');
    out.subject = inner.trim();
  } else if (inner.length >= 2 && closers.includes(inner[inner.length - 1])) {
    if (open !== '"' || inner[inner.length - 1] !== '"') quoting.push(open === "'" || open === '‘' ? 'single quotes' : 'curly quotes');
    out.subject = inner.slice(1, -1);
  } else {
    // The quote opened but does not close on this line: wrapped inside the subject.
    out.unterminated = true;
    out.subject = inner.slice(1);
    add('fixes/split');
    return;
  }
  if (out.subject.includes('…')) quoting.push("the '…' character instead of '...'");
  if (quoting.length > 0) add('fixes/quoting', { what: quoting.join(', ') });
}

function stripOpenQuote(s: string): string {
  return CLOSERS[s[0] ?? ''] !== undefined ? s.slice(1) : s;
}
