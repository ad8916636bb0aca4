// git's smart HTTP protocol for the fake GitHub: `git http-backend` as a CGI behind it, serving
// its bare repository at /<owner>/<repo>.git like github.com, and refusing a fetch without the
// installation token (Basic x-access-token:<token>, as GitHub takes it).
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';

export interface GitRequest {
  url: string;
  authorization: string | undefined;
}

export function expectedAuthorization(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/** Serve one request of `git fetch` from `bare`; `rest` is the path after `/<owner>/<repo>.git`. */
export function serveGit(bare: string, rest: string, body: Buffer, req: IncomingMessage, res: ServerResponse, token: string | null): void {
  if (token !== null && req.headers.authorization !== expectedAuthorization(token)) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' }).end('Authentication failed\n');
    return;
  }
  const u = new URL(req.url ?? '/', 'http://x');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: dirname(bare),
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    PATH_INFO: `/${basename(bare)}${rest}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: u.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: String(body.length),
    REMOTE_ADDR: '127.0.0.1',
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    // git gzips a large negotiation request.
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
  };
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const out: Buffer[] = [];
  cgi.stdout.on('data', (b: Buffer) => out.push(b));
  cgi.on('close', () => {
    const all = Buffer.concat(out);
    const end = all.indexOf('\r\n\r\n');
    const head = all.subarray(0, end < 0 ? 0 : end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const k = line.slice(0, colon).trim();
      const v = line.slice(colon + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers).end(all.subarray(end < 0 ? 0 : end + 4));
  });
  cgi.stdin.on('error', () => undefined);
  cgi.stdin.end(body);
}
