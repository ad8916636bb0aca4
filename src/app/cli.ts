// `kreview serve`: runs the GitHub App with probot's server, configured the way probot
// documents (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PROXY_URL, PORT).
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { errorMessage } from '../core/errors.js';
import { KreviewError } from '../core/types.js';
import type { Logger } from '../ops/log.js';
import type { Metrics } from '../ops/metrics.js';

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
    .option(
      '--mail-policy <policy.yml>',
      'mail the review of a series PR (its body names the Message-ID) back to the list, under this `kreview watch` policy, and serve the web view of its state (default: $KREVIEW_MAIL_POLICY)',
    )
    .option('--log-format <text|json>', "probot's readable lines (default), or one JSON object a line, each line of a delivery's work with its id (also $KREVIEW_LOG_FORMAT; probot's LOG_FORMAT=json too)")
    .action(async (o: { port?: string; host?: string; cache?: string; cloneMaxMb?: string; mailPolicy?: string; mirror: string[]; logFormat?: string }) => {
      // probot reads .env in the working directory over the environment; so do these checks.
      const dotenv = join(process.cwd(), '.env');
      if (existsSync(dotenv)) Object.assign(process.env, parseEnv(readFileSync(dotenv, 'utf8')));
      const env = { ...process.env };
      const { logFormatOf, createLogger } = await import('../ops/log.js');
      const format = env.LOG_FORMAT === 'json' && o.logFormat === undefined ? 'json' : logFormatOf(o.logFormat, env);
      if (format === 'json') env.LOG_FORMAT = 'json';
      const log = createLogger({ name: 'kreview serve', format });
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
      // Rule files ship with kreview: a broken one stops the server at start-up with its file and line.
      (await import('../../checks/lock/index.js')).validateLockRules();
      // The mail side opens its policy and state now: a broken policy stops the server with one line.
      const policyFile = o.mailPolicy ?? process.env.KREVIEW_MAIL_POLICY;
      // One registry for the process: /metrics and /healthz are served beside the webhook path.
      const { Metrics } = await import('../ops/metrics.js');
      const metrics = new Metrics();
      const mail = policyFile ? await startMailer(policyFile, log, metrics) : null;
      // Loaded here, not at the top: `kreview review` never pays for probot.
      const [{ run }, { createKreviewApp }] = await Promise.all([import('probot'), import('./index.js')]);
      // probot's Octokit keeps its throttling, its write group shaped like the ContentQueue (a short
      // burst, then one a second); the queue adds order across events and Retry-After.
      const [{ kreviewOctokit }, { spacingFromEnv }] = await Promise.all([import('./octokit.js'), import('./content-queue.js')]);
      // kreview's intake answers the public path and validates payloads; probot's middleware sits behind it.
      const intakePath = env.WEBHOOK_PATH || '/api/github/webhooks';
      const { PROBOT_PATH_SUFFIX } = await import('./server.js');
      env.WEBHOOK_PATH = intakePath + PROBOT_PATH_SUFFIX;
      // With a mail policy, the web view of its state (docs/web.md) is served beside the webhooks.
      const routes = mail ? [await mailWebView(mail)] : [];
      await run(createKreviewApp({ webUrl, mirrors, intakePath, routes, metrics, ...(mail ? { mail } : {}) }), { env, Octokit: kreviewOctokit(spacingFromEnv(), metrics) });
    });
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
