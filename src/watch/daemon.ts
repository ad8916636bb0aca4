// The mail daemon's loop: read every source, store new messages once, review the series that are
// ready, and send what the outbox owes. One tick does each step once; run() repeats it.
import { setImmediate } from 'node:timers/promises';
import { validateLockRules } from '../../checks/lock/index.js';
import type { Review, Series } from '../core/types.js';
import { KreviewError } from '../core/types.js';
import { reviewSeries } from '../review/pipeline.js';
import { EventLog } from '../state/events.js';
import { DirectorySink } from '../sinks/directory-sink.js';
import type { Sink } from '../sinks/sink.js';
import { SmtpSink } from '../sinks/smtp-sink.js';
import { CursorStore } from '../state/cursors.js';
import { MessageStore, type StoredPatch } from '../state/messages.js';
import { openState, StateFile, type Db } from '../state/open-state.js';
import { StateError, stateError } from '../state/state-errors.js';
import { Outbox, type DispatchReport, type OutboxStep } from '../state/outbox.js';
import { pruneState } from '../state/prune.js';
import { SeriesStore } from '../state/series-store.js';
import { IncomingQueueSource } from '../sources/ingest.js';
import { MaildirSource } from '../sources/maildir.js';
import { PublicInboxSource } from '../sources/public-inbox.js';
import { assemble, type ReadySeries } from './assembler.js';
import { Intake, type IntakeCounts } from './intake.js';
import { MboxTailSource } from './mbox-tail.js';
import { ReviewThreads } from './review-threads.js';
import { PolicyWatcher, type SinkConfig, type SourceConfig, type WatchPolicy } from './policy.js';
import type { WatchSource } from './raw-message.js';
import { SeriesReviewer, type RemoteReviewInput, type ReviewFn, type ReviewOutcome } from './series-reviewer.js';
import { seriesJob, seriesJobRunner, type SeriesJob, type SeriesJobFeeder } from '../queue/series-job.js';
import { HistoryPool } from '../git/history-pool.js';
import { PatchworkClient, patchworkInstance, type PatchworkConfig } from '../sinks/patchwork.js';
import type { HealthCheck } from '../ops/health.js';
import { countTables, progressFresh, stateReadable } from '../ops/health.js';
import { withLogContext, type Logger } from '../ops/log.js';
import type { Metrics } from '../ops/metrics.js';

/** Waiting messages loaded for assembly at a time (rounded up to whole senders). */
const REVIEW_BATCH = 500;

export interface WatcherOptions {
  policyFile: string;
  log?: (msg: string) => void;
  /** Levelled lines (text or JSON, see src/ops/log.ts); `log`, when given, takes every line instead. */
  logger?: Logger;
  /** Counts reviews, findings, mails sent, errors and passes, and reports the queues' depth. */
  metrics?: Metrics;
  now?: () => number;
  /** Replaces the review pipeline (benchmarks of intake alone; tests of a review that fails). */
  review?: ReviewFn;
  /** A series' review may take this long per patch (plus one) before it counts as failed; default: the policy's limits.reviewMsPerPatch. */
  reviewMsPerPatch?: number;
  /** Series reviewed by `kreview worker` processes through this queue (`--queue`), not here. */
  jobs?: SeriesJobFeeder;
  /** Series reviewed on this many worker threads of this process (`--review-threads`); default: on the daemon's own thread. */
  reviewThreads?: number;
  /** Replaces the sink the policy names. */
  sink?: Sink;
  /** Extra sources next to the policy's (tests, `--maildir`). */
  extraSources?: (ctx: { cursors: CursorStore; warn: (m: string) => void }) => WatchSource[];
  onOutboxStep?: (step: OutboxStep, messageId: string) => void;
}

export interface TickReport {
  intake: IntakeCounts;
  reviewed: string[];
  /** Series whose review failed: their messages are quarantined, never tried again. */
  quarantined: string[];
  queued: string[];
  superseded: number;
  outbox: DispatchReport & { recovered: string[]; requeued: string[] };
  /** Patchwork checks posted (or found already posted) and given up on in this tick. */
  checks: { posted: string[]; failed: string[]; errors: string[] };
  errors: string[];
}

async function buildSource(c: SourceConfig, cursors: CursorStore, warn: (m: string) => void, maxBytes: number, now: () => number): Promise<WatchSource> {
  switch (c.type) {
    case 'public-inbox':
      return new PublicInboxSource(c.path, c.name, cursors, warn, c.since, now, maxBytes);
    case 'maildir':
      return new MaildirSource(c.path, c.name, warn, maxBytes);
    case 'mbox':
      return new MboxTailSource(c.path, c.name, cursors, warn, maxBytes);
    case 'imap': {
      const { ImapSource } = await import('../sources/imap.js');
      return new ImapSource(c, cursors, warn, maxBytes);
    }
    case 'nntp': {
      const { NntpSource } = await import('../sources/nntp.js');
      const source = new NntpSource(c, cursors, warn);
      source.maxArticleBytes = maxBytes;
      return source;
    }
  }
}

function buildSink(c: SinkConfig, warn: (m: string) => void): Sink {
  return c.type === 'directory' ? new DirectorySink(c.dir, warn) : new SmtpSink(c);
}

export class Watcher {
  readonly policy: PolicyWatcher;
  readonly db: Db;
  private readonly stateFile: StateFile;
  readonly messages: MessageStore;
  readonly outbox: Outbox;
  private readonly cursors: CursorStore;
  readonly seriesStore: SeriesStore;
  readonly events: EventLog;
  private readonly intake: Intake;
  private readonly reviewer: SeriesReviewer;
  private readonly threads: ReviewThreads | null;
  private readonly hereHistories: HistoryPool | null;
  private sink: Sink;
  private sources: WatchSource[] = [];
  private sourcesFor = '';
  private readonly log: (msg: string) => void;
  private readonly logWarn: (msg: string) => void;
  private readonly logError: (msg: string) => void;
  /** A line for each series reviewed: in JSON logs (collectors filter by level), not in the terminal's. */
  private readonly logDebug: (msg: string) => void;
  private readonly metrics: Metrics | null;
  /** When the loop last finished a pass, a source's poll or a review (for /healthz). */
  lastProgressAt: number | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly now: () => number;
  /** This tick's errors so far (each logged once, when it happens). */
  private tickErrors: string[] = [];
  /** Why the review under way failed (set by the guard around the review function). */
  private reviewFailure: string | null = null;

  constructor(private readonly opts: WatcherOptions) {
    const logger = opts.logger;
    this.log = opts.log ?? (logger ? (m) => logger.info(m) : (m) => process.stderr.write(`kreview watch: ${m}\n`));
    this.logWarn = opts.log ?? (logger ? (m) => logger.warn(m) : this.log);
    this.logError = opts.log ?? (logger ? (m) => logger.error(m) : this.log);
    this.logDebug = !opts.log && logger ? (m) => logger.debug(m) : () => {};
    this.now = opts.now ?? Date.now;
    this.metrics = opts.metrics ?? null;
    this.policy = new PolicyWatcher(opts.policyFile, this.log);
    // A broken rule file stops the daemon at start-up (file and line), not on every series.
    validateLockRules(this.policy.current.review.lock.ruleFiles);
    this.db = openState(this.policy.current.statePath);
    this.stateFile = new StateFile(this.policy.current.statePath);
    this.messages = new MessageStore(this.db);
    this.cursors = new CursorStore(this.db);
    this.seriesStore = new SeriesStore(this.db);
    this.outbox = new Outbox(this.db);
    this.events = new EventLog(this.db);

    const review = opts.review ?? reviewSeries;
    // The policy's limit, as it is when the review starts (a reloaded policy applies to the next one).
    const perPatch = (): number => opts.reviewMsPerPatch ?? this.policy.current.limits.reviewMsPerPatch;
    const limit = (series: Series): number => perPatch() * (series.patches.length + 1);
    // With workers, a review's limit runs from when a worker takes it: the queue (SeriesJobFeeder) times it.
    const jobs = opts.jobs;
    // A series is handed over (submit) and then waited for (review) as the same job: its key, a
    // digest of the series' JSON, is made once, not twice (1.7% of the daemon thread's CPU).
    const made = new WeakMap<Series, { input: RemoteReviewInput; job: SeriesJob }>();
    const same = (a: RemoteReviewInput, b: RemoteReviewInput): boolean =>
      a.messageId === b.messageId && a.repo === b.repo && a.maintainersFile === b.maintainersFile && JSON.stringify([a.config, a.bases]) === JSON.stringify([b.config, b.bases]);
    // Review threads of this process need a key only to tell their jobs apart (the map above makes
    // one job per series); the digest that names a job on a shared queue (every patch's diff in
    // JSON, hashed) was 2-3% of the daemon thread's CPU in a replay's restart (REAL linux-nfs).
    let threadJobs = 0;
    const job = (i: RemoteReviewInput): SeriesJob => {
      const had = made.get(i.series);
      if (had && same(had.input, i)) return had.job;
      const j = jobs ? seriesJob({ ...i, limitMs: limit(i.series) }, this.now()) : { key: `series/here-${++threadJobs}`, receivedAt: this.now(), ...i, limitMs: limit(i.series) };
      made.set(i.series, { input: i, job: j });
      return j;
    };
    // Threads time each review themselves (and end a thread stuck in one); an injected review function stays on this thread.
    // The daemon's own thread reviews beside them, with Histories of its own (src/watch/review-threads.ts).
    const here = !jobs && !opts.review && opts.reviewThreads ? new HistoryPool() : null;
    this.hereHistories = here;
    const threads = here && opts.reviewThreads ? new ReviewThreads(opts.reviewThreads, undefined, undefined, seriesJobRunner(here)) : null;
    this.threads = threads;
    // The threads are idle while a pass takes in mail (every review waits for its end): they decode it.
    threads?.start();
    this.intake = new Intake(this.messages, () => this.policy.current, this.warn, this.now, threads ? (raw, origin) => threads.decode(raw, origin) : null);
    const remote = jobs
      ? { submit: (i: RemoteReviewInput) => jobs.submit(job(i)), review: (i: RemoteReviewInput) => this.guarded(() => jobs.review(job(i), (m) => this.log(m)), null) }
      : threads
        ? { submit: async (i: RemoteReviewInput) => threads.submit(job(i)), review: (i: RemoteReviewInput) => this.guarded(() => threads.review(job(i)), null) }
        : null;
    this.reviewer = new SeriesReviewer(this.db, this.messages, this.seriesStore, this.outbox, (m) => this.problem(m), (series, o) => this.guarded(() => review(series, o), limit(series)), this.warn, remote);
    // A review the last process never finished is what killed it (or what it was killed in): its
    // messages are not tried again, or each restart would die the same way.
    const interrupted = this.messages.recoverInterrupted();
    const n = (k: number) => `${k} message${k === 1 ? '' : 's'}`;
    if (interrupted.retried.length) this.warn(`${n(interrupted.retried.length)} whose review never finished (the process died during it) will be tried once more`);
    if (interrupted.quarantined.length) this.warn(`${n(interrupted.quarantined.length)} quarantined: their review never finished, twice (the process died during it each time); see kreview watch --status`);
    this.sink = opts.sink ?? buildSink(this.policy.current.sink, this.warn);
    this.metrics?.queueDepthFrom('mail-waiting', () => this.messages.count('waiting'));
    this.metrics?.queueDepthFrom('mail-outbox', () => this.outbox.counts().pending);
  }

  /**
   * What /healthz checks: the state database is still the file opened and answers a read, and the
   * loop made progress lately: within three polls, or within one review's limit for a ten-patch
   * series when that is longer (a pass is busy for as long as its slowest review).
   */
  healthChecks(): Record<string, HealthCheck> {
    const p = () => this.policy.current;
    return {
      state: stateReadable(() => countTables(this.db), () => this.stateFile.check()),
      loop: progressFresh(
        () => this.lastProgressAt,
        () => Math.max(3 * p().pollMs, 11 * (this.opts.reviewMsPerPatch ?? p().limits.reviewMsPerPatch), 60_000),
        this.now,
      ),
    };
  }

  private progress(): void {
    this.lastProgressAt = this.now();
  }

  /** A warning: logged and kept in the state as it happens. */
  private readonly warn = (msg: string): void => {
    this.logWarn(msg);
    this.events.add('warning', msg, this.now());
  };

  /**
   * Runs one series' review within its time limit (null: timed by whoever runs it); a failure
   * (thrown, or past the limit) is noted for reviewReady, which quarantines the series' messages.
   */
  private async guarded(review: () => Promise<Review>, limit: number | null): Promise<Review> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      if (limit !== null) timer = setTimeout(() => reject(new KreviewError(`the review ran past its limit of ${limit / 1000} s (limits.reviewMsPerPatch per patch, plus one)`)), limit);
    });
    try {
      const done = await Promise.race([review(), late]);
      this.metrics?.countFindings('mail', done.patches.flatMap((pr) => pr.findings.map((f) => f.id)));
      return done;
    } catch (e) {
      this.reviewFailure = (e as Error).message.split('\n')[0];
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * An error of this tick: logged as it happens (a tick killed halfway loses none), returned in the
   * tick's report; the same line twice in a tick is said once.
   */
  private problem(msg: string): void {
    if (this.tickErrors.includes(msg)) return;
    this.tickErrors.push(msg);
    this.logError(msg);
    this.metrics?.errors.inc({ where: 'watch' });
    this.events.add('error', msg, this.now());
  }

  private async ensureSources(p: WatchPolicy): Promise<void> {
    const sig = JSON.stringify([p.sources, p.limits.messageBytes]);
    if (sig === this.sourcesFor && this.sources.length) return;
    for (const s of this.sources) await s.close();
    const warn = this.warn;
    this.sources = [new IncomingQueueSource(this.db)];
    for (const c of p.sources) this.sources.push(await buildSource(c, this.cursors, warn, p.limits.messageBytes, this.now));
    this.sources.push(...(this.opts.extraSources?.({ cursors: this.cursors, warn }) ?? []));
    for (const s of this.sources) s.onArrival?.(() => this.wakeUp?.());
    this.sourcesFor = sig;
  }

  /** Reads every source into the messages table. */
  async pollSources(): Promise<string[]> {
    const errors: string[] = [];
    await this.ensureSources(this.policy.current);
    for (const s of this.sources) {
      try {
        await s.poll((batch) => this.intake.handle(batch));
        this.progress();
      } catch (e) {
        // The state file failing is no fault of the source: it stops the tick.
        const se = stateError(e, this.stateFile.path);
        if (se) throw se;
        // One broken source does not stop the others.
        const msg = e instanceof KreviewError ? e.message : `${s.name}: ${(e as Error).message.split('\n')[0]}`;
        errors.push(msg);
        this.problem(msg);
      }
    }
    return errors;
  }

  /** Reviews the series that are ready and queues their replies. */
  async reviewReady(): Promise<{ reviewed: string[]; quarantined: string[]; queued: string[]; superseded: number; errors: string[] }> {
    const p = this.policy.current;
    const now = this.now();
    const out = { reviewed: [] as string[], quarantined: [] as string[], queued: [] as string[], superseded: 0, errors: [] as string[] };
    // A batch at a time (all of its senders' waiting messages): a backlog is never all in memory.
    for (const waiting of this.messages.waitingBatches(REVIEW_BATCH)) await this.reviewBatch(waiting, p, now, out);
    return out;
  }

  private async reviewBatch(waiting: StoredPatch[], p: WatchPolicy, now: number, out: Awaited<ReturnType<Watcher['reviewReady']>>): Promise<void> {
    // Messages a batch the last process died in had handled (see MessageStore.beginBatch): grouped
    // with the rest so that the batch is assembled as it was then; what they did is not done again.
    const settled = new Set(waiting.filter((w) => w.settled).map((w) => w.patch.id));
    // The series that batch reviewed: a part answering one of them was no late part of it then.
    const before = new Set(settled.size ? this.seriesStore.keysOf([...settled]) : []);
    this.messages.beginBatch([...settled]);
    try {
      await this.reviewAssembled(waiting, settled, before, p, now, out);
    } catch (e) {
      // The state file failing ends the tick: its error is the one to tell, not this one's.
      try {
        this.messages.endBatch();
      } catch {}
      throw e;
    }
    this.messages.endBatch();
  }

  private async reviewAssembled(
    waiting: StoredPatch[],
    settled: Set<string>,
    before: Set<string>,
    p: WatchPolicy,
    now: number,
    out: Awaited<ReturnType<Watcher['reviewReady']>>,
  ): Promise<void> {
    const a = assemble(
      waiting,
      p,
      now,
      (id) => this.seriesStore.reviewedVersion(id),
      (ids, version) => this.seriesStore.reviewedWith(ids, version, before),
    );
    const open = (ids: string[]) => (settled.size ? ids.filter((id) => !settled.has(id)) : ids);
    this.messages.setState(open(a.superseded), 'superseded');
    this.messages.setState(open(a.abandoned), 'done');
    out.superseded += open(a.superseded).length;
    // Reviewed by the batch the last process died in (every message of it handled then).
    const ready = settled.size ? a.ready.filter((r) => r.messageIds.some((id) => !settled.has(id))) : a.ready;
    await this.reviewer.submit(ready, p);
    // Newest versions first, so that an older version in the same tick sees itself superseded.
    for (const r of ready.sort((x, y) => y.series.version - x.series.version)) {
      // A review without a repository never waits for I/O, so a backlog would otherwise run without
      // the event loop ever turning: tree-sitter frees its syntax trees (native memory V8 does not
      // see) only in finalizers that run on a turn, and timers and signals wait for one too. Without
      // this, the restart of a 12,000-message replay peaked at 599 MB, nearly all of it dead trees.
      await setImmediate();
      const newer = this.seriesStore.reviewedVersion(r.identity);
      if (newer !== null && newer > r.series.version) {
        this.messages.setState(r.messageIds, 'superseded');
        out.superseded += r.messageIds.length;
        continue;
      }
      // Marked first, committed: if this review kills the process, the next start quarantines it.
      this.messages.setState(r.messageIds, 'reviewing');
      // Every line logged during this series' review carries its lead Message-ID (JSON logs).
      const lead = r.series.cover ?? r.series.patches[0];
      await withLogContext({ messageId: lead?.mail?.messageId ?? r.messageIds[0] ?? null }, () => this.reviewOne(r, p, now, out));
    }
  }

  private async reviewOne(r: ReadySeries, p: WatchPolicy, now: number, out: Awaited<ReturnType<Watcher['reviewReady']>>): Promise<void> {
    this.reviewFailure = null;
    const started = this.now();
    let o: ReviewOutcome | null = null;
    try {
      o = await this.reviewer.reviewReady(r, p, now);
    } catch (e) {
      const se = stateError(e, this.stateFile.path);
      if (se) throw se;
      this.reviewFailure = (e as Error).message.split('\n')[0];
      this.problem(`${r.series.id}: review failed: ${this.reviewFailure}`);
    }
    this.progress();
    const failed = o === null || this.reviewFailure !== null;
    this.metrics?.jobSeconds.observe({ source: 'mail' }, (this.now() - started) / 1000);
    this.metrics?.reviews.inc({ source: 'mail', result: failed ? 'quarantined' : 'reviewed' });
    if (o === null || this.reviewFailure !== null) {
      // One failed attempt is enough: a poison message must not come back on every pass.
      this.messages.quarantine(r.messageIds, this.reviewFailure ?? 'review failed');
      this.warn(`${o?.key ?? r.series.id}: ${r.messageIds.length} message${r.messageIds.length === 1 ? '' : 's'} quarantined, not tried again (kreview watch --status)`);
      out.quarantined.push(o?.key ?? r.series.id);
      out.errors.push(...(o?.errors ?? []));
      return;
    }
    // Failed before the review ran (its repository or MAINTAINERS file unreadable): not tried again.
    if (o.failed) this.messages.setState(r.messageIds, 'reviewed');
    this.logDebug(`${o.key}: reviewed in ${((this.now() - started) / 1000).toFixed(1)} s, ${o.queued.length} repl${o.queued.length === 1 ? 'y' : 'ies'} queued`);
    out.reviewed.push(o.key);
    out.queued.push(...o.queued);
    out.errors.push(...o.errors);
    for (const e of o.errors) this.problem(e);
  }

  /** Settles crash orphans and sends what is due. */
  async flushOutbox(): Promise<TickReport['outbox']> {
    const p = this.policy.current;
    const seen = (id: string): boolean => this.messages.has(id);
    const rec = await this.outbox.recover(this.sink, { now: this.now(), seen });
    const limits = (key: string) => {
      const l = [...p.lists, p.fallback].find((x) => x.key === key);
      return l ? { perListPerHour: l.perListPerHour, perThreadPerHour: l.perThreadPerHour } : undefined;
    };
    const d = await this.outbox.dispatch(this.sink, { now: this.now(), limits, seen, onStep: this.opts.onOutboxStep });
    for (const e of d.errors) this.problem(e);
    const sent = d.sent.length + rec.sent.length;
    if (sent) this.metrics?.mailsSent.inc({ source: 'mail' }, sent);
    return { ...d, recovered: rec.sent, requeued: rec.requeued };
  }

  /** Posts the patchwork checks that are due, through a client per configured instance. */
  async flushChecks(): Promise<TickReport['checks']> {
    const configs = new Map<string, PatchworkConfig>();
    for (const l of [...this.policy.current.lists, this.policy.current.fallback]) if (l.patchwork) configs.set(patchworkInstance(l.patchwork), l.patchwork);
    const clients = new Map<string, PatchworkClient | null>();
    const setupErrors: string[] = [];
    const clientFor = (instance: string): PatchworkClient | null => {
      if (!clients.has(instance)) {
        const c = configs.get(instance);
        try {
          clients.set(instance, c ? new PatchworkClient(c) : null);
        } catch (e) {
          setupErrors.push((e as Error).message);
          clients.set(instance, null);
        }
      }
      return clients.get(instance)!;
    };
    const r = await this.reviewer.checks.dispatch(clientFor, this.now());
    const errors = [...setupErrors, ...r.errors, ...r.failed.map((id) => `patchwork check for <${id}>: given up after ${this.reviewer.checks.maxAttempts} attempts`)];
    for (const e of errors) this.problem(e);
    return { posted: [...r.posted, ...r.settled], failed: r.failed, errors };
  }

  /**
   * One pass. A StateError (the state file deleted, replaced, locked, damaged or read-only) ends it:
   * the daemon must not go on without a place to record what it did.
   */
  async tick(): Promise<TickReport> {
    try {
      const t = await this.pass();
      this.progress();
      this.metrics?.ticks.inc({ outcome: t.errors.length ? 'errors' : 'ok' });
      this.metrics?.lastTick.set(this.now() / 1000);
      return t;
    } catch (e) {
      this.metrics?.ticks.inc({ outcome: 'failed' });
      this.metrics?.errors.inc({ where: 'watch' });
      throw stateError(e, this.stateFile.path) ?? e;
    }
  }

  private async pass(): Promise<TickReport> {
    this.tickErrors = [];
    this.stateFile.check();
    if (this.policy.refresh()) this.log(`policy ${this.policy.file} reloaded`);
    const before = { ...this.intake.counts };
    const errors = await this.pollSources();
    const r = await this.reviewReady();
    // Reviews take a while; never send what could not be recorded as sent.
    this.stateFile.check();
    const outbox = await this.flushOutbox();
    const checks = await this.flushChecks();
    const pruned = pruneState(this.db, this.policy.current.retentionDays, this.now());
    if (pruned && (pruned.messages || pruned.heads || pruned.replies || pruned.series))
      this.log(`forgot what is older than ${this.policy.current.retentionDays} days: ${pruned.messages} messages, ${pruned.heads} mail headers, ${pruned.replies} sent replies, ${pruned.series} series`);
    const c = this.intake.counts;
    const intake: IntakeCounts = {
      read: c.read - before.read,
      duplicates: c.duplicates - before.duplicates,
      patches: c.patches - before.patches,
      skipped: c.skipped - before.skipped,
      bad: c.bad - before.bad,
    };
    return { intake, reviewed: r.reviewed, quarantined: r.quarantined, queued: r.queued, superseded: r.superseded, outbox, checks, errors: [...new Set([...errors, ...r.errors, ...outbox.errors, ...checks.errors])] };
  }

  /**
   * Ticks until the signal aborts; a tick's errors are logged as they happen, a failing tick too, and
   * the loop goes on, except when the state file fails (StateError): that stops it.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const t = await this.tick();
        if (t.intake.read || t.queued.length || t.outbox.sent.length)
          this.log(`read ${t.intake.read} (${t.intake.patches} patches), reviewed ${t.reviewed.length} series, queued ${t.queued.length}, sent ${t.outbox.sent.length}`);
      } catch (e) {
        // The caller says it once (the CLI: "kreview: ..." and a non-zero exit).
        if (e instanceof StateError) throw e;
        this.logError(`tick failed: ${(e as Error).message.split('\n')[0]}`);
      }
      await new Promise<void>((res) => {
        // Sleep until the next poll, the signal aborts, or a source says mail arrived; whichever ends
        // the sleep removes the others, so no listener outlives its poll.
        const wake = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', wake);
          this.wakeUp = null;
          res();
        };
        const t = setTimeout(wake, this.policy.current.pollMs);
        this.wakeUp = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Ends the sleep between passes now (a held reply was approved in the web view: send it). */
  wake(): void {
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    this.metrics?.dropQueueDepth('mail-waiting');
    this.metrics?.dropQueueDepth('mail-outbox');
    for (const s of this.sources) await s.close();
    this.sources = [];
    await this.reviewer.close();
    await this.threads?.close();
    await this.hereHistories?.close();
    await this.sink.close();
    this.db.close();
  }
}
