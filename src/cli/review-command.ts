// `kreview review`: read patches (files, mboxes, directories, stdin, or revisions of --repo),
// group them into series, review each against the repository, print in the chosen format.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { Option } from 'commander';
import { yaml } from '../core/lazy-yaml.js';
import { defaultConfig, mergeConfig, type KreviewConfig } from '../core/config.js';
import { errorMessage, printable } from '../core/errors.js';
import { operatorNote } from '../core/operator-notes.js';
import { KreviewError, SEVERITY_RANK, type Patch, type PatchReview, type Review, type Series, type Severity } from '../core/types.js';
import type { History } from '../git/history-types.js';
import type { openHistory as OpenHistory } from '../git/history.js';
import { isGitRepo } from '../git/run-git.js';
import { commitSeries, groupSeries } from '../series/group.js';
import { classifyMessage } from '../series/classify.js';
import { DEFAULT_LORE_LIST, DEFAULT_LORE_URL, fetchThreadMbox, parseThreadRef, type ThreadRef } from '../sources/lore-http.js';
import { pickNewestComplete } from '../series/pick-version.js';
import { listRange, readCommits } from '../sources/git-range.js';
import { CommitStream } from '../git/commit-stream.js';
import { reviewCommits, reviewSeries } from '../review/pipeline.js';
import { ReviewCollector, ReviewTally, sendReview, teeSinks, type ReviewSink } from '../review/review-stream.js';
import { JsonWriter, renderJson } from '../review/render-json.js';
import { RemarkGrouper, type GroupedRemark } from '../review/group-remarks.js';
import { isEnabled } from '../review/filter.js';
import { toolVersion } from './version.js';

export type OutputFormat = 'text' | 'json' | 'sarif' | 'b4' | 'rdjsonl' | 'email';
export type FailOn = Severity | 'never';

export interface ReviewCommandOptions {
  repo?: string;
  base?: string;
  format: OutputFormat;
  failOn: FailOn;
  strictSubjects?: boolean;
  checks?: string;
  disable?: string;
  config?: string;
  color?: boolean;
  terse?: boolean;
  verbose?: boolean;
  output?: string;
  /** public-inbox server that Message-IDs are fetched from (lore's by default). */
  lore?: string;
  /** Its inbox to ask (`all` on lore). */
  loreList?: string;
  /** Review every version and series of a fetched thread, not only the newest complete one. */
  thread?: boolean;
  /** Threads that review the commits of a range side by side (src/review/range-threads.ts); default 1. */
  reviewThreads?: number;
}

export interface ReviewRun {
  reviews: Review[];
  inputErrors: string[];
  /** History-wide remarks of long ranges, summarised (absent with --verbose). */
  grouped?: GroupedRemark[];
}

/** Loads --config (YAML, the same keys as .github/kreview.yml) and the flags on top of it. */
export function buildConfig(opts: Pick<ReviewCommandOptions, 'config' | 'strictSubjects' | 'checks' | 'disable'>): KreviewConfig {
  let config = defaultConfig();
  if (opts.config) {
    let parsed: unknown;
    try {
      parsed = yaml().parse(readFileSync(opts.config, 'utf8'));
    } catch (e) {
      throw new KreviewError(`cannot read config ${opts.config}: ${errorMessage(e)}`);
    }
    if (parsed !== null && typeof parsed === 'object') config = mergeConfig(config, parsed as Partial<KreviewConfig>, `config ${opts.config}`);
    else if (parsed != null) throw new KreviewError(`cannot read config ${opts.config}: not a mapping of settings`);
  }
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  if (opts.checks) config.enable = list(opts.checks);
  if (opts.disable) config.disable = [...config.disable, ...list(opts.disable)];
  if (opts.strictSubjects) config.fixes = { ...config.fixes, subjectMode: 'strict' };
  return config;
}

/** Reviews every input; errors in one input never stop the others. The whole run, kept. */
export async function runReview(
  inputs: string[],
  opts: Pick<ReviewCommandOptions, 'repo' | 'base' | 'lore' | 'loreList' | 'thread' | 'reviewThreads'>,
  config: KreviewConfig,
  progress?: (msg: string) => void,
): Promise<ReviewRun> {
  const collector = new ReviewCollector();
  await streamReview(inputs, opts, config, collector, progress);
  return { reviews: collector.reviews, inputErrors: collector.inputErrors };
}

/**
 * Reviews every input, handing each review to `sink` as it is done: mailed series first, then the
 * commits of each range one at a time in their order (a range is never held whole in memory).
 * Errors in one input never stop the others; they reach the sink's end.
 */
export async function streamReview(
  inputs: string[],
  opts: Pick<ReviewCommandOptions, 'repo' | 'base' | 'lore' | 'loreList' | 'thread' | 'reviewThreads'>,
  config: KreviewConfig,
  sink: ReviewSink,
  progress?: (msg: string) => void,
): Promise<void> {
  if (inputs.length === 0) throw new KreviewError('nothing to review: give patch files, an mbox, a directory, - for stdin, a Message-ID or lore URL, or revisions with --repo');
  const inputErrors: string[] = [];
  let repo: string | null = null;
  if (opts.repo) {
    if (!existsSync(opts.repo)) throw new KreviewError(`--repo ${opts.repo}: no such directory`);
    // Whether it is a repository is asked of git only when opening its History failed: one spawn
    // (a fork of this whole process) less on every run.
    repo = opts.repo;
  }
  const files: string[] = [];
  const revs: string[] = [];
  const threads: ThreadRef[] = [];
  const loreDefaults = { baseUrl: opts.lore ?? config.lore?.url ?? DEFAULT_LORE_URL, list: opts.loreList ?? config.lore?.list ?? DEFAULT_LORE_LIST };
  for (const input of inputs) {
    const thread = input === '-' || existsSync(input) ? null : parseThreadRef(input, loreDefaults);
    if (thread) threads.push(thread);
    else if (input === '-' || existsSync(input)) files.push(input);
    else if (repo) revs.push(input);
    else inputErrors.push(`cannot read ${printable(input)}: no such file (revisions need --repo)`);
  }
  const lockOn = isEnabled('lock', config) || config.enable.some((p) => p.startsWith('lock/'));
  // The History opens (its gits answer, one after the other) while this process loads the lock
  // check and its rules and reads the mails: on one core or two, the waits and the work overlap.
  // Its module first, so that its first git is on its way before the rules are read (synchronously).
  // Loaded with a repository only: the history index brings SQLite.
  const opening = repo ? openRepoHistory((await import('../git/history.js')).openHistory, repo, progress) : null;
  // A broken rule file stops the run before it is awaited: never an unhandled rejection, and closed.
  opening?.catch(() => undefined);
  try {
    // A broken rule file is a start-up error with its file and line, not an error on every patch;
    // a review without the lock check does not read them (about a third of a second).
    // The lock check's modules (tree-sitter, its rules) and the mail parsers load only when used.
    if (lockOn) (await import('../../checks/lock/index.js')).validateLockRules(config.lock.ruleFiles);
  } catch (e) {
    await (await opening?.catch(() => null))?.close();
    throw e;
  }

  let history: History | null = null;
  // Each range is listed by git while the History opens (both cores at work), and its commits start
  // to be read as soon as it is listed; awaited in order below, stopped at the end if not read.
  const readers: CommitStream[] = [];
  let done = false;
  const listings = revs.map((rev) => {
    const listed = listRange(repo!, [rev], { checked: true }).then((oids) => {
      const reader = oids.length && !done ? new CommitStream(repo!, oids, rev) : undefined;
      if (reader) readers.push(reader);
      return { oids, reader };
    });
    listed.catch(() => undefined);
    return { rev, listed };
  });
  try {
    const mailPatches: Patch[] = [];
    if (files.length)
      for await (const item of (await import('../sources/files.js')).readInputs(files, config.limits.messageBytes)) {
        if (item instanceof KreviewError) inputErrors.push(item.message);
        else mailPatches.push(item);
      }
    history = opening ? await opening : null;
    if (opts.base && history && !(await history.revParse(opts.base)))
      throw new KreviewError(`--base ${opts.base}: no such revision in ${repo}`);
    // Rule globs that match functions the tree defines as not sleeping, from the tree's cached index
    // (only kept when lock.treeSleepIndex asks for it: the look-up lists the whole tree, about 1 s of
    // CPU on linux 6.1).
    if (history && lockOn && config.lock.treeSleepIndex) for (const line of await (await import('../../checks/lock/tree-sleep.js')).startupGlobReport(history, opts.base ?? 'HEAD', config.lock.ruleFiles).catch(() => [])) operatorNote(line);
    const series = groupSeries(mailPatches);
    inputErrors.push(...leftOut(mailPatches, series));
    for (const ref of threads) {
      try {
        series.push(...(await threadSeries(ref, Boolean(opts.thread), inputErrors)));
      } catch (e) {
        inputErrors.push(errorMessage(e));
      }
    }
    const mailReviews: Review[] = [];
    for (const s of series) {
      try {
        mailReviews.push(await reviewSeries(s, { repo, base: opts.base, config, history }));
      } catch (e) {
        inputErrors.push(`${printable(s.subject)}: ${errorMessage(e)}`);
      }
    }
    // Every range is listed before anything is written: the output says up front how many series follow.
    const ranges: { rev: string; oids: string[]; reader?: CommitStream }[] = [];
    for (const { rev, listed } of listings) {
      try {
        const { oids, reader } = await listed;
        if (oids.length) ranges.push({ rev, oids, reader });
        else inputErrors.push(`${printable(rev)}: no commits in that range`);
      } catch (e) {
        inputErrors.push(`${printable(rev)}: ${errorMessage(e)}`);
      }
    }
    sink.begin(mailReviews.length + ranges.length);
    for (const r of mailReviews) sendReview(sink, r);
    for (const { rev, oids, reader } of ranges) {
      try {
        await reviewRange(repo!, rev, oids, reader, { base: opts.base, config, history, threads: opts.reviewThreads ?? 1 }, sink);
      } catch (e) {
        inputErrors.push(`${printable(rev)}: ${errorMessage(e)}`);
      }
    }
  } finally {
    done = true;
    for (const r of readers) r.close();
    // Opened but not yet awaited when reading the inputs failed: closed all the same.
    await (history ?? (await opening?.catch(() => null)))?.close();
  }
  sink.end(inputErrors);
}

/** The History of `repo`; a failure to open it says whether it is a repository at all. */
function openRepoHistory(open: typeof OpenHistory, repo: string, progress?: (msg: string) => void): Promise<History> {
  return open(repo, { progress, checked: true }).catch(async (e: unknown) => {
    if (!(await isGitRepo(repo))) throw new KreviewError(`--repo ${repo}: not a git repository`);
    throw e;
  });
}

/**
 * One range as one series, each commit handed to the sink as soon as it and those before it are
 * reviewed. What is handed on of a commit is its review and the hunks its findings quote; a
 * commit that cannot be read ends the range there (the commits before it stay reported).
 */
async function reviewRange(repo: string, rev: string, oids: string[], reader: CommitStream | undefined, opts: { base?: string; config: KreviewConfig; history: History | null; threads: number }, sink: ReviewSink): Promise<void> {
  const commits = readCommits(repo, oids, rev, reader)[Symbol.asyncIterator]();
  const first = await commits.next();
  if (first.done) return;
  const { patches: _one, ...head } = commitSeries([first.value]);
  sink.seriesStart({ series: { ...head, total: oids.length }, patches: oids.length, commits: oids.length });
  try {
    // The first commit again, then the rest straight from the reader (no generator around it).
    let head: Patch | null = first.value;
    const all: AsyncIterable<Patch> = {
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<Patch>> => {
          if (head === null) return commits.next();
          const value = head;
          head = null;
          return Promise.resolve({ done: false, value });
        },
      }),
    };
    for await (const pr of reviewCommits(all, { repo, ...opts, oids })) sink.patch(keepQuotedHunks(pr));
  } finally {
    await commits.return?.(undefined);
    sink.seriesEnd();
  }
}

/** The review with only the hunks its code findings quote (the rest of the diff is not shown). */
export function keepQuotedHunks(pr: PatchReview): PatchReview {
  // A commit whose diff was never loaded (no code finding) has no hunks to drop.
  if (pr.patch.files.length === 0) return pr;
  const wanted = new Map<string, Set<number>>();
  for (const f of pr.findings)
    for (const loc of [f.location, ...(f.related ?? []).map((r) => r.location)])
      if (loc.kind === 'file') (wanted.get(loc.path) ?? wanted.set(loc.path, new Set()).get(loc.path)!).add(loc.line);
  const files = pr.patch.files.map((fd) => {
    const lines = wanted.get(fd.newPath ?? fd.oldPath ?? '');
    return { ...fd, hunks: lines ? fd.hunks.filter((h) => h.lines.some((l) => l.newLine !== null && lines.has(l.newLine))) : [] };
  });
  return { ...pr, patch: { ...pr.patch, files } };
}

/** The series of one fetched thread: the newest complete version, or with --thread every series in it. */
async function threadSeries(ref: ThreadRef, all: boolean, inputErrors: string[]): Promise<Series[]> {
  const mbox = await fetchThreadMbox(ref);
  const patches: Patch[] = [];
  const { readStream } = await import('../sources/files.js');
  for await (const item of readStream(Readable.from([mbox]), `<${ref.messageId}>`)) {
    if (item instanceof KreviewError) inputErrors.push(item.message);
    else patches.push(item);
  }
  const found = groupSeries(patches);
  if (found.length === 0) throw new KreviewError(`<${printable(ref.messageId)}>: the thread holds no patch`);
  if (all) return found;
  const chosen = pickNewestComplete(found);
  return chosen ? [chosen] : [];
}

/**
 * Every message given is reviewed or accounted for: replies in a thread are expected, anything
 * else left out of every series (a [PATCH] whose diff was unreadable, a pull request) is named.
 */
function leftOut(messages: Patch[], series: Series[]): string[] {
  const grouped = new Set(series.flatMap((s) => [...s.patches, ...(s.cover ? [s.cover] : [])]).map((p) => p.id));
  const out: string[] = [];
  for (const m of messages) {
    if (grouped.has(m.id) || classifyMessage(m) === 'reply') continue;
    const why = m.files.length === 0 ? 'no diff in it' : 'not part of a series';
    const detail = m.warnings.length ? ` (${m.warnings.map((w) => printable(w)).join('; ')})` : '';
    out.push(`${m.source}: "${printable(m.subject)}" not reviewed: ${why}${detail}`);
  }
  return out;
}

export async function render(run: ReviewRun, format: OutputFormat, opts: { colour: boolean; terse: boolean }): Promise<string> {
  const v = toolVersion();
  // Each renderer but JSON's (the one scripts and CI ask for) loads only when asked for; the mail
  // preview brings nodemailer's encoders.
  switch (format) {
    case 'json': return renderJson(run.reviews, run.inputErrors, v, run.grouped);
    case 'sarif': return (await import('../review/render-sarif.js')).renderSarif(run.reviews, run.inputErrors, v);
    case 'b4': return (await import('../review/render-b4.js')).renderB4(run.reviews, run.inputErrors);
    case 'rdjsonl': return (await import('../review/render-rdjsonl.js')).renderRdjsonl(run.reviews);
    case 'email': return (await import('../review/render-mail-preview.js')).renderMailPreview(run.reviews);
    default: return (await import('../review/render-text.js')).renderText(run.reviews, run.inputErrors, { colour: opts.colour, verbose: !opts.terse, grouped: run.grouped });
  }
}

/** 2 for input errors (a patch decoded with warnings among them), 1 when a finding reaches --fail-on, else 0. */
export function exitCode(run: ReviewRun, failOn: FailOn): number {
  if (run.inputErrors.length || run.reviews.some((r) => r.patches.some((p) => p.errors.length || p.warnings?.length))) return 2;
  if (failOn === 'never') return 0;
  const reaches = (s: Severity) => SEVERITY_RANK[s] >= SEVERITY_RANK[failOn];
  const hit = run.reviews.some((r) => r.patches.some((p) => p.findings.some((f) => reaches(f.severity)))) || (run.grouped ?? []).some((g) => reaches(g.severity));
  return hit ? 1 : 0;
}

/**
 * The formats written as the reviews come (the others need the whole run first: b4's and the mail
 * preview's layout). Only the writer asked for is loaded.
 */
async function streamingWriter(format: OutputFormat, write: (text: string) => void, opts: { colour: boolean; terse: boolean }): Promise<ReviewSink | null> {
  switch (format) {
    case 'text': return new (await import('../review/render-text.js')).TextWriter(write, { colour: opts.colour, verbose: !opts.terse });
    case 'json': return new JsonWriter(write, toolVersion());
    case 'sarif': return new (await import('../review/render-sarif.js')).SarifWriter(write, toolVersion());
    case 'rdjsonl': return new (await import('../review/render-rdjsonl.js')).RdjsonlWriter(write);
    default: return null;
  }
}

/** exitCode, from what was counted while the run streamed by. */
function tallyExitCode(t: ReviewTally, failOn: FailOn): number {
  if (t.inputErrors || t.patchErrors) return 2;
  if (failOn === 'never' || t.worst === null) return 0;
  return SEVERITY_RANK[t.worst] >= SEVERITY_RANK[failOn] ? 1 : 0;
}

export function terminalProgress(): ((msg: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (msg) => process.stderr.write(`\r\x1b[K${msg}`);
}

export function addReviewOptions(cmd: Command): Command {
  return cmd
    .option('--repo <dir>', 'git repository to check history against (also enables revision inputs)')
    .option('--base <rev>', 'review every patch against this revision (else base-commit:, the parent, or HEAD)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif', 'b4', 'rdjsonl', 'email']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices(['error', 'warning', 'note', 'never']).default('error'))
    .option('--strict-subjects', 'Fixes: subjects must match exactly (checkpatch), not leniently (linux-next)')
    .option('--checks <ids>', 'comma-separated finding ids or prefixes to run (default: all)')
    .option('--disable <ids>', 'comma-separated finding ids or prefixes never to report')
    .option('--config <file>', 'YAML settings (the keys of .github/kreview.yml)')
    .option('--lore <url>', `public-inbox server for Message-ID inputs (default ${DEFAULT_LORE_URL}, or KREVIEW_LORE_URL)`, process.env.KREVIEW_LORE_URL)
    .option('--lore-list <name>', `its inbox to fetch threads from (default ${DEFAULT_LORE_LIST})`)
    .option('--thread', 'with a Message-ID: review every series and version in its thread, not only the newest complete one')
    .option('--review-threads <n>', 'threads that review the commits of a range side by side, in this process (default 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new KreviewError(`--review-threads ${v}: a whole number from 1 to 64`);
      return n;
    })
    .option('--no-color', 'no colour even on a terminal')
    .option('--terse', 'one finding, its place and its line; no explanations')
    .option('--verbose', 'over a long range, every history-wide remark (stable Cc, already fixed, ...) with its commit, not a summary')
    .option('-o, --output <file>', 'write the report to a file instead of stdout');
}

export function registerReviewCommand(program: Command): void {
  addReviewOptions(
    program
      .command('review')
      .description('review patch files, mboxes, directories, - (stdin), Message-IDs or lore URLs (fetched as b4 does), or revisions of --repo (A..B, A^!, a ref)')
      .argument('[inputs...]', 'what to review'),
  ).action(async (inputs: string[], opts: ReviewCommandOptions) => {
    const config = buildConfig(opts);
    const progress = opts.format === 'text' ? terminalProgress() : undefined;
    const colour = opts.color !== false && !opts.output && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    const tally = new ReviewTally();
    const out = opts.output ? openSync(opts.output, 'w') : null;
    let cleared = !progress;
    // A report file is written in pieces of about 64 KB, not one system call per patch (45,000 on DPDK):
    // each text encoded as UTF-8 straight into one buffer (no joined copy of the texts, which one
    // non-Latin-1 name made two bytes a character).
    const piece = Buffer.allocUnsafe(1 << 17);
    let used = 0;
    const flush = (): void => {
      if (out === null || used === 0) return;
      writeSync(out, piece, 0, used);
      used = 0;
    };
    const write = (text: string): void => {
      if (!cleared) process.stderr.write('\r\x1b[K');
      cleared = true;
      // Synchronous: a stream written faster than it is read waits here instead of piling up in memory.
      if (out === null) process.stdout.write(text);
      else if (3 * text.length > piece.length - used) {
        // UTF-8 takes at most 3 bytes per UTF-16 unit: a text that might not fit goes after what is held.
        flush();
        if (3 * text.length > piece.length) writeSync(out, text);
        else used += piece.write(text, used, 'utf8');
      } else {
        used += piece.write(text, used, 'utf8');
        if (used >= 1 << 16) flush();
      }
    };
    try {
      const writer = await streamingWriter(opts.format, write, { colour, terse: Boolean(opts.terse) });
      const collector = writer ? null : new ReviewCollector();
      const both = teeSinks(writer ?? collector!, tally);
      await streamReview(inputs, opts, config, opts.verbose ? both : new RemarkGrouper(both), progress);
      if (collector) write(await render({ reviews: collector.reviews, inputErrors: collector.inputErrors, grouped: collector.grouped }, opts.format, { colour, terse: Boolean(opts.terse) }));
      if (!cleared) process.stderr.write('\r\x1b[K');
    } finally {
      if (out !== null) {
        flush();
        closeSync(out);
      }
    }
    process.exitCode = tallyExitCode(tally, opts.failOn);
  });
}
