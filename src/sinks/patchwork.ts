// Patchwork checks: one check per patch, posted through patchwork's REST API (API 1.2, as documented
// in patchwork's docs/api/schemas/v1.2): the patch found by `GET /api/patches/?msgid=`, the check
// posted with `POST /api/patches/{id}/checks/` and a token, listed back with `GET` to settle a post
// whose answer was lost.
import { KreviewError, SEVERITY_RANK, type Finding } from '../core/types.js';

export interface PatchworkConfig {
  /** The instance, e.g. https://patchwork.kernel.org (the API is under /api/). */
  url: string;
  /** Its project's link name, to tell one list's copy of a patch from another's; null: any. */
  project: string | null;
  /** Name of the environment variable holding the API token (never the token itself in a file). */
  tokenEnv: string;
  /** Link shown with the check; `{msgid}` is replaced by the patch's Message-ID; null: none. */
  targetUrl: string | null;
}

export type CheckState = 'success' | 'warning' | 'fail';

export interface CheckBody {
  state: CheckState;
  context: string;
  description: string;
  target_url?: string;
}

export const CHECK_CONTEXT = 'kreview';

/** The key a check owed is filed under: one instance and project. */
export const patchworkInstance = (c: PatchworkConfig): string => `${c.url.replace(/\/+$/, '')}#${c.project ?? ''}`;

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/**
 * The check for one patch's findings (those the list reports): fail only for an error kreview is sure
 * of, warning for anything else it would say, success for a clean patch. One line with the counts.
 */
export function checkFor(findings: Finding[], targetUrl: string | null, messageId: string): CheckBody {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const sureError = errors.some((f) => (f.confidence ?? 'high') === 'high');
  const state: CheckState = sureError ? 'fail' : findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning) ? 'warning' : 'success';
  const ids = [...new Set(findings.filter((f) => f.severity !== 'note').map((f) => f.id))];
  const counts = [errors.length && plural(errors.length, 'error'), warnings.length && plural(warnings.length, 'warning')].filter(Boolean).join(', ');
  let description = counts ? `${counts}: ${ids.join(', ')}` : 'no problems found in Fixes: tags or lock order';
  if (description.length > 250) description = `${description.slice(0, 247)}...`;
  return { state, context: CHECK_CONTEXT, description, ...(targetUrl ? { target_url: targetUrl.replaceAll('{msgid}', encodeURIComponent(messageId)) } : {}) };
}

/** How many pages of a patch's checks are read when settling a lost post (250 checks a page). */
const CHECK_PAGES = 40;

/**
 * The `rel="next"` target of a Link header (RFC 8288), kept only when it stays under the instance's API
 * root: a page link never takes the token to another host.
 */
export function nextLink(header: string | null, apiRoot: string): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m || !/(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2])) continue;
    return m[1].startsWith(`${apiRoot}/`) ? m[1] : null;
  }
  return null;
}

/** The patch could not be found (yet): patchwork may still be reading the list. */
export class PatchNotFound extends KreviewError {}

export class PatchworkClient {
  private readonly api: string;
  private readonly token: string;

  constructor(
    private readonly c: PatchworkConfig,
    env: NodeJS.ProcessEnv = process.env,
    private readonly timeoutMs = 30_000,
  ) {
    this.api = `${c.url.replace(/\/+$/, '')}/api`;
    const token = env[c.tokenEnv];
    if (!token) throw new KreviewError(`patchwork ${c.url}: no API token in $${c.tokenEnv}`);
    this.token = token;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return (await this.request(method, `${this.api}${path}`, body)).json;
  }

  /** One request; the answer's JSON and its `Link: <...>; rel="next"` page, when on this instance. */
  private async request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ json: unknown; next: string | null }> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { authorization: `Token ${this.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'error',
      });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? 'no answer in time' : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
      throw new KreviewError(`patchwork ${method} ${url}: ${why}`);
    }
    const text = await res.text();
    if (!res.ok) throw new KreviewError(`patchwork ${method} ${url}: HTTP ${res.status} ${text.slice(0, 120).replace(/\s+/g, ' ')}`);
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new KreviewError(`patchwork ${method} ${url}: the answer is not JSON`);
    }
    return { json, next: nextLink(res.headers.get('link'), this.api) };
  }

  /** The patch's id in this instance (and project, when configured). */
  async findPatch(messageId: string): Promise<number> {
    const q = new URLSearchParams({ msgid: messageId });
    if (this.c.project) q.set('project', this.c.project);
    const list = await this.call('GET', `/patches/?${q}`);
    const ids = Array.isArray(list) ? list.map((p) => (p as { id?: unknown }).id).filter((id): id is number => Number.isInteger(id)) : [];
    if (ids.length === 0) throw new PatchNotFound(`patchwork ${this.c.url}: no patch <${messageId}>${this.c.project ? ` in ${this.c.project}` : ''} yet`);
    return ids[0];
  }

  async postCheck(patchId: number, check: CheckBody): Promise<void> {
    await this.call('POST', `/patches/${patchId}/checks/`, check);
  }

  /** Whether a check like this one is already on the patch (a post whose answer was lost went through). */
  async hasCheck(patchId: number, check: CheckBody): Promise<boolean> {
    // Patchwork pages its lists (Link headers, at most 250 a page); a patch busy with CI bots can carry
    // more checks than one page, and ours may be on any of them. Bounded: a server that pages forever
    // costs at most CHECK_PAGES requests, and an unsettled post then counts as not made.
    let url: string | null = `${this.api}/patches/${patchId}/checks/?per_page=250`;
    for (let page = 0; url && page < CHECK_PAGES; page++) {
      const r: { json: unknown; next: string | null } = await this.request('GET', url);
      const found = Array.isArray(r.json) && r.json.some((c) => {
        const o = c as Partial<CheckBody>;
        return o.context === check.context && o.state === check.state && o.description === check.description;
      });
      if (found) return true;
      url = r.next;
    }
    return false;
  }
}
