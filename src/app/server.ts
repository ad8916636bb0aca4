// The app on a plain node:http server: kreview's intake, the service and its in-process workers
// (jobs in SQLite in the cache dir unless `app.jobs` says otherwise). Used by tests and the bench on
// loopback at any port, and by anyone mounting kreview beside other handlers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot, ProbotOctokit } from 'probot';
import { createKreviewApp, type AppOptions } from './index.js';
import type { ReviewService } from './service.js';
import { kreviewOctokit } from './octokit.js';
import { HistoryPool } from '../git/history-pool.js';
import { KreviewError } from '../core/types.js';
import { githubWebUrl, webUrlOfApi } from './github-host.js';
import type { RouteHandler } from '../web/server.js';
import type { Metrics } from '../ops/metrics.js';

/** Where probot's own middleware listens under `kreview serve`: behind kreview's intake, which answers every webhook itself. */
export const PROBOT_PATH_SUFFIX = '/_probot';

export interface AppServerOptions {
  appId: number | string;
  privateKey: string;
  secret: string;
  /** GitHub's API (default https://api.github.com); a local server in tests. */
  baseUrl?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  webhookPath?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  app?: Partial<AppOptions>;
  /** More HTTP handlers asked after the webhooks (the web view; health and metrics). */
  routes?: RouteHandler[];
  /** Octokit class (default probot's, with its retries and its throttling shaped by kreviewOctokit); tests turn both off to see every call as made. */
  Octokit?: typeof ProbotOctokit;
  /** Counters for /metrics (served with /healthz beside the webhook path); default: none, no endpoints. */
  metrics?: Metrics;
}

export interface AppServer {
  url: string;
  webhookUrl: string;
  probot: Probot;
  service: ReviewService;
  /** Resolves when no review started by a webhook is still running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Without a secret probot would take the public default `development`; without an app id it cannot mint tokens. */
export function assertAppIdentity(appId: unknown, secret: unknown): void {
  if (!appId || !/^\d+$/.test(String(appId))) throw new KreviewError('APP_ID is not set (the GitHub App id, a number); kreview serve does not start without it');
  if (typeof secret !== 'string' || secret === '' || secret === 'development') {
    throw new KreviewError("WEBHOOK_SECRET is not set (or is probot's public default); kreview serve does not accept unsigned webhooks");
  }
}

export async function startAppServer(o: AppServerOptions): Promise<AppServer> {
  assertAppIdentity(o.appId, o.secret);
  const probot = new Probot({
    appId: o.appId,
    privateKey: o.privateKey,
    secret: o.secret,
    baseUrl: o.baseUrl,
    logLevel: o.logLevel ?? 'warn',
    Octokit: o.Octokit ?? kreviewOctokit(o.metrics),
  });
  const webhookPath = o.webhookPath ?? '/api/github/webhooks';
  // The clones' Histories stay open between reviews and are closed with the server.
  const histories = o.app?.histories ?? new HistoryPool();
  // The app mounted as `kreview serve` mounts it: the intake, the extra routes, /healthz and /metrics.
  const handlers: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[] = [];
  let service: ReviewService | null = null;
  createKreviewApp({
    // Repositories are fetched from the web host that goes with the API.
    webUrl: o.baseUrl ? webUrlOfApi(o.baseUrl) : githubWebUrl(),
    ...o.app,
    histories,
    intakePath: webhookPath,
    ...(o.routes ? { routes: o.routes } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    onService: (s) => {
      service = s;
      o.app?.onService?.(s);
    },
  })(probot, { addHandler: (h) => handlers.push(h) });
  const svc = service as ReviewService | null;
  if (!svc) throw new KreviewError('the app did not create its review service');
  const server: Server = createServer((req, res) => {
    void (async () => {
      for (const h of handlers) if (await h(req, res)) return;
      res.writeHead(req.url === '/ping' ? 200 : 404, { 'content-type': 'text/plain' }).end(req.url === '/ping' ? 'PONG' : 'not found\n');
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  return {
    url,
    webhookUrl: url + webhookPath,
    probot,
    service: svc,
    idle: () => svc.drained(),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await svc.close();
      await histories.close();
    },
  };
}
