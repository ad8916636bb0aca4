// `/healthz` and `/metrics` as a plain node request handler: true when it answered. It mounts on any
// node:http server (`kreview watch --metrics-port`, the web view), in front of probot's middleware
// (startAppServer) and through probot's addHandler (`kreview serve`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../core/errors.js';
import { runHealth, type HealthCheck } from './health.js';
import type { Metrics } from './metrics.js';

export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

export interface OpsEndpoints {
  metrics: Metrics;
  health: Record<string, HealthCheck>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function opsHandler(o: OpsEndpoints): RequestHandler {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== HEALTH_PATH && path !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
      return true;
    }
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
    try {
      if (path === METRICS_PATH) send(200, o.metrics.registry.contentType, await o.metrics.text());
      else {
        const report = await runHealth(o.health);
        send(report.ok ? 200 : 503, 'application/json', JSON.stringify(report) + '\n');
      }
    } catch (e) {
      send(500, 'text/plain', `${errorMessage(e).split('\n')[0]}\n`);
    }
    return true;
  };
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/** A server with nothing but the ops endpoints (`kreview watch --metrics-port`). */
export async function startOpsServer(handler: RequestHandler, port: number, host = '127.0.0.1'): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    void handler(req, res).then((done) => {
      if (!done) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const url = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
