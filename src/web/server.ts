// The HTTP server of `kreview watch --http`: a plain node:http server that asks each route handler in
// turn, the same handler shape probot's server mounts with addHandler (so `kreview serve` mounts the
// same handlers beside its webhooks). Other handlers (health, metrics) are mounted the same way.
// Loopback by default: the pages show list mail to whoever can reach them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../core/errors.js';

/** Answers a request and returns true, or returns false to let the next handler try. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface WebServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  handlers: RouteHandler[];
  log?: (msg: string) => void;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_WEB_HOST = '127.0.0.1';

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const log = o.log ?? ((m: string) => process.stderr.write(`kreview web: ${m}\n`));
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        for (const h of o.handlers) if (await h(req, res)) return;
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('not found\n');
      } catch (e) {
        log(`${req.method} ${(req.url ?? '').slice(0, 200)}: ${errorMessage(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      }
    })();
  });
  // Slow or idle clients do not hold sockets for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? DEFAULT_WEB_HOST, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
