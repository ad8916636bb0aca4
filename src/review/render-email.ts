// Renders a patch's review as a plain-text reply the way kernel reviewers write them: an
// attribution line, trimmed `> ` quotes of the patch lines, each note right under its lines.
import { createHash } from 'node:crypto';
import { Eta } from 'eta';
import type { Finding, Hunk, Patch, PatchReview, Person, Review, Series } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import { buildRawMail, encodeHeaderText, formatAddress, isValidAddress, sanitizeHeaderValue } from '../sinks/mail-format.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { wrapProse } from './wrap.js';
import { packagePath } from '../core/paths.js';

export const DEFAULT_EMAIL_TEMPLATES = packagePath('templates', 'email') + '/';

export interface BotIdentity {
  name: string;
  address: string;
  /** Domain of generated Message-IDs; defaults to the address's domain. */
  domain?: string;
  /** How to reach a human about a wrong finding. */
  human?: string;
  /** One line on how a list or an author opts out. */
  optOut?: string;
}

export interface EmailContext {
  series: Series;
  policy: { replyAll: boolean; extraCc?: string[] };
  bot: BotIdentity;
  /** The first version in which this problem was already reported, if any (for "still present in vN"). */
  reportedIn?: (key: string) => number | null;
  /** Replaces the default templates directory (a list owner's copy). */
  templatesDir?: string;
  /** Date header; defaults to now. */
  date?: Date;
  /** One sentence on where else this review lives (the GitHub pull request it was made on), or none. */
  via?: string;
  /** Findings written out in full; the rest are summarised in a few lines (limits.findingsPerMail). */
  findingsPerMail?: number;
  /**
   * Whether this mail carries the remarks about the whole series (parts that never came): true
   * for one mail of a series only, so the same paragraph is not repeated under every patch.
   */
  seriesRemarks?: boolean;
}

export interface EmailReply {
  /** Without angle brackets. */
  messageId: string;
  subject: string;
  /** Header name -> value, in order, values sanitised and encoded. */
  headers: [string, string][];
  to: string[];
  cc: string[];
  text: string;
  /** The complete message, CRLF line ends. */
  raw: string;
  /** The keys of the findings it reports (for "still present" later). */
  findingKeys: string[];
}

const engines = new Map<string, Eta>();
function engine(dir: string): Eta {
  let e = engines.get(dir);
  if (!e) {
    e = new Eta({ views: dir, autoEscape: false, autoTrim: false, cache: false });
    engines.set(dir, e);
  }
  return e;
}

/** Where a finding sits in a patch, so that notes follow the patch from top to bottom. */
interface Place {
  order: [number, number, number];
  key: string;
}

function fileIndexOf(patch: Patch, path: string): number {
  return patch.files.findIndex((f) => f.newPath === path || (f.newPath === null && f.oldPath === path));
}

function locate(patch: Patch, f: Finding): { hunk: Hunk; fileIdx: number; hunkIdx: number; lineIdx: number } | null {
  if (f.location.kind !== 'file') return null;
  const { path, line } = f.location;
  const fileIdx = fileIndexOf(patch, path);
  if (fileIdx < 0) return null;
  const hunks = patch.files[fileIdx].hunks;
  for (let h = 0; h < hunks.length; h++) {
    const lineIdx = hunks[h].lines.findIndex((l) => l.newLine === line);
    if (lineIdx >= 0) return { hunk: hunks[h], fileIdx, hunkIdx: h, lineIdx };
  }
  return null;
}

function placeOf(patch: Patch, f: Finding): Place {
  const loc = f.location;
  if (loc.kind === 'patch') return { order: [0, 0, 0], key: 'patch' };
  if (loc.kind === 'message') return { order: [0, loc.line, 0], key: `m:${loc.line}` };
  const at = locate(patch, f);
  if (!at) return { order: [1 + Math.max(0, fileIndexOf(patch, loc.path)), Number.MAX_SAFE_INTEGER, loc.line], key: `f:${loc.path}:${loc.line}` };
  return { order: [1 + at.fileIdx, at.hunkIdx, at.lineIdx], key: `f:${loc.path}:${loc.line}` };
}

function comparePlaces(a: Place, b: Place): number {
  for (let i = 0; i < 3; i++) if (a.order[i] !== b.order[i]) return a.order[i] - b.order[i];
  return 0;
}

/**
 * A key for "the same problem in the same place" that survives a new version: the finding id and
 * the text of the line it is on (line numbers move between versions, the line's text rarely does).
 */
export function findingKey(patch: Patch, f: Finding, messageLines = patch.message.split('\n')): string {
  const loc = f.location;
  let where = 'patch';
  if (loc.kind === 'message') where = `message:${(messageLines[loc.line - 1] ?? '').trim()}`;
  else if (loc.kind === 'file') {
    const at = locate(patch, f);
    where = `${loc.path}:${at ? at.hunk.lines[at.lineIdx].text.trim() : loc.line}`;
  }
  return `${f.id}\0${where}`;
}

function diffMarker(kind: 'add' | 'del' | 'ctx'): string {
  return kind === 'add' ? '+' : kind === 'del' ? '-' : ' ';
}

/** Quoted lines of a hunk around the finding and the related lines in the same hunk, cuts as [...]. */
function quoteHunk(patch: Patch, f: Finding, at: NonNullable<ReturnType<typeof locate>>, firstInFile: boolean): string[] {
  const file = patch.files[at.fileIdx];
  const h = at.hunk;
  const keys = new Set<number>([at.lineIdx]);
  for (const r of f.related ?? []) {
    if (r.location.kind !== 'file' || r.location.path !== (file.newPath ?? file.oldPath)) continue;
    const line = r.location.line;
    const idx = at.hunk.lines.findIndex((l) => l.newLine === line);
    if (idx >= 0 && idx <= at.lineIdx) keys.add(idx);
  }
  // Two lines of context before each key line; everything after the finding line is trimmed.
  const shown = new Set<number>();
  for (const k of keys) for (let i = Math.max(0, k - 2); i <= k; i++) shown.add(i);
  // A statement split over lines is quoted to its end, so the quote never stops mid-call.
  for (let i = at.lineIdx, n = 0; n < 4 && i + 1 < h.lines.length && !/[;{}:]\s*$/.test(h.lines[i].text) && h.lines[i + 1].kind !== 'del'; i++, n++) shown.add(i + 1);
  const out: string[] = [];
  if (firstInFile) out.push(`> diff --git a/${file.oldPath ?? file.newPath} b/${file.newPath ?? file.oldPath}`);
  out.push(`> @@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`);
  let last = -1;
  for (const i of [...shown].sort((a, b) => a - b)) {
    if (i !== last + 1) out.push('[...]');
    const l = h.lines[i];
    out.push(`> ${diffMarker(l.kind)}${l.text}`);
    last = i;
  }
  return out;
}

function quoteMessage(patch: Patch, line: number): string[] {
  const lines = patch.message.split('\n');
  const trailer = patch.trailers.find((t) => t.line === line);
  const text = trailer ? trailer.raw.split('\n') : [lines[line - 1] ?? ''];
  return text.map((t) => (t ? `> ${t}` : '>'));
}

/**
 * The lines of the patch a finding is about, quoted as a reply quotes them (`> ` and the line as
 * written): the web view shows them beside the finding.
 */
export function quoteFinding(patch: Patch, f: Finding): string[] {
  const loc = f.location;
  if (loc.kind !== 'file') return quoteMessage(patch, loc.kind === 'message' ? loc.line : 1);
  const at = locate(patch, f);
  return at ? quoteHunk(patch, f, at, true) : [`> +++ b/${loc.path}`];
}

/** The function a hunk header names (`@@ ... @@ static int foo(struct bar *b)` -> `foo`), or null. */
function functionOf(h: Hunk): string | null {
  return /([A-Za-z_]\w*)\s*\(/.exec(h.section)?.[1] ?? null;
}

/**
 * The places a note mentions that its quote does not show, as a reviewer names them: by function
 * and one copied line when the patch has the line, by file otherwise; never by line number.
 */
function relatedElsewhere(f: Finding, at: ReturnType<typeof locate>, patch: Patch): string[] {
  const out: string[] = [];
  for (const r of f.related ?? []) {
    const l = r.location;
    if (l.kind !== 'file') continue;
    const inQuote = at && at.hunk.lines.some((x) => x.newLine === l.line) && (patch.files[at.fileIdx].newPath === l.path);
    if (inQuote) continue;
    const there = locate(patch, { ...f, location: l });
    if (!there) {
      out.push(`${r.label} (in ${l.path}).`);
      continue;
    }
    const fn = functionOf(there.hunk);
    const label = fn && fn !== (at && functionOf(at.hunk)) ? `${r.label}, in ${fn}():` : `${r.label}:`;
    out.push(`${label}\n\t${there.hunk.lines[there.lineIdx].text.trim()}`);
  }
  return out;
}

/** A citation as the list writes one: 12+ hex digits and the subject in ("..."). */
const CITATION = /^[0-9a-f]{12,40} \(".*"\)$/;

/** Line numbers mean nothing to a reader of the mail, who sees the quote and the functions it names. */
const LINE_REFS: [RegExp, string][] = [
  [/ \((?:taken )?at line \d+\)/g, ''],
  [/ \(line \d+\)/g, ''],
  [/ at line \d+/g, ''],
];
/** A sentence that hedges the whole note; one is honest, two read as the bot not believing itself. */
const HEDGE = /[^.?!]*\b(?:may|might) be (?:a false alarm|incomplete|wrong)\b[^.?!]*[.?!]/g;
/** Starts like a clause whose subject was left out (`returns with ...`), not with an identifier (`foo() is ...`). */
const isFragment = (s: string): boolean => /^[a-z]/.test(s) && !/^[a-z_]\w*(?:\(|->|\.)/.test(s);
const capitalise = (s: string): string => (isFragment(s) ? s[0].toUpperCase() + s.slice(1) : s);

/**
 * The note's prose as the mail says it: a headline written as a fragment (`returns with ... held`)
 * is left out when the explanation says the same as a sentence; no line numbers; one hedge at most.
 */
function noteProse(f: Finding): string {
  const plain = (s: string) => LINE_REFS.reduce((t, [re, by]) => t.replace(re, by), s.trim());
  const message = plain(f.message).replace(/\s*$/, '');
  const explanation = f.explanation ? plain(f.explanation) : '';
  let prose: string;
  if (explanation && isFragment(message)) prose = capitalise(explanation);
  else prose = [capitalise(message), explanation].filter(Boolean).join(/[.?!]$/.test(message) ? ' ' : '. ');
  let hedged = false;
  prose = prose.replace(HEDGE, (h) => (hedged ? '' : ((hedged = true), h)));
  return prose.replace(/\s{2,}/g, ' ').trim();
}

/** A commit cited in prose, `sha12 ("subject")`: one unit a wrapped line never splits. */
const INLINE_CITATION = /\b[0-9a-f]{12,40} \("[^"\n]*"\)/g;
const GLUE = '\u0000';

/** Prose wrapped at 72 columns, with each inline citation kept on one line (as the list cites commits). */
function wrapNote(text: string): string[] {
  const glued = text.replace(INLINE_CITATION, (c) => c.replace(/ /g, GLUE));
  return wrapProse(glued).map((l) => l.replaceAll(GLUE, ' '));
}

/** `said` holds the citations and suggestions already written in this block, so two notes on one line do not repeat them. */
function noteLines(f: Finding, version: number, reportedIn: number | null, extra: string[], said: Set<string>): string[] {
  if (reportedIn !== null) return wrapProse(`Still present in v${version} (first noted on v${reportedIn}): ${noteProse({ ...f, explanation: undefined })}`);
  const prose = noteProse(f);
  const lines = wrapNote(prose);
  for (const e of extra) {
    // A copied code line (after a tab) is quoted as it is, never wrapped.
    const [text, code] = e.split('\n\t');
    lines.push(...wrapProse(text));
    if (code !== undefined) lines.push(`\t${code}`);
  }
  // A bare id tells the reader nothing, and a commit the note or the ready line already names is not cited again.
  const evidence = (f.evidence ?? []).filter((e) => CITATION.test(e) && !said.has(e) && !prose.includes(e) && !f.suggestion?.includes(e));
  if (evidence.length) {
    lines.push('');
    // Commit citations are never wrapped: `sha12 ("subject")` must stay on one line.
    for (const e of evidence) {
      lines.push(`  ${e}`);
      said.add(e);
    }
  }
  if (f.suggestion && !said.has(f.suggestion)) {
    lines.push('');
    // Ready to paste: unindented and unwrapped.
    lines.push(...f.suggestion.split('\n'));
    said.add(f.suggestion);
  }
  return lines;
}

function attribution(patch: Patch): string {
  const who = patch.author.name || patch.author.email;
  if (!patch.date) return `${who} wrote:`;
  const d = new Date(patch.date);
  const when = Number.isNaN(d.getTime()) ? sanitizeHeaderValue(patch.date) : rfc2822(d);
  return `On ${when}, ${who} wrote:`;
}

/** `Tue, 24 Nov 2026 10:00:00 +0000`, the form mail headers and attribution lines use. */
function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function uniqByEmail(people: Person[], exclude: Set<string>): Person[] {
  const seen = new Set(exclude);
  const out: Person[] = [];
  for (const p of people) {
    const k = p.email.toLowerCase();
    if (!isValidAddress(p.email) || seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out;
}

/** A relay (B4 Relay, a list rewriting From) sends on someone's behalf; it is never a recipient. */
function isRelay(from: Person | null | undefined, author: Person): boolean {
  return !!from && from.email.toLowerCase() !== author.email.toLowerCase() && (/\bvia\b/i.test(from.name) || /relay|devnull/i.test(from.email));
}

/** The author to answer: the decoded author, or the Reply-To of a relay when the author is the relay itself. */
function authorOf(patch: Patch): Person {
  const from = patch.mail?.from;
  const relayedAsAuthor = from && from.email.toLowerCase() === patch.author.email.toLowerCase() && (/\bvia\b/i.test(from.name) || /relay|devnull/i.test(from.email));
  if (relayedAsAuthor && patch.mail?.replyTo.length) return patch.mail.replyTo[0];
  return patch.author;
}

/** Recipients: the author, and (reply-all) the original sender, To and Cc, without the bot or a relay, each once. */
export function recipients(patch: Patch, policy: EmailContext['policy'], botAddress: string): { to: Person[]; cc: Person[] } {
  const bot = botAddress.toLowerCase();
  const author = authorOf(patch);
  const to = uniqByEmail([author], new Set([bot]));
  const from = patch.mail?.from;
  const sender = from && !isRelay(from, author) && from.email.toLowerCase() !== patch.author.email.toLowerCase() ? [from] : [];
  const others: Person[] = policy.replyAll && patch.mail ? [...sender, ...patch.mail.to, ...patch.mail.cc] : [];
  const extra = (policy.extraCc ?? []).map((e) => ({ name: '', email: e }));
  // author !== patch.author only when the decoded author was the relay itself.
  const relay = from && (isRelay(from, author) || author !== patch.author) ? from.email.toLowerCase() : null;
  const cc = uniqByEmail(
    [...others, ...extra].filter((p) => p.email.toLowerCase() !== relay),
    new Set([bot, ...to.map((p) => p.email.toLowerCase())]),
  );
  return { to, cc };
}

export function replyMessageId(series: Series, patch: Patch, keys: string[], domain: string): string {
  const h = createHash('sha256').update(`${series.id}\0v${series.version}\0${patch.id}\0${[...keys].sort().join('\n')}`).digest('hex');
  return `kreview-${h.slice(0, 32)}@${domain}`;
}

/** Findings whose verdict depends on which history was read: the base is named when one of them is mailed. */
const BASE_DEPENDENT = new Set(['fixes/unknown-sha', 'fixes/ambiguous-sha', 'fixes/not-a-commit', 'fixes/not-ancestor', 'fixes/target-reverted', 'fixes/already-fixed']);

/** The pipeline's base label when no repository was given (src/git/workspace.ts). */
const NO_REPOSITORY = 'no repository';

/** The base, said only where a finding depends on it: a verdict on history, or code read without its file. */
function baseLine(pr: PatchReview, findings: Finding[]): string | null {
  if (pr.base.label === NO_REPOSITORY) return null;
  if (pr.applied === false && findings.some((f) => f.location.kind === 'file')) return `The patch did not apply to ${pr.base.label}, so only its hunks were read.`;
  if (findings.some((f) => BASE_DEPENDENT.has(f.id))) return `Commit ids were looked up at ${pr.base.label}.`;
  return null;
}

/** Without a repository, Fixes: ids are never looked up: said once, so silence is not read as "checked". */
function uncheckedLine(pr: PatchReview): string | null {
  if (pr.base.label !== NO_REPOSITORY || !pr.patch.trailers.some((t) => t.key.toLowerCase() === 'fixes')) return null;
  return 'The commit ids in the Fixes: tags were not looked up: no repository was at hand.';
}

/** `and 9,995 more Fixes: problems of the same kinds: fixes/unknown-sha (9,990), ...`: the findings past the cap, in a few lines. */
function moreLine(rest: Finding[], shown: Finding[]): string | null {
  if (!rest.length) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  const counts = new Map<string, number>();
  for (const f of rest) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
  const kinds = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const family = rest.every((f) => f.id.startsWith('fixes/')) ? 'Fixes: problems' : rest.every((f) => f.id.startsWith('lock/')) ? 'locking notes' : 'notes';
  const shownIds = new Set(shown.map((f) => f.id));
  const same = kinds.every(([id]) => shownIds.has(id)) ? 'of the same kinds' : 'of these kinds';
  const listed = kinds.slice(0, 4).map(([id, c]) => `${id} (${n(c)})`).join(', ');
  const others = kinds.length > 4 ? `, and ${n(kinds.length - 4)} other kinds` : '';
  return `And ${n(rest.length)} more ${family} ${same}: ${listed}${others}. They are not quoted here.`;
}

function missingLine(series: Series): string | null {
  if (series.complete || !series.missing.length) return null;
  const have = series.patches.map((p) => p.prefix.index).filter((i): i is number => i !== null);
  const many = series.missing.length > 1;
  return `Only part of this series arrived (${have.join(', ')} of ${series.total ?? '?'}); patch${many ? 'es' : ''} ${series.missing.join(', ')} did not come in time and ${many ? 'were' : 'was'} not reviewed.`;
}

function headersFor(patch: Patch, subject: string, messageId: string, to: Person[], cc: Person[], ctx: EmailContext): [string, string][] {
  const parent = patch.mail?.messageId ?? patch.id;
  const refs = [...new Set([...(patch.mail?.references ?? []), parent])].map(sanitizeHeaderValue).filter((r) => r && !/[<>\s]/.test(r));
  const h: [string, string][] = [
    ['From', formatAddress({ name: ctx.bot.name, email: ctx.bot.address })],
    ['To', to.map(formatAddress).join(', ')],
  ];
  if (cc.length) h.push(['Cc', cc.map(formatAddress).join(', ')]);
  h.push(
    ['Subject', encodeHeaderText(subject)],
    ['Date', rfc2822(ctx.date ?? new Date())],
    ['Message-ID', `<${messageId}>`],
  );
  if (!/[<>\s]/.test(sanitizeHeaderValue(parent))) h.push(['In-Reply-To', `<${sanitizeHeaderValue(parent)}>`]);
  if (refs.length) h.push(['References', refs.map((r) => `<${r}>`).join(' ')]);
  h.push(['Auto-Submitted', 'auto-generated'], ['X-Patchwork-Hint', 'ignore']);
  return h;
}

function replySubject(subject: string): string {
  const s = sanitizeHeaderValue(subject);
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

function finish(text: string): string {
  // Keep the "-- " separator's trailing space; drop blank lines at the end.
  return `${text.replace(/\n+$/, '')}\n`;
}

/** The reply to one patch, or null when it has no findings. */
export function renderEmailReply(review: PatchReview, ctx: EmailContext): EmailReply | null {
  const patch = review.patch;
  if (!review.findings.length) return null;
  const version = ctx.series.version;
  const messageLines = patch.message.split('\n');
  const placed = review.findings.map((f) => ({ f, place: placeOf(patch, f), key: findingKey(patch, f, messageLines) }));
  placed.sort((a, b) => comparePlaces(a.place, b.place) || SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.f.id.localeCompare(b.f.id));
  // Past the cap the mail summarises: a patch with 10,000 bad tags gets a few lines, not megabytes.
  const cap = Math.max(1, ctx.findingsPerMail ?? DEFAULT_LIMITS.findingsPerMail);
  const shown = placed.slice(0, cap);
  const rest = placed.slice(cap).map((p) => p.f);

  const blocks: { cut: boolean; quote: string[]; notes: string[] }[] = [];
  const filesQuoted = new Set<number>();
  let prevMessageLine = 0;
  for (let i = 0; i < shown.length; ) {
    const group = [shown[i]];
    while (i + group.length < shown.length && shown[i + group.length].place.key === shown[i].place.key) group.push(shown[i + group.length]);
    i += group.length;
    const first = group[0].f;
    const loc = first.location;
    let quote: string[] = [];
    // A file quote always skips something (the message, earlier hunks); a message quote only when not adjacent.
    let cut = true;
    const at = locate(patch, first);
    if (loc.kind === 'message' || loc.kind === 'patch') {
      const line = loc.kind === 'message' ? loc.line : 1;
      quote = quoteMessage(patch, line);
      cut = line > prevMessageLine + 1;
      prevMessageLine = line;
    } else if (at) {
      quote = quoteHunk(patch, first, at, !filesQuoted.has(at.fileIdx));
      filesQuoted.add(at.fileIdx);
    } else {
      quote = [`> +++ b/${loc.path}`];
    }
    const notes: string[] = [];
    const said = new Set<string>();
    for (const g of group) {
      if (notes.length) notes.push('');
      notes.push(...noteLines(g.f, version, ctx.reportedIn?.(g.key) ?? null, relatedElsewhere(g.f, at, patch), said));
    }
    blocks.push({ cut, quote, notes });
  }

  const mailed = placed.map((p) => p.f);
  const remarks = [
    ctx.seriesRemarks === false ? null : missingLine(ctx.series),
    uncheckedLine(review),
    baseLine(review, mailed),
  ].filter((r): r is string => r !== null);
  return replyTo(patch, placed.map((p) => p.key), 'reply', { blocks, more: moreLine(rest, shown.map((p) => p.f)), remarks }, ctx);
}

/** One line after `-- `: that this is a bot, who runs it, how to stop it, each said once. */
export function signatureLine(bot: BotIdentity): string {
  const address = (s: string) => /[^\s<>"]+@[^\s<>"]+/.exec(s)?.[0] ?? null;
  const optOut = bot.optOut?.trim().replace(/[.\s]+$/, '');
  const human = bot.human?.trim();
  const humanAddress = human ? address(human) : null;
  let stop: string;
  if (optOut) stop = /\b(stop|mute|unsubscribe|opt[- ]?out|turn\b.*\boff|disable)\b/i.test(optOut) ? optOut : `to stop these mails: ${optOut}`;
  else if (humanAddress) stop = `write to ${humanAddress} to stop these mails`;
  else stop = 'ask the list owner to stop these mails';
  // The human's address is left out when the opt-out already gives it.
  const name = human && humanAddress && optOut?.includes(humanAddress) ? human.replace(/\s*<[^>]*>\s*/, '').trim() || null : human;
  const runBy = name ? ` run by ${name}` : '';
  return `${bot.name} is a bot${runBy}; ${stop[0].toLowerCase()}${stop.slice(1)}.`;
}

/** The reply under `parent`: recipients, deterministic Message-ID, the template's text, headers. */
function replyTo(parent: Patch, keys: string[], template: string, vars: Record<string, unknown>, ctx: EmailContext): EmailReply | null {
  const { to, cc } = recipients(parent, ctx.policy, ctx.bot.address);
  if (!to.length) return null;
  const domain = ctx.bot.domain ?? ctx.bot.address.split('@')[1] ?? 'localhost';
  const messageId = replyMessageId(ctx.series, parent, keys, domain);
  const subject = replySubject(parent.subject);
  const text = finish(
    engine(ctx.templatesDir ?? DEFAULT_EMAIL_TEMPLATES).render(template, {
      attribution: attribution(parent),
      ...vars,
      via: ctx.via ?? null,
      bot: ctx.bot,
      signature: signatureLine(ctx.bot),
      wrap: (t: string) => wrapProse(t).join('\n'),
    }),
  );
  const headers = headersFor(parent, subject, messageId, to, cc, ctx);
  return { messageId, subject, headers, to: to.map((p) => p.email), cc: cc.map((p) => p.email), text, raw: buildRawMail({ headers, text }), findingKeys: keys };
}

/** One summary reply to the cover letter (policy), or null without a cover or without findings. */
export function renderCoverSummary(review: Review, ctx: EmailContext): EmailReply | null {
  const cover = review.series.cover;
  const total = review.patches.reduce((n, p) => n + p.findings.length, 0);
  if (!cover || total === 0) return null;
  const lines = review.patches.map((p) => {
    const n = p.findings.length;
    const idx = p.patch.prefix.index ?? 1;
    return `  [${idx}/${review.series.total ?? review.patches.length}] ${p.patch.prefix.summary}: ${n ? `${n} note${n > 1 ? 's' : ''}` : 'nothing to report'}`;
  });
  const keys = review.patches.flatMap((p) => {
    const messageLines = p.patch.message.split('\n');
    return p.findings.map((f) => `${p.patch.id}\0${findingKey(p.patch, f, messageLines)}`);
  });
  const remarks = [ctx.seriesRemarks === false ? null : missingLine(review.series)].filter((r): r is string => r !== null);
  return replyTo(cover, keys, 'cover-summary', {
    quote: [`> ${cover.prefix.summary}`],
    intro: `${total} note${total > 1 ? 's' : ''} on this series, each sent as a reply to its patch:`,
    patches: lines,
    remarks,
  }, ctx);
}
