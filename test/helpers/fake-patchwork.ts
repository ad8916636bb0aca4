// A local stand-in for a patchwork instance (no patchwork server installs from the registries here),
// following patchwork's documented REST API 1.2 (docs/api/schemas/v1.2/patchwork.yaml in patchwork's
// tree): patches listed and filtered by `msgid` (without angle brackets) and `project` (link name);
// checks listed and created under /api/patches/{id}/checks/, creation needing `Authorization: Token`,
// `state` one of pending, success, warning, fail, and `context` a slug.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakePatch {
  id: number;
  msgid: string;
  project: string;
}

export interface FakeCheck {
  id: number;
  patch: number;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
}

export class FakePatchwork {
  readonly patches: FakePatch[] = [];
  readonly checks: FakeCheck[] = [];
  /** POSTs to answer by dropping the connection after storing the check (a lost answer). */
  dropAnswers = 0;
  private server!: Server;
  url = '';

  constructor(readonly token: string) {}

  addPatch(msgid: string, project: string): number {
    const id = this.patches.length + 1;
    this.patches.push({ id, msgid: `<${msgid}>`, project });
    return id;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private patchJson(p: FakePatch) {
    return { id: p.id, url: `${this.url}/api/patches/${p.id}/`, msgid: p.msgid, project: { link_name: p.project }, checks: `${this.url}/api/patches/${p.id}/checks/` };
  }

  private checkJson(c: FakeCheck) {
    return { id: c.id, url: `${this.url}/api/patches/${c.patch}/checks/${c.id}/`, user: { username: 'kreview' }, date: '2026-12-06T10:00:00', state: c.state, target_url: c.target_url, context: c.context, description: c.description };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/api/patches/') {
      const msgid = url.searchParams.get('msgid');
      const project = url.searchParams.get('project');
      const hits = this.patches.filter((p) => (!msgid || p.msgid === `<${msgid}>`) && (!project || p.project === project));
      return send(200, hits.map((p) => this.patchJson(p)));
    }
    const m = /^\/api\/patches\/(\d+)\/checks\/$/.exec(url.pathname);
    const patch = m ? this.patches.find((p) => p.id === Number(m[1])) : undefined;
    if (!m || !patch) return send(404, { detail: 'Not found.' });
    if (req.method === 'GET') {
      // Paged as patchwork's REST API pages: `page` and `per_page` (30 by default, at most 250), the
      // neighbouring pages in a Link header.
      const all = this.checks.filter((c) => c.patch === patch.id);
      const per = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 250);
      const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
      const link = (n: number) => {
        const u = new URL(url);
        u.searchParams.set('page', String(n));
        return u.href;
      };
      const links = [page * per < all.length && `<${link(page + 1)}>; rel="next"`, page > 1 && `<${link(page - 1)}>; rel="prev"`].filter(Boolean);
      if (links.length) res.setHeader('link', links.join(', '));
      return send(200, all.slice((page - 1) * per, page * per).map((c) => this.checkJson(c)));
    }
    if (req.method !== 'POST') return send(405, { detail: `Method "${req.method}" not allowed.` });
    if (req.headers.authorization !== `Token ${this.token}`) return send(401, { detail: 'Authentication credentials were not provided.' });
    let text = '';
    for await (const chunk of req) text += chunk;
    const b = JSON.parse(text) as Partial<FakeCheck>;
    if (!['pending', 'success', 'warning', 'fail'].includes(b.state ?? '')) return send(400, { state: [`"${b.state}" is not a valid choice.`] });
    if (!b.context || !/^[-a-zA-Z0-9_]+$/.test(b.context)) return send(400, { context: ['Enter a valid "slug".'] });
    const check: FakeCheck = { id: this.checks.length + 1, patch: patch.id, state: b.state!, context: b.context, description: b.description ?? null, target_url: b.target_url ?? null };
    this.checks.push(check);
    if (this.dropAnswers > 0) {
      this.dropAnswers--;
      req.socket.destroy();
      return;
    }
    send(201, this.checkJson(check));
  }
}
