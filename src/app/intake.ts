// The webhook endpoint: signature first, then the payload's shape (payload.ts), so a malformed
// signed payload is a 400 with one log line and never reaches the API or git. Then the service
// records the job and the delivery is answered at once (202: queued; 200: nothing to do); the review
// runs later, in a worker.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import { errorMessage } from '../core/errors.js';
import type { Accepted } from './service.js';
import { installationId, PayloadError, validCheckEvent, validComment, validPull, validRepository } from './payload.js';
import type { Metrics } from '../ops/metrics.js';

/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY = 25 << 20;

/** Throw PayloadError unless the events kreview handles carry what it reads. */
export function validateEvent(name: string, payload: unknown): void {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new PayloadError('malformed webhook payload: not a JSON object');
  const p = payload as Record<string, unknown>;
  switch (name) {
    case 'pull_request':
      validRepository(p.repository);
      installationId(p);
      validPull(p.pull_request);
      return;
    case 'issue_comment':
      validRepository(p.repository);
      installationId(p);
      validComment(p);
      return;
    case 'check_run':
    case 'check_suite':
      validRepository(p.repository);
      installationId(p);
      validCheckEvent(p[name], name);
      return;
    default:
      return;
  }
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A node request handler for `path`: true when it answered the request. */
export function webhookIntake(app: Probot, path: string, service: { accept(id: string, name: string, payload: Record<string, unknown>): Accepted }, metrics?: Metrics) {
  const answer = (res: ServerResponse, status: number, body: string, event = '') => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status < 300 ? { ok: body } : { error: body }));
    // Only the events kreview handles by name: anything else a sender invents is `other`.
    metrics?.webhooks.inc({ event: /^(pull_request|issue_comment|check_run|check_suite|installation\w*|ping)$/.test(event) ? event : 'other', status: String(status) });
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== path) return false;
    if (req.method !== 'POST') {
      answer(res, 405, 'webhooks are POSTed');
      return true;
    }
    const id = header(req, 'x-github-delivery');
    const name = header(req, 'x-github-event');
    const signature = header(req, 'x-hub-signature-256');
    const refuse = (status: number, why: string) => {
      // The delivery id as a field too, as probot puts it on every line of the delivery's handlers.
      app.log.child({ id: id || null }).warn(`delivery ${id || '(no id)'} (${name || 'no event'}) refused: ${why}`);
      answer(res, status, why, name);
      return true;
    };
    if (!id || !name || !signature) return refuse(400, 'missing X-GitHub-Delivery, X-GitHub-Event or X-Hub-Signature-256');
    const body = await readBody(req);
    if (body === null) return refuse(413, `payload larger than ${MAX_BODY} bytes`);
    if (!(await app.webhooks.verify(body, signature).catch(() => false))) return refuse(401, 'signature does not match the payload and the secret');
    let payload: unknown;
    try {
      payload = JSON.parse(body);
      validateEvent(name, payload);
    } catch (e) {
      return refuse(400, e instanceof PayloadError ? e.message : 'malformed webhook payload: not JSON');
    }
    try {
      const r = service.accept(id, name, payload as Record<string, unknown>);
      answer(res, r.status, r.message, name);
    } catch (e) {
      // The state could not be written (disk full, a locked database): GitHub may redeliver later.
      app.log.error(`delivery ${id} (${name}) not recorded: ${errorMessage(e)}`);
      answer(res, 503, 'the job could not be recorded; redeliver later', name);
    }
    return true;
  };
}
