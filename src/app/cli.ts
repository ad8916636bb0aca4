// `kreview serve`: runs the GitHub App with probot's server, configured the way probot
// documents (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PROXY_URL, PORT).
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { errorMessage } from '../core/errors.js';
import { KreviewError } from '../core/types.js';
import type { Logger } from '../ops/log.js';
import type { Metrics, MetricsJson } from '../ops/metrics.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the kreview GitHub App (probot): reviews pull requests with a check run and inline comments')
    .option('--port <n>', 'port to listen on (default: $PORT or 3000)')
    .option('--host <addr>', 'address to listen on (default: $HOST or localhost)')
    .option('--cache <dir>', 'clones, state and indexes (default: $KREVIEW_CACHE or ~/.cache/kreview)')
    .option('--clone-max-mb <n>', 'largest repository cloned on first contact; bigger ones are reviewed from the API (0: no limit)')
    .option(
      '--mirror <url=path>',
      'a local repository holding most of https://host/owner/repo: a first clone of it borrows the mirror\'s objects and fetches only the rest (repeatable; also $KREVIEW_MIRRORS)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--queue <redis-url>', 'put review jobs on Redis (BullMQ) for `kreview worker` processes on any machine (default: SQLite in the cache dir, reviewed by a worker process this server starts; also $KREVIEW_QUEUE)')
    .option('--workers <n>', 'reviews run at once by the worker process this server starts (default 2 with the SQLite queue, 0 with --queue)')
    .option(
      '--mail-policy <policy.yml>',
      'mail the review of a series PR (its body names the Message-ID) back to the list, under this `kreview watch` policy, and serve the web view of its state (default: $KREVIEW_MAIL_POLICY)',
    )
    .option('--log-format <text|json>', "probot's readable lines (default), or one JSON object a line, each line of a delivery's work with its id (also $KREVIEW_LOG_FORMAT; probot's LOG_FORMAT=json too)")
    .action(async (o: { port?: string; host?: string; cache?: string; cloneMaxMb?: string; mailPolicy?: string; mirror: string[]; logFormat?: string; queue?: string; workers?: string }) => {
      // probot reads .env in the working directory over the environment; so do these checks.
      const dotenv = join(process.cwd(), '.env');
      if (existsSync(dotenv)) Object.assign(process.env, parseEnv(readFileSync(dotenv, 'utf8')));
      const env = { ...process.env };
      const { logFormatOf, createLogger } = await import('../ops/log.js');
      const format = env.LOG_FORMAT === 'json' && o.logFormat === undefined ? 'json' : logFormatOf(o.logFormat, env);
      if (format === 'json') env.LOG_FORMAT = 'json';
      const log = createLogger({ name: 'kreview serve', format });
      (await import('../core/operator-notes.js')).setOperatorSink((line) => log.warn(line));
      // Before anything else: never run with probot's public default secret or its setup page.
      const { assertAppIdentity } = await import('./server.js');
      assertAppIdentity(env.APP_ID, env.WEBHOOK_SECRET);
      const { githubWebUrl } = await import('./github-host.js');
      const webUrl = githubWebUrl(env);
      const { mirrorSpecsFromEnv, resolveMirrors } = await import('./mirrors.js');
      const mirrors = await resolveMirrors([...mirrorSpecsFromEnv(env), ...o.mirror]);
      if (o.port !== undefined) {
        if (!/^\d{1,5}$/.test(o.port) || Number(o.port) > 65535) throw new KreviewError(`--port ${o.port}: not a port number`);
        env.PORT = o.port;
      }
      if (o.host !== undefined) env.HOST = o.host;
      if (o.cache !== undefined) process.env.KREVIEW_CACHE = o.cache;
      if (o.cloneMaxMb !== undefined) {
        if (!/^\d+$/.test(o.cloneMaxMb)) throw new KreviewError(`--clone-max-mb ${o.cloneMaxMb}: not a whole number`);
        process.env.KREVIEW_CLONE_MAX_MB = o.cloneMaxMb;
      }
      const queueUrl = o.queue ?? process.env.KREVIEW_QUEUE;
      const jobs = queueUrl ? await openRedisQueue(queueUrl) : undefined;
      const workers = wholeNumber('--workers', o.workers) ?? (jobs ? 0 : 2);
      // Rule files ship with kreview: a broken one stops the server at start-up with its file and line.
      (await import('../../checks/lock/index.js')).validateLockRules();
      // The mail side opens its policy and state now: a broken policy stops the server with one line.
      const policyFile = o.mailPolicy ?? process.env.KREVIEW_MAIL_POLICY;
      const local = !jobs && workers > 0;
      // One registry for the process: /metrics and /healthz are served beside the webhook path.
      const { Metrics } = await import('../ops/metrics.js');
      const metrics = new Metrics();
      // This process's mailer serves the web view and sends what the outbox holds back; the worker
      // mails the reviews it makes (the outbox claims each reply, so two senders never send one twice).
      const mail = policyFile ? await startMailer(policyFile, log, metrics) : null;
      // Loaded here, not at the top: `kreview review` never pays for probot.
      const [{ run }, { createKreviewApp }] = await Promise.all([import('probot'), import('./index.js')]);
      // probot's Octokit keeps its retries; kreview's ContentQueue paces writes per installation.
      const { kreviewOctokit } = await import('./octokit.js');
      // kreview's intake answers the public path and validates payloads; probot's middleware sits behind it.
      const intakePath = env.WEBHOOK_PATH || '/api/github/webhooks';
      const { PROBOT_PATH_SUFFIX } = await import('./server.js');
      env.WEBHOOK_PATH = intakePath + PROBOT_PATH_SUFFIX;
      // One installation's writes counted once, whoever makes them: with the workers on Redis, or with
      // the worker process below through the queue file both open.
      const writeBudget = queueUrl
        ? new (await import('../queue/redis-budget.js')).RedisWriteBudget(queueUrl)
        : local
          ? new (await import('../queue/sqlite-budget.js')).SqliteWriteBudget(join(process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview'), 'jobs.sqlite'))
          : undefined;
      // Reviews run in a worker process of their own, so that no review holds up the answer to a webhook.
      if (local) metrics.addRemote(startLocalWorker({ cache: process.env.KREVIEW_CACHE, workers, mirrors: o.mirror, cloneMaxMb: o.cloneMaxMb, mailPolicy: policyFile, logFormat: format }));
      // With a mail policy, the web view of its state (docs/web.md) is served beside the webhooks.
      const routes = mail ? [await mailWebView(mail)] : [];
      await run(createKreviewApp({ webUrl, mirrors, intakePath, routes, metrics, workers: 0, ...(jobs ? { jobs } : {}), ...(writeBudget ? { writeBudget } : {}), ...(mail ? { mail } : {}) }), {
        env,
        Octokit: kreviewOctokit(metrics),
      });
    });

  program
    .command('worker')
    .description('review the jobs that `kreview serve --queue` (pull requests) and `kreview watch --queue` (mailed series) put on a queue; run any number, on any machine')
    .requiredOption('--queue <url>', 'the queue its feeders use: redis://host:port[/db] (also $KREVIEW_QUEUE), or sqlite:FILE on the feeders\' machine', process.env.KREVIEW_QUEUE)
    .option('--mail-policy <policy.yml>', 'mail the review of a series PR back to the list, under this `kreview watch` policy')
    .option('--concurrency <n>', 'reviews run at once, of each kind (default 2)')
    .option('--cache <dir>', 'clones, state and indexes (default: $KREVIEW_CACHE or ~/.cache/kreview)')
    .option('--clone-max-mb <n>', 'largest repository cloned on first contact; bigger ones are reviewed from the API (0: no limit)')
    .option('--mirror <url=path>', 'a local repository holding most of https://host/owner/repo (repeatable; also $KREVIEW_MIRRORS)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--metrics-port <port>', 'serve /healthz and Prometheus /metrics on this port (0: any free port, printed at start)')
    .option('--metrics-host <addr>', 'address for --metrics-port', '127.0.0.1')
    .action(async (o: { queue: string; concurrency?: string; cache?: string; cloneMaxMb?: string; mirror: string[]; mailPolicy?: string; metricsPort?: string; metricsHost: string }) => {
      // Started by `kreview serve`: gone with it, even when it was killed, and even when that was
      // while this process was still starting (a channel already closed says so; no event comes).
      if (process.send) {
        if (!process.connected) process.exit(0);
        process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
      }
      const dotenv = join(process.cwd(), '.env');
      if (existsSync(dotenv)) Object.assign(process.env, parseEnv(readFileSync(dotenv, 'utf8')));
      const env = { ...process.env };
      // Pull requests need the GitHub App's identity; a worker without one reviews mailed series only.
      const github = env.APP_ID !== undefined && env.APP_ID !== '';
      const { assertAppIdentity } = await import('./server.js');
      if (github) assertAppIdentity(env.APP_ID, env.WEBHOOK_SECRET);
      if (o.cache !== undefined) process.env.KREVIEW_CACHE = o.cache;
      if (o.cloneMaxMb !== undefined) process.env.KREVIEW_CLONE_MAX_MB = String(wholeNumber('--clone-max-mb', o.cloneMaxMb));
      const metricsPort = o.metricsPort === undefined ? undefined : portNumber('--metrics-port', o.metricsPort);
      const concurrency = Math.max(1, wholeNumber('--concurrency', o.concurrency) ?? 2);
      const { githubWebUrl } = await import('./github-host.js');
      const { mirrorSpecsFromEnv, resolveMirrors } = await import('./mirrors.js');
      const mirrors = await resolveMirrors([...mirrorSpecsFromEnv(env), ...o.mirror]);
      (await import('../../checks/lock/index.js')).validateLockRules();
      const { sqliteFileOf, openSeriesQueue, lockMsOf } = await import('../queue/open-queue.js');
      const sqlite = sqliteFileOf(o.queue);
      const jobs = !github ? undefined : sqlite ? new (await import('../queue/sqlite-queue.js')).SqliteJobQueue(sqlite) : await openRedisQueue(o.queue);
      const seriesJobs = await openSeriesQueue(o.queue);
      const { Metrics } = await import('../ops/metrics.js');
      const { createLogger, logFormatOf, withLogContext } = await import('../ops/log.js');
      // Started by serve, the worker logs as serve does (serve passes its format in the environment).
      const format = env.LOG_FORMAT === 'json' ? 'json' : logFormatOf(undefined, env);
      const log = createLogger({ name: 'kreview worker', format });
      (await import('../core/operator-notes.js')).setOperatorSink((line) => log.warn(line));
      // This process's counts; started by `kreview serve`, it answers serve's scrapes over the IPC channel
      // (serve reports its own process figures); on its own, it reports them on --metrics-port.
      const metrics = new Metrics({ processMetrics: !process.send });
      if (process.send) {
        process.on('message', (m: unknown) => {
          const ask = m as { kind?: unknown; id?: unknown };
          if (ask?.kind !== 'metrics?') return;
          void metrics.registry.getMetricsAsJSON().then((data) => process.send?.({ kind: 'metrics', id: ask.id, data }));
        });
      }
      const mail = o.mailPolicy ? await startMailer(o.mailPolicy, log, metrics) : null;
      const { HistoryPool } = await import('../git/history-pool.js');
      const histories = new HistoryPool();
      let service: { close(): Promise<void> } | null = null;
      let writeBudget: { close(): void } | null = null;
      let locks: { close(): void } | null = null;
      const health: Record<string, import('../ops/health.js').HealthCheck> = {};
      if (jobs) {
        const [{ createProbot }, { buildDeps, countJobs, createService, fullOptions }, { kreviewOctokit }] = await Promise.all([import('probot'), import('./index.js'), import('./octokit.js')]);
        const probot = createProbot({ env, overrides: { Octokit: kreviewOctokit(metrics) } });
        // probot sets up its logger and clients asynchronously; auth() waits for that (no API call).
        await probot.auth();
        // The caps shared with the feeder (serve puts the check runs "in progress") and other workers.
        const budget = sqlite ? new (await import('../queue/sqlite-budget.js')).SqliteWriteBudget(sqlite) : new (await import('../queue/redis-budget.js')).RedisWriteBudget(o.queue);
        writeBudget = budget;
        // One review of a PR at a time among all the workers of this Redis (one process: its own chain).
        const prLocks = sqlite ? undefined : new (await import('../queue/redis-lock.js')).RedisLocks(o.queue, { leaseMs: lockMsOf(o.queue) });
        locks = prLocks ?? null;
        const opts = fullOptions({
          webUrl: githubWebUrl(env),
          mirrors,
          jobs,
          metrics,
          histories,
          observe: countJobs(metrics),
          ...(budget ? { writeBudget: budget } : {}),
          ...(prLocks ? { prLocks } : {}),
          ...(mail ? { mail } : {}),
          workers: concurrency,
        });
        const deps = buildDeps(opts);
        // A worker only takes jobs: the starts in the state are serve's (src/app/service.ts).
        service = createService(probot, opts, deps, false);
        const [{ stateReadable }, { StateFile }] = await Promise.all([import('../ops/health.js'), import('../state/open-state.js')]);
        const file = new StateFile(join(opts.cacheDir, 'github-app.sqlite'));
        health.state = stateReadable(() => deps.state.tableCount(), () => file.check());
        metrics.queueDepthFrom('github-jobs', async () => (await jobs.stats()).waiting);
      }
      const { seriesJobRunner } = await import('../queue/series-job.js');
      const runSeries = seriesJobRunner(histories);
      seriesJobs.work(
        (job) =>
          withLogContext({ messageId: job.messageId }, async () => {
            log.info(`series review started: <${job.messageId}> (${job.key})`);
            const review = await runSeries(job);
            metrics.countFindings('mail', review.patches.flatMap((p) => p.findings.map((f) => f.id)));
            log.info(`series review done: <${job.messageId}>, ${review.patches.length} patches`);
            return review;
          }),
        concurrency,
        (d) => {
          metrics.reviews.inc({ source: 'mail', result: d.ok ? 'reviewed' : 'failed' });
          metrics.jobSeconds.observe({ source: 'mail' }, d.ranMs / 1000);
          if (!d.ok) metrics.errors.inc({ where: 'review' });
        },
      );
      metrics.queueDepthFrom('series-jobs', async () => (await seriesJobs.stats()).waiting);
      health.queue = (await import('../ops/health.js')).queueAnswers(() => seriesJobs.stats());
      const ops = metricsPort === undefined ? null : await startOps(metrics, health, metricsPort, o.metricsHost);
      if (ops) log.info(`/healthz and /metrics on ${ops.url}`);
      log.info(`taking jobs from ${o.queue}, ${concurrency} at a time: ${jobs ? 'pull requests and mailed series' : 'mailed series only (no APP_ID)'}`);
      // SIGTERM: stop taking jobs; one still running is handed to another worker when its lock lapses.
      await new Promise<void>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
      await ops?.close();
      await service?.close();
      await seriesJobs.close();
      writeBudget?.close();
      locks?.close();
      process.exit(0);
    });
}

async function startOps(metrics: Metrics, health: Record<string, import('../ops/health.js').HealthCheck>, port: number, host: string) {
  const { opsHandler, startOpsServer } = await import('../ops/http.js');
  return startOpsServer(opsHandler({ metrics, health }), port, host);
}

function portNumber(flag: string, v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new KreviewError(`${flag} ${v}: not a port number`);
  return Number(v);
}

/** `kreview worker` on the SQLite queue in the cache dir, as a child that ends when this process ends. */
function startLocalWorker(o: {
  cache: string | undefined;
  workers: number;
  mirrors: string[];
  cloneMaxMb: string | undefined;
  mailPolicy: string | undefined;
  logFormat: 'text' | 'json';
}): () => Promise<MetricsJson | null> {
  const cache = o.cache ?? join(homedir(), '.cache', 'kreview');
  const args = ['worker', '--queue', `sqlite:${join(cache, 'jobs.sqlite')}`, '--concurrency', String(o.workers), '--cache', cache];
  for (const m of o.mirrors) args.push('--mirror', m);
  if (o.cloneMaxMb !== undefined) args.push('--clone-max-mb', o.cloneMaxMb);
  if (o.mailPolicy) args.push('--mail-policy', o.mailPolicy);
  let child: ReturnType<typeof spawn> | null = null;
  process.once('exit', () => child?.kill('SIGTERM'));
  const start = () => {
    // Its log lines in serve's format: probot's (LOG_FORMAT) and kreview's own (KREVIEW_LOG_FORMAT).
    const env: NodeJS.ProcessEnv = { ...process.env, KREVIEW_LOG_FORMAT: o.logFormat, ...(o.logFormat === 'json' ? { LOG_FORMAT: 'json' as const } : {}) };
    child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    child.once('exit', (code, signal) => {
      child = null;
      // Killed (out of memory, by hand): another one takes the jobs over. Exited with an error (a broken
      // mail policy, its one line already printed): so does the server, rather than loop.
      if (signal === null && code !== 0) process.exit(code ?? 1);
      process.stderr.write(`kreview serve: the worker process ended (${signal ?? 'exit 0'}); starting another\n`);
      setTimeout(start, 1000).unref();
    });
  };
  start();
  // The worker's counts, asked over its IPC channel at each scrape; a worker that is restarting or
  // does not answer within a second is left out of that scrape.
  let asked = 0;
  return () =>
    new Promise((resolve) => {
      const c = child as ReturnType<typeof spawn> | null;
      if (!c?.connected) return resolve(null);
      const id = ++asked;
      const done = (data: MetricsJson | null) => {
        clearTimeout(timer);
        c.off('message', onMessage);
        resolve(data);
      };
      const onMessage = (m: unknown) => {
        const a = m as { kind?: unknown; id?: unknown; data?: MetricsJson };
        if (a?.kind === 'metrics' && a.id === id) done(a.data ?? null);
      };
      const timer = setTimeout(() => done(null), 1000);
      c.on('message', onMessage);
      c.send({ kind: 'metrics?', id });
    });
}

function wholeNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new KreviewError(`${flag} ${v}: not a whole number`);
  return Number(v);
}

async function openRedisQueue(url: string) {
  const { RedisJobQueue } = await import('../queue/redis-queue.js');
  const { parseRedisUrl } = await import('../queue/redis-url.js');
  parseRedisUrl(url);
  const q = new RedisJobQueue(url);
  await q.ready();
  return q;
}

/** The web view over the mailer's state; an approved reply is sent at once. */
async function mailWebView(mail: Awaited<ReturnType<typeof startMailer>>) {
  const { webView } = await import('../web/view.js');
  const w = mail.watcher;
  const log = (m: string) => process.stderr.write(`kreview serve: web: ${m}\n`);
  return webView({
    db: w.db,
    policy: () => w.policy.current,
    log,
    onDecision: () => void mail.flush().catch((e: unknown) => log(`outbox: ${errorMessage(e)}`)),
  });
}

/**
 * The PR-review mailer, with a timer that sends what its outbox holds back (an embargo, a retry
 * after a refused delivery) when no `kreview watch` daemon shares the state to send it.
 */
async function startMailer(policyFile: string, logger: Logger, metrics: Metrics) {
  const { PullRequestMailer } = await import('../watch/pr-mailer.js');
  // Links in the mail point where people see the PR: GitHub Enterprise when probot is pointed there.
  const ghe = process.env.GHE_HOST;
  const webUrl = ghe ? `${process.env.GHE_PROTOCOL ?? 'https'}://${ghe}` : 'https://github.com';
  const log = (m: string) => logger.info(`mail: ${m}`);
  const mailer = new PullRequestMailer({ policyFile, webUrl, log, metrics });
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    mailer
      .flush()
      .then((sent) => sent.length && log(`sent ${sent.length} held-back repl${sent.length === 1 ? 'y' : 'ies'}`))
      .catch((e: unknown) => log(`outbox: ${errorMessage(e)}`))
      .finally(() => (busy = false));
  };
  setInterval(tick, Math.max(5_000, mailer.watcher.policy.current.pollMs)).unref();
  log(`mailing reviews of series pull requests under ${policyFile}`);
  return mailer;
}
