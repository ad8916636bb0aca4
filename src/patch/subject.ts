// Parses a mail subject's prefix (`Re: [f2fs-dev] [RFC PATCH net-next v3 2/7] summary`) into a SubjectPrefix,
// the way b4 and patchwork read it: reply markers, list tags, the patch tag's version, counter, flags and tree.
import type { SubjectPrefix } from '../core/types.js';
import { FLAG_WORDS, FORWARD_MARKERS, PATCH_WORDS, REPLY_MARKERS } from './subject-words.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const markerRe = (words: readonly string[]): RegExp =>
  new RegExp(`^(?:${[...words].sort((a, b) => b.length - a.length).map(escape).join('|')})(?:\\s*[[(]\\d+[\\])])?\\s*[:：]\\s*`, 'iu');
const REPLY_RE = markerRe(REPLY_MARKERS);
const FORWARD_RE = markerRe(FORWARD_MARKERS);
const BRACKET_RE = /^\[([^\]]*)\]\s*/;

const VERSION_RE = /^v(\d+)$/i;
/** `PATCHv3`, `RFCv2`, `PATCH-v2`: a patch word glued to its version. */
const GLUED_RE = /^(patch|rfc|rft)-?v(\d+)$/i;
const COUNTER_RE = /^(\d+)\/(\d+)$/;

interface TagFacts {
  isPatch: boolean;
  version: number | null;
  index: number | null;
  total: number | null;
  rfc: boolean;
  resend: boolean;
  tree: string[];
}

const isPatchWord = (w: string): boolean => PATCH_WORDS.includes(w.toLowerCase()) || GLUED_RE.test(w);
const isTagWord = (w: string): boolean => FLAG_WORDS.includes(w.toLowerCase()) || GLUED_RE.test(w) || VERSION_RE.test(w);

/**
 * A patch word joined to other words by dashes, as real list mail writes it: `[PATCH-RFC]`,
 * `[RFC-PATCH]`, `[PATCH -RFC 1/2]`, `[PATCH-next v3]`, `[PATCH-block v2 1/3]`, `[STABLE-PATCH]`.
 * The tag words at either end come apart; what is left in the middle is one word (a tree name
 * keeps its own dashes: `PATCH-net-next` is PATCH and net-next). Words without a patch word at an
 * end (`net-next`, `btrfs-progs`, `-next`) stay whole.
 */
function splitDashed(word: string): string[] {
  if (!word.includes('-') || isTagWord(word)) return [word];
  const parts = word.split('-');
  let i = 0;
  let j = parts.length;
  while (i < j && isTagWord(parts[i])) i++;
  while (j > i && isTagWord(parts[j - 1])) j--;
  if (![...parts.slice(0, i), ...parts.slice(j)].some(isPatchWord)) return [word];
  const middle = parts.slice(i, j).filter(Boolean).join('-');
  return [...parts.slice(0, i), ...(middle ? [middle] : []), ...parts.slice(j)];
}

/** Reads the words of one bracket group; isPatch is false when no patch word is among them. */
function readTag(tag: string): TagFacts {
  const facts: TagFacts = { isPatch: false, version: null, index: null, total: null, rfc: false, resend: false, tree: [] };
  // `RFC/PATCH`, `PATCH,v2` and `PATCH v2,1/3` all occur; `/` only separates words when it is not a counter.
  const words = tag
    .split(/[\s,]+/)
    .flatMap((w) => (COUNTER_RE.test(w) ? [w] : w.split('/')))
    .flatMap(splitDashed)
    .filter(Boolean);
  for (const word of words) {
    const lower = word.toLowerCase();
    const glued = GLUED_RE.exec(word);
    const counter = COUNTER_RE.exec(word);
    const version = VERSION_RE.exec(word);
    if (glued) {
      facts.isPatch = true;
      facts.version = Number(glued[2]);
      if (glued[1].toLowerCase() !== 'patch') facts.rfc = true;
    } else if (counter) {
      facts.index = Number(counter[1]);
      facts.total = Number(counter[2]);
    } else if (version) {
      facts.version = Number(version[1]);
    } else if (FLAG_WORDS.includes(lower) || /^resend\d*$/.test(lower)) {
      if (PATCH_WORDS.includes(lower)) facts.isPatch = true;
      if (lower === 'rfc' || lower === 'rft') facts.rfc = true;
      if (lower.startsWith('resend') || lower === 'repost') facts.resend = true;
    } else {
      // `-next` names the linux-next tree; the dash only marks the word as a tree.
      const tree = word.replace(/^-+/, '');
      if (tree) facts.tree.push(tree);
    }
  }
  return facts;
}

/** Fills the patch tag's missing version and counter from bracket groups of their own. */
function adoptLoose(patch: TagFacts, loose: TagFacts[]): void {
  for (const l of loose) {
    patch.version ??= l.version;
    if (patch.index === null && l.index !== null) {
      patch.index = l.index;
      patch.total = l.total;
    }
  }
}

/** Strips one reply or forward marker; returns null when there is none. */
function stripMarker(s: string): { rest: string; reply: boolean } | null {
  const reply = REPLY_RE.exec(s);
  if (reply) return { rest: s.slice(reply[0].length), reply: true };
  const fwd = FORWARD_RE.exec(s);
  if (fwd) return { rest: s.slice(fwd[0].length), reply: false };
  return null;
}

export function parseSubject(subject: string): SubjectPrefix {
  let rest = subject.replace(/\s+/g, ' ').trim();
  const tags: string[] = [];
  let isReply = false;
  let patch: TagFacts | null = null;
  // Counters and versions sometimes stand in a bracket group of their own: `[PATCH] [v2] [1/3]`.
  const loose: TagFacts[] = [];
  for (;;) {
    const marker = stripMarker(rest);
    if (marker) {
      // A marker after the patch tag (`[PATCH] Re: foo`) is part of the summary.
      if (patch) break;
      isReply ||= marker.reply;
      rest = marker.rest;
      continue;
    }
    const bracket = BRACKET_RE.exec(rest);
    if (!bracket) break;
    const text = bracket[1].trim();
    const facts = readTag(text);
    tags.push(text);
    rest = rest.slice(bracket[0].length);
    if (facts.isPatch && !patch) patch = facts;
    else if (!facts.isPatch && facts.tree.length === 0) loose.push(facts);
  }
  const merged: TagFacts | null = patch;
  if (merged) adoptLoose(merged, loose);
  return {
    tags,
    isPatch: merged !== null,
    isReply,
    version: merged?.version ?? 1,
    index: merged?.index ?? null,
    total: merged?.total ?? null,
    rfc: merged?.rfc ?? false,
    resend: merged?.resend ?? false,
    tree: merged && merged.tree.length > 0 ? merged.tree.join(' ') : null,
    summary: rest.trim(),
  };
}
