// `kreview watch` (the mail daemon) and `kreview ingest` (one message from an MTA pipe).
import type { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { KreviewError } from '../core/types.js';
import { openState } from '../state/open-state.js';
import { queueIncoming, readAllLimited } from '../sources/ingest.js';
import { availableParallelism } from 'node:os';
import { Watcher } from './daemon.js';
import { defaultReviewThreads } from './review-threads.js';
import { boundHeapGrowth } from './heap-growth.js';
import { loadPolicy } from './policy.js';
import { statusText } from './status.js';
import { DEFAULT_WEB_HOST, type RouteHandler } from '../web/server.js';
import { MessageStore } from '../state/messages.js';
import { createLogger, logFormatOf } from '../ops/log.js';
import { setOperatorSink } from '../core/operator-notes.js';
import { Metrics } from '../ops/metrics.js';
import { opsHandler, startOpsServer, type OpsServer } from '../ops/http.js';
import { queueAnswers, type HealthCheck } from '../ops/health.js';

/** The web view over the daemon's own state; an approval wakes the daemon, which sends the reply. */
async function startWatchWeb(w: Watcher, port: number, host: string | undefined, extra: RouteHandler[]) {
  const [{ startWebServer }, { webView }] = await Promise.all([import('../web/server.js'), import('../web/view.js')]);
  const server = await startWebServer({
    port,
    host: host ?? DEFAULT_WEB_HOST,
    handlers: [...extra, webView({ db: w.db, policy: () => w.policy.current, onDecision: () => w.wake() })],
  });
  process.stderr.write(`kreview watch: web view on ${server.url}\n`);
  return server;
}

/** The queue of `--queue`, waited on for each series' review; a dead worker's job goes to another after twice its lock. */
async function seriesFeeder(url: string) {
  const [{ openSeriesQueue, lockMsOf }, { SeriesJobFeeder }] = await Promise.all([import('../queue/open-queue.js'), import('../queue/series-job.js')]);
  return new SeriesJobFeeder(await openSeriesQueue(url), { pollMs: 200, graceMs: 2 * lockMsOf(url) });
}

/** sysexits' EX_TEMPFAIL: the MTA keeps the message and tries again later. */
const EX_TEMPFAIL = 75;

interface WatchOptions {
  config: string;
  once?: boolean;
  status?: boolean;
  retryFailed?: boolean;
  http?: string;
  httpHost?: string;
  requeue: string[];
  metricsPort?: string;
  metricsHost: string;
  logFormat?: string;
  queue?: string;
  reviewThreads?: string;
}

function portOf(v: string, option: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new KreviewError(`${option} ${v}: not a port number`);
  return Number(v);
}

function threadCount(v: string): number {
  if (!/^\d{1,2}$/.test(v)) throw new KreviewError(`--review-threads ${v}: give a whole number from 0 to 99`);
  return Number(v);
}

export function registerWatchCommands(program: Command): void {
  program
    .command('watch')
    .description('follow mailing lists (public-inbox mirrors, Maildirs, mboxes, IMAP), review each series, reply by mail')
    .requiredOption('-c, --config <policy.yml>', 'policy file: bot identity, sources, sink, per-list rules (re-read on change)')
    .option('--once', 'one pass over every source and the outbox, then exit')
    .option('--retry-failed', 'put replies that failed for good back in the queue first')
    .option('--status', 'print what waits, what the outbox owes, quarantined messages and recent warnings, then exit')
    .option('--http <port>', 'serve the web view (series, findings, replies; approve held replies), /healthz and /metrics on this port (docs/web.md)')
    .option('--http-host <addr>', `address the web view listens on (default ${DEFAULT_WEB_HOST}: this machine only)`)
    .option(
      '--requeue <message-id|all>',
      'send quarantined messages (with the rest of their thread) back to wait for review, then exit (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--metrics-port <port>', 'serve /healthz and Prometheus /metrics on this port (0: any free port, printed at start)')
    .option('--metrics-host <addr>', 'address for --metrics-port', '127.0.0.1')
    .option('--log-format <text|json>', 'text lines (default), or one JSON object a line with the Message-ID of the series under review (also $KREVIEW_LOG_FORMAT)')
    .option('--queue <url>', 'hand each complete series to `kreview worker --queue <url>` processes and wait for their reviews: redis://host:port[/db] (any machine) or sqlite:FILE (this one); default: review here')
    .option('--review-threads <n>', 'review series on n worker threads of this process and on its own thread, side by side; 0: on its own thread alone (default: 1 on a machine with two cores or more when no list has a repository, else 0)')
    .action(async (o: WatchOptions) => {
      const port = o.http === undefined ? null : portOf(o.http, '--http');
      if (port !== null && (o.once || o.status)) throw new KreviewError('--http serves the web view while the daemon runs: not with --once or --status');
      const format = logFormatOf(o.logFormat);
      if (o.requeue.length) {
        const path = loadPolicy(o.config).statePath;
        const db = openState(path);
        try {
          const all = o.requeue.includes('all');
          const ids = new MessageStore(db).requeue(all ? 'all' : o.requeue);
          // `all` with nothing quarantined is a normal answer; a named id that is not there is a mistake.
          if (!ids.length && !all) throw new KreviewError(`no quarantined message matches ${o.requeue.join(', ')} (kreview watch --status lists them)`);
          process.stdout.write(`requeued ${ids.length} message${ids.length === 1 ? '' : 's'} for review by the next pass:\n${ids.map((id) => `  <${id}>\n`).join('')}`);
        } finally {
          db.close();
        }
        return;
      }
      if (o.status) {
        const path = loadPolicy(o.config).statePath;
        const db = openState(path);
        try {
          process.stdout.write(statusText(db, path));
        } finally {
          db.close();
        }
        return;
      }
      // A long-lived reviewer: the heap kept near what the caches hold, not several times it.
      boundHeapGrowth();
      // The web view serves /healthz and /metrics too; --metrics-port alone serves only those.
      const metrics = o.metricsPort === undefined && port === null ? undefined : new Metrics();
      // JSON lines carry every level (a collector filters them); the terminal gets info and above.
      const logger = createLogger({ name: 'kreview watch', format, level: format === 'json' ? 'debug' : 'info' });
      // A rule pattern that reaches too far is the policy owner's business: the daemon's log, not a reply.
      setOperatorSink((line) => logger.warn(line));
      const jobs = o.queue === undefined ? undefined : await seriesFeeder(o.queue);
      // Not told: one thread beside the daemon's own on two cores or more, without a repository (src/watch/review-threads.ts).
      const reviewThreads = o.reviewThreads !== undefined ? threadCount(o.reviewThreads) : jobs ? 0 : defaultReviewThreads(loadPolicy(o.config), availableParallelism());
      if (jobs && reviewThreads) throw new KreviewError('--review-threads reviews here; --queue hands reviews to workers: one or the other');
      const w = new Watcher({ policyFile: o.config, logger, ...(metrics ? { metrics } : {}), ...(jobs ? { jobs } : {}), ...(reviewThreads ? { reviewThreads } : {}) });
      if (jobs) {
        metrics?.queueDepthFrom('series-jobs', async () => (await jobs.stats()).waiting);
        logger.info(`series are reviewed by the workers of ${o.queue}`);
      }
      // With --queue, the feeder waits while Redis is down: /healthz says so, not only that the loop is quiet.
      const health = (): Record<string, HealthCheck> => ({ ...w.healthChecks(), ...(jobs ? { queue: queueAnswers(() => jobs.stats()) } : {}) });
      let ops: OpsServer | null = null;
      try {
        if (metrics && o.metricsPort !== undefined) {
          ops = await startOpsServer(opsHandler({ metrics, health: health() }), portOf(o.metricsPort, '--metrics-port'), o.metricsHost);
          logger.info(`/healthz and /metrics on ${ops.url}`);
        }
        if (o.retryFailed) w.outbox.retryFailed();
        if (o.once) {
          const t = await w.tick();
          process.stdout.write(
            `read ${t.intake.read} messages (${t.intake.patches} patches, ${t.intake.duplicates} duplicates, ${t.intake.bad} undecodable); ` +
              `reviewed ${t.reviewed.length} series; queued ${t.queued.length} replies; sent ${t.outbox.sent.length}` +
              (t.checks.posted.length ? `; posted ${t.checks.posted.length} patchwork checks` : '') +
              '\n',
          );
          // Each error was printed when it happened; a tick with any fails the run (cron and CI see it).
          if (t.errors.length) {
            process.stderr.write(`kreview watch: ${t.errors.length} error${t.errors.length === 1 ? '' : 's'} in this pass\n`);
            process.exitCode = 1;
          }
          return;
        }
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const web = port === null ? null : await startWatchWeb(w, port, o.httpHost, metrics ? [opsHandler({ metrics, health: health() })] : []);
        try {
          await w.run(stop.signal);
        } finally {
          await web?.close();
        }
      } finally {
        await ops?.close();
        await w.close();
        await jobs?.close();
      }
    });

  program
    .command('ingest')
    .description('queue one message from stdin for `kreview watch` (for an MTA pipe or procmail)')
    .requiredOption('-c, --config <policy.yml>', 'the policy file the daemon runs with (names the state database)')
    .option('--source <name>', 'name recorded as the message origin', 'ingest')
    .action(async (o: { config: string; source: string }) => {
      let raw: Buffer;
      try {
        raw = await readAllLimited(process.stdin);
        if (!raw.length) throw new KreviewError('no message on stdin');
      } catch (e) {
        // A message that can never be taken is dropped with a line in the MTA's log, not retried forever.
        process.stderr.write(`kreview ingest: ${errorMessage(e)}\n`);
        return;
      }
      try {
        const db = openState(loadPolicy(o.config).statePath);
        try {
          queueIncoming(db, raw, o.source);
        } finally {
          db.close();
        }
      } catch (e) {
        process.stderr.write(`kreview ingest: ${errorMessage(e)}\n`);
        process.exitCode = EX_TEMPFAIL;
      }
    });
}
