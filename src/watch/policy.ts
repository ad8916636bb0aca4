// The watch policy: one YAML file (bot identity, sources, sink, per-list rules), validated into
// plain objects with defaults, and re-read when the file changes.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KreviewConfig } from '../core/config.js';
import { defaultConfig, mergeConfig } from '../core/config.js';
import { DEFAULT_LIMITS, resolveLimits, type Limits } from '../core/limits.js';
import type { Patch, Severity } from '../core/types.js';
import { KreviewError, SEVERITIES } from '../core/types.js';
import { CONFIDENCES, DEFAULT_MAIL_RULES, type Confidence } from '../review/filter.js';
import type { BotIdentity } from '../review/render-email.js';
import { SMTP_DEFAULTS, type SmtpConfig } from '../sinks/smtp-sink.js';
import type { NntpSourceConfig } from '../sources/nntp.js';
import type { PatchworkConfig } from '../sinks/patchwork.js';

export type SourceConfig =
  /** `since`: where a first run starts (ms); null: at the archive's current end. */
  | { type: 'public-inbox'; path: string; name: string; since: number | null }
  | { type: 'maildir'; path: string; name: string }
  | { type: 'mbox'; path: string; name: string }
  | { type: 'imap'; name: string; host: string; port: number; secure: boolean; user: string; pass: string; mailbox: string; allowInsecureTls: boolean }
  | ({ type: 'nntp' } & NntpSourceConfig);

export type SinkConfig = { type: 'directory'; dir: string } | ({ type: 'smtp' } & SmtpConfig);

export interface ListPolicy {
  /** Key in rate limits and logs: the List-Id, else the address. */
  key: string;
  listId: string | null;
  address: string | null;
  /** Series on this list are reviewed from the mail and answered. */
  enabled: boolean;
  /**
   * `mode: moderated`: reviewed and answered like `enabled`, but each reply is held in the outbox
   * until a maintainer approves it in the web view (docs/web.md); a dropped one is never sent.
   */
  moderated: boolean;
  /**
   * `mode: github`: series on this list reach kreview as GitHub pull requests (kernel-patches-daemon);
   * the watcher records who sent what, and the GitHub App's review is mailed back under this entry's rules.
   */
  viaGithub: boolean;
  replyAll: boolean;
  extraCc: string[];
  minSeverity: Severity;
  /** Findings less sure than this are shown (JSON, GitHub, CLI) but not mailed; `high` by default. */
  minConfidence: Confidence;
  /** Check ids or finding-id prefixes to report; empty: all. */
  checks: string[];
  embargoHours: number;
  perListPerHour?: number;
  perThreadPerHour?: number;
  ignoreSenders: string[];
  /** Tree prefix (`net-next`) -> base revision; `default` for the rest. */
  bases: Record<string, string>;
  repo: string | null;
  /** A MAINTAINERS file to route patches by (else the repository's at HEAD). */
  maintainers: string | null;
  coverSummary: boolean;
  /** Post one check per patch to this patchwork instance (docs/mail.md); null: none. */
  patchwork: PatchworkConfig | null;
}

/** The web view (`kreview watch --http`, docs/web.md). */
export interface WebPolicy {
  /** Where people reach the web view (https://kreview.example.org); permalinks start here. null: no links. */
  url: string | null;
  /** Environment variable holding the token that lets a maintainer approve or drop held replies. */
  tokenEnv: string;
}

export interface WatchPolicy {
  file: string;
  web: WebPolicy;
  bot: BotIdentity & { domain: string };
  statePath: string;
  sink: SinkConfig;
  sources: SourceConfig[];
  lists: ListPolicy[];
  /** Used for a message that matches no list entry (muted unless configured). */
  fallback: ListPolicy;
  ignoreSenders: string[];
  /** A partial series is reviewed this long after its first part arrived. */
  partialWaitMs: number;
  /** A complete series waits this long after its last part (a late cover letter). */
  settleMs: number;
  pollMs: number;
  templatesDir: string | null;
  review: KreviewConfig;
  /** Top-level `limits:` (what one message may cost); the same object as review.limits. */
  limits: Limits;
  /** Seen messages, kept headers, sent replies and reviewed series older than this are forgotten (0: never). */
  retentionDays: number;
}

type Raw = Record<string, unknown>;

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(private readonly file: string) {}
  fail(where: string, what: string): never {
    throw new KreviewError(`policy ${this.file}: ${where}: ${what}`);
  }
  str(o: Raw, k: string, where: string, def?: string): string {
    const v = o[k];
    if (v === undefined || v === null) {
      if (def !== undefined) return def;
      this.fail(`${where}.${k}`, 'is required');
    }
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(`${where}.${k}`, 'must be a string');
    return String(v);
  }
  num(o: Raw, k: string, where: string, def: number): number {
    const v = o[k] ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(`${where}.${k}`, 'must be a number >= 0');
    return v;
  }
  optNum(o: Raw, k: string, where: string): number | undefined {
    return o[k] === undefined ? undefined : this.num(o, k, where, 0);
  }
  bool(o: Raw, k: string, where: string, def: boolean): boolean {
    const v = o[k] ?? def;
    if (typeof v !== 'boolean') this.fail(`${where}.${k}`, 'must be true or false');
    return v;
  }
  strs(o: Raw, k: string, where: string): string[] {
    const v = o[k] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(`${where}.${k}`, 'must be a list of strings');
    return v as string[];
  }
  path(o: Raw, k: string, where: string, base: string, def?: string): string {
    const p = this.str(o, k, where, def);
    return isAbsolute(p) ? p : resolve(base, p);
  }
}

/** `pwTarget`: the link a patchwork check carries when the list's own `patchwork.targetUrl` does not say. */
function readList(r: Reader, o: Raw, where: string, base: string, defaults: Partial<ListPolicy>, pwTarget: string | null): ListPolicy {
  const mode = r.str(o, 'mode', where, defaults.enabled ? 'enabled' : 'muted');
  if (mode !== 'enabled' && mode !== 'muted' && mode !== 'github' && mode !== 'moderated') r.fail(`${where}.mode`, 'must be enabled, moderated, muted or github');
  const reply = r.str(o, 'reply', where, defaults.replyAll === false ? 'author' : 'all');
  if (reply !== 'all' && reply !== 'author') r.fail(`${where}.reply`, 'must be all or author');
  const minSeverity = r.str(o, 'minSeverity', where, 'warning') as Severity;
  if (!SEVERITIES.includes(minSeverity)) r.fail(`${where}.minSeverity`, `must be one of ${SEVERITIES.join(', ')}`);
  const minConfidence = r.str(o, 'minConfidence', where, DEFAULT_MAIL_RULES.minConfidence) as Confidence;
  if (!CONFIDENCES.includes(minConfidence)) r.fail(`${where}.minConfidence`, `must be one of ${CONFIDENCES.join(', ')}`);
  const bases = o.bases ?? {};
  if (!isObj(bases) || Object.values(bases).some((v) => typeof v !== 'string')) r.fail(`${where}.bases`, 'must map tree names to branches');
  const listId = o.id === undefined ? null : r.str(o, 'id', where).toLowerCase();
  const address = o.address === undefined ? null : r.str(o, 'address', where).toLowerCase();
  const rate = isObj(o.rateLimit) ? o.rateLimit : {};
  return {
    key: listId ?? address ?? 'default',
    listId,
    address,
    enabled: mode === 'enabled' || mode === 'moderated',
    moderated: mode === 'moderated',
    viaGithub: mode === 'github',
    replyAll: reply === 'all',
    extraCc: r.strs(o, 'extraCc', where),
    minSeverity,
    minConfidence,
    checks: r.strs(o, 'checks', where),
    embargoHours: r.num(o, 'embargoHours', where, 0),
    perListPerHour: r.optNum(rate, 'perListPerHour', `${where}.rateLimit`),
    perThreadPerHour: r.optNum(rate, 'perThreadPerHour', `${where}.rateLimit`),
    ignoreSenders: r.strs(o, 'ignoreSenders', where),
    bases: bases as Record<string, string>,
    repo: o.repo === undefined ? (defaults.repo ?? null) : r.path(o, 'repo', where, base),
    maintainers: o.maintainers === undefined ? (defaults.maintainers ?? null) : r.path(o, 'maintainers', where, base),
    coverSummary: r.bool(o, 'coverSummary', where, false),
    patchwork: readPatchwork(r, o.patchwork, `${where}.patchwork`, pwTarget),
  };
}

/** The permalink of a patch's page in the web view, as a patchwork `targetUrl` (`{msgid}` is filled in per patch). */
export const webPatchUrl = (web: WebPolicy): string | null => (web.url ? `${web.url}/patch/{msgid}` : null);

function readWeb(r: Reader, o: unknown): WebPolicy {
  if (o === undefined) return { url: null, tokenEnv: 'KREVIEW_WEB_TOKEN' };
  if (!isObj(o)) r.fail('web', 'must be a mapping (url, tokenEnv)');
  const url = o.url === undefined ? null : r.str(o, 'url', 'web').replace(/\/+$/, '');
  if (url !== null && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(url)) r.fail('web.url', 'must be an http(s) URL');
  return { url, tokenEnv: r.str(o, 'tokenEnv', 'web', 'KREVIEW_WEB_TOKEN') };
}

function readPatchwork(r: Reader, o: unknown, where: string, defaultTarget: string | null): PatchworkConfig | null {
  if (o === undefined) return null;
  if (!isObj(o)) r.fail(where, 'must be a mapping (url, project, tokenEnv, targetUrl)');
  const url = r.str(o, 'url', where);
  if (!/^https?:\/\/[^/\s]+/.test(url)) r.fail(`${where}.url`, 'must be an http(s) URL');
  // Without its own targetUrl a check links to the patch's page in the web view (when web.url is set).
  const targetUrl = o.targetUrl === undefined ? defaultTarget : r.str(o, 'targetUrl', where);
  if (targetUrl !== null && !/^https?:\/\//.test(targetUrl)) r.fail(`${where}.targetUrl`, 'must be an http(s) URL');
  return {
    url,
    project: o.project === undefined ? null : r.str(o, 'project', where),
    tokenEnv: r.str(o, 'tokenEnv', where, 'KREVIEW_PATCHWORK_TOKEN'),
    targetUrl,
  };
}

function readSince(r: Reader, o: Raw, where: string): number | null {
  const v = o.since;
  if (v === undefined || v === null) return null;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) r.fail(`${where}.since`, 'must be a date (2026-01-31, or an ISO time)');
  return ms;
}

function readSource(r: Reader, o: unknown, i: number, base: string): SourceConfig {
  const where = `sources[${i}]`;
  if (!isObj(o)) r.fail(where, 'must be a mapping');
  const type = r.str(o, 'type', where);
  if (type === 'public-inbox') {
    const path = r.path(o, 'path', where, base);
    return { type, path, name: r.str(o, 'name', where, `${type}:${path}`), since: readSince(r, o, where) };
  }
  if (type === 'maildir' || type === 'mbox') {
    const path = r.path(o, 'path', where, base);
    return { type, path, name: r.str(o, 'name', where, `${type}:${path}`) };
  }
  if (type === 'imap') {
    const host = r.str(o, 'host', where);
    return {
      type,
      host,
      port: r.num(o, 'port', where, 993),
      secure: r.bool(o, 'secure', where, true),
      user: r.str(o, 'user', where),
      pass: r.str(o, 'pass', where),
      mailbox: r.str(o, 'mailbox', where, 'INBOX'),
      allowInsecureTls: r.bool(o, 'allowInsecureTls', where, false),
      name: r.str(o, 'name', where, `imap:${host}`),
    };
  }
  if (type === 'nntp') {
    const host = r.str(o, 'host', where);
    const group = r.str(o, 'group', where);
    const since = o.since === undefined ? null : r.str(o, 'since', where);
    if (since !== null && Number.isNaN(Date.parse(since))) r.fail(`${where}.since`, 'must be a date (2026-12-01 or an ISO 8601 time)');
    const secure = r.bool(o, 'secure', where, false);
    return {
      type,
      host,
      port: r.num(o, 'port', where, secure ? 563 : 119),
      secure,
      group,
      since,
      timeoutMs: r.num(o, 'timeoutMs', where, 60_000),
      name: r.str(o, 'name', where, `nntp:${group}`),
    };
  }
  return r.fail(`${where}.type`, 'must be public-inbox, maildir, mbox, imap or nntp');
}

function readSink(r: Reader, o: unknown, base: string): SinkConfig {
  if (o === undefined) return { type: 'directory', dir: resolve(base, 'outbox') };
  if (!isObj(o)) r.fail('sink', 'must be a mapping');
  const type = r.str(o, 'type', 'sink', 'directory');
  if (type === 'directory') return { type, dir: r.path(o, 'dir', 'sink', base, 'outbox') };
  if (type !== 'smtp') r.fail('sink.type', 'must be directory or smtp');
  const dkim = o.dkim;
  return {
    type: 'smtp',
    host: r.str(o, 'host', 'sink'),
    port: r.num(o, 'port', 'sink', 25),
    secure: r.bool(o, 'secure', 'sink', false),
    user: o.user === undefined ? undefined : r.str(o, 'user', 'sink'),
    pass: o.pass === undefined ? undefined : r.str(o, 'pass', 'sink'),
    requireTLS: o.requireTLS === undefined ? undefined : r.bool(o, 'requireTLS', 'sink', true),
    rateLimit: r.optNum(o, 'rateLimit', 'sink'),
    rateDeltaMs: r.num(o, 'rateDeltaMs', 'sink', 1000),
    allowInsecureTls: r.bool(o, 'allowInsecureTls', 'sink', false),
    connectionTimeoutMs: r.num(o, 'connectionTimeoutSeconds', 'sink', SMTP_DEFAULTS.connectionTimeoutMs / 1000) * 1000,
    greetingTimeoutMs: r.num(o, 'greetingTimeoutSeconds', 'sink', SMTP_DEFAULTS.greetingTimeoutMs / 1000) * 1000,
    socketTimeoutMs: r.num(o, 'socketTimeoutSeconds', 'sink', SMTP_DEFAULTS.socketTimeoutMs / 1000) * 1000,
    dkim: isObj(dkim)
      ? { domainName: r.str(dkim, 'domainName', 'sink.dkim'), keySelector: r.str(dkim, 'keySelector', 'sink.dkim'), privateKeyFile: r.path(dkim, 'privateKeyFile', 'sink.dkim', base) }
      : undefined,
  };
}

/**
 * The daemon's limits unless the policy says otherwise: a quarter of the caches of a one-off review.
 * Its series come from anywhere in the tree, one after the other, so what the lock check keeps from
 * one is seldom what the next needs, and the peak is the daemon's: reviewing a 59-patch io-uring
 * series (REAL, across fs/) with the 6.1 tree, the RSS peaked at 532 MB with the 64 MiB of `kreview
 * review` and 422 MB with 32 MiB (heap growth bounded in both, bench/series-memory.ts, cold facts
 * cache); replaying 400 REAL linux-cifs messages with the tree, 406 MB with 32 MiB and 350 MB with
 * 16 MiB, the same stored reviews row for row and CPU seconds within the run-to-run noise (docs/replay.md).
 */
export const DAEMON_LIMITS: Readonly<Limits> = Object.freeze({ ...DEFAULT_LIMITS, cacheBytes: 16 << 20 });

/** Parses a policy document; `file` names it in errors and anchors relative paths. */
export function parsePolicy(text: string, file: string): WatchPolicy {
  const r: Reader = new Reader(file);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new KreviewError(`policy ${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) r.fail('top level', 'must be a mapping');
  const base = dirname(resolve(file));
  const botRaw = isObj(doc.bot) ? doc.bot : r.fail('bot', 'is required (name, address)');
  const address = r.str(botRaw, 'address', 'bot');
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address)) r.fail('bot.address', `${address} is not an address`);
  const bot = {
    name: r.str(botRaw, 'name', 'bot', 'kreview'),
    address,
    domain: r.str(botRaw, 'domain', 'bot', address.split('@')[1]),
    human: botRaw.human === undefined ? undefined : r.str(botRaw, 'human', 'bot'),
    optOut: botRaw.optOut === undefined ? undefined : r.str(botRaw, 'optOut', 'bot'),
  };
  const repo = doc.repo === undefined ? null : r.path(doc, 'repo', 'top level', base);
  const maintainers = doc.maintainers === undefined ? null : r.path(doc, 'maintainers', 'top level', base);
  const web = readWeb(r, doc.web);
  const pwTarget = webPatchUrl(web);
  const listsRaw = doc.lists ?? [];
  if (!Array.isArray(listsRaw)) r.fail('lists', 'must be a list');
  const lists = listsRaw.map((l, i) => {
    if (!isObj(l)) r.fail(`lists[${i}]`, 'must be a mapping');
    if (l.id === undefined && l.address === undefined) r.fail(`lists[${i}]`, 'needs an id (List-Id) or an address');
    return readList(r, l, `lists[${i}]`, base, { repo, maintainers }, pwTarget);
  });
  const fallback = readList(r, isObj(doc.default) ? doc.default : {}, 'default', base, { repo, maintainers }, pwTarget);
  const sourcesRaw = doc.sources ?? [];
  if (!Array.isArray(sourcesRaw)) r.fail('sources', 'must be a list');
  const timing = isObj(doc.timing) ? doc.timing : {};
  let review = { ...defaultConfig(), limits: resolveLimits(doc.limits, `policy ${file}: limits`, DAEMON_LIMITS) };
  if (doc.review !== undefined) {
    if (!isObj(doc.review)) r.fail('review', 'must be a mapping');
    review = mergeConfig(review, doc.review, `policy ${file}: review`);
  }
  return {
    file,
    web,
    bot,
    statePath: r.path(doc, 'state', 'top level', base, 'kreview-state.db'),
    sink: readSink(r, doc.sink, base),
    sources: sourcesRaw.map((s, i) => readSource(r, s, i, base)),
    lists,
    fallback,
    ignoreSenders: r.strs(doc, 'ignoreSenders', 'top level'),
    partialWaitMs: r.num(timing, 'partialWaitMinutes', 'timing', 30) * 60_000,
    settleMs: r.num(timing, 'settleSeconds', 'timing', 60) * 1000,
    pollMs: r.num(timing, 'pollSeconds', 'timing', 60) * 1000,
    templatesDir: doc.templates === undefined ? null : r.path(doc, 'templates', 'top level', base),
    review,
    limits: review.limits,
    retentionDays: r.num(doc, 'retentionDays', 'top level', 180),
  };
}

export function loadPolicy(file: string): WatchPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KreviewError(`cannot read policy ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePolicy(text, file);
}

/** Re-reads the policy when its file changes; a broken edit keeps the last good policy and reports once. */
export class PolicyWatcher {
  private stamp: string;
  current: WatchPolicy;

  constructor(
    readonly file: string,
    private readonly warn: (msg: string) => void,
  ) {
    this.current = loadPolicy(file);
    this.stamp = this.stampOf();
  }

  private stampOf(): string {
    try {
      const s = statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }

  /** Returns true when a changed policy was loaded. */
  refresh(): boolean {
    const stamp = this.stampOf();
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    try {
      this.current = loadPolicy(this.file);
      return true;
    } catch (e) {
      this.warn(`${(e as Error).message}; keeping the previous policy`);
      return false;
    }
  }
}

/** The list entries a message belongs to: by List-Id first, then by the addresses it went to. */
export function listsFor(patch: Patch, policy: WatchPolicy): ListPolicy[] {
  const mail = patch.mail;
  if (!mail) return [policy.fallback];
  const ids = mail.listIds.map((l) => l.toLowerCase().replace(/^.*<|>.*$/g, '').trim());
  const addrs = new Set([...mail.to, ...mail.cc].map((p) => p.email.toLowerCase()));
  const hit = policy.lists.filter((l) => (l.listId !== null && ids.includes(l.listId)) || (l.address !== null && addrs.has(l.address)));
  return hit.length ? hit : [policy.fallback];
}
