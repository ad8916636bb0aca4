// A local HTTP server answering the part of GitHub's REST API the app calls, backed by a real
// bare repository standing in for github.com; it records every call and validates review comments like GitHub.
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveGit, type GitRequest } from './git-http.js';

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any; // JSON as sent by the app: tests read whatever fields they assert on.
  auth: string | undefined;
  /** When the call arrived (ms since the epoch). */
  at: number;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  user: string;
  headSha: string;
  baseSha: string;
  baseRef: string;
  draft?: boolean;
}

interface StoredComment {
  id: number;
  /** The pull request it is on: GitHub lists a PR's own comments only. */
  pull_number: number;
  review_id: number;
  path: string;
  line: number;
  side: string;
  body: string;
  commit_id: string;
  user: { login: string; type: string };
}

interface StoredReview {
  id: number;
  /** The pull request it is on: GitHub lists a PR's own reviews only. */
  pull_number: number;
  body: string;
  state: string;
  commit_id: string;
  user: { login: string; type: string };
}

const BOT = { login: 'kreview[bot]', type: 'Bot' };

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  title: string;
  message: string;
}

/** A check run as GitHub keeps it: the last values sent, annotations appended update after update. */
export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  /** The job key kreview tags its check run with (found again after a crash). */
  external_id?: string;
  status: string;
  conclusion?: string;
  output?: { title: string; summary: string };
  annotations: FakeAnnotation[];
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
}

export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  readonly pulls = new Map<number, FakePull>();
  readonly reviews: StoredReview[] = [];
  readonly comments: StoredComment[] = [];
  readonly checkRuns = new Map<number, FakeCheckRun>();
  /** Users with write access (collaborator permission). */
  readonly writers = new Set<string>();
  /** Contents of .github/kreview.yml on the default branch, or null for none. */
  config: string | null = null;
  /** Extra refusals on top of GitHub's own diff validation (a diff that moved under the app). */
  refuseComment: (c: { path: string; line: number; side: string }) => boolean = () => false;
  /** Path GitHub Enterprise puts before the API (`/api/v3`); probot adds it when GHE_HOST is set. */
  pathPrefix = '';
  /** Answer the next N content-creating calls with a secondary rate limit. */
  rateLimitNext = 0;
  /** Called with each API call before it is answered (a test may hold the answer, or kill the caller). */
  beforeAnswer: (c: RecordedCall) => void | Promise<void> = () => undefined;
  /** Requests of git's smart HTTP protocol (the app's fetches), with what they carried. */
  readonly gitRequests: GitRequest[] = [];
  /** The token a fetch must carry: the one the access_tokens call gives out. */
  gitToken: string | null = `ghs_installation_4242`;
  private server: Server | null = null;
  private nextId = 1000;
  url = '';

  constructor(
    /** The bare repository that plays github.com's copy of owner/repo. */
    readonly bare: string,
    readonly owner = 'acme',
    readonly repo = 'linux',
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    // Clients' keep-alive connections would hold close() open.
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  callsTo(method: string, pattern: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && pattern.test(c.path));
  }

  /** Files of the PR as pulls.listFiles gives them: the three-dot diff, one `patch` per file without headers. */
  prFiles(pull: FakePull): { filename: string; status: string; patch?: string }[] {
    return this.filesBetween(`${pull.baseSha}...${pull.headSha}`);
  }

  private readonly diffs = new Map<string, { filename: string; status: string; patch?: string }[]>();

  /** Commits never change, so the diff between two of them is computed once. */
  private filesBetween(range: string, ...more: string[]): { filename: string; status: string; patch?: string }[] {
    const key = [range, ...more].join(' ');
    const hit = this.diffs.get(key);
    if (hit) return hit;
    const statusWord: Record<string, string> = { A: 'added', D: 'removed', M: 'modified' };
    const out = [];
    for (const line of git(this.bare, 'diff', '--name-status', '--no-renames', range, ...more).split('\n').filter(Boolean)) {
      const [st, path] = line.split('\t');
      const full = git(this.bare, 'diff', '--no-renames', range, ...more, '--', path);
      const at = full.indexOf('\n@@');
      out.push({ filename: path, status: statusWord[st[0]] ?? 'modified', ...(at >= 0 ? { patch: full.slice(at + 1).replace(/\n$/, '') } : {}) });
    }
    this.diffs.set(key, out);
    return out;
  }

  /** The lines of the PR diff a comment may sit on, per side, computed as GitHub does from the patch text. */
  private commentable(pull: FakePull, c: { path: string; line: number; side: string }): boolean {
    const f = this.prFiles(pull).find((x) => x.filename === c.path);
    if (!f?.patch) return false;
    let o = 0;
    let n = 0;
    for (const l of f.patch.split('\n')) {
      const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)/.exec(l);
      if (h) {
        o = Number(h[1]);
        n = Number(h[2]);
      } else if (l.startsWith('+')) {
        if (c.side === 'RIGHT' && n === c.line) return true;
        n++;
      } else if (l.startsWith('-')) {
        if (c.side === 'LEFT' && o === c.line) return true;
        o++;
      } else if (l.startsWith(' ')) {
        if ((c.side === 'RIGHT' && n === c.line) || (c.side === 'LEFT' && o === c.line)) return true;
        o++;
        n++;
      }
    }
    return false;
  }

  private pullJson(p: FakePull) {
    return {
      number: p.number,
      title: p.title,
      body: p.body,
      draft: p.draft ?? false,
      user: { login: p.user, type: 'User' },
      head: { sha: p.headSha, ref: `pr-${p.number}` },
      base: { sha: p.baseSha, ref: p.baseRef },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://x');
    // git fetches from the web host, like github.com/<owner>/<repo>.git: not an API call.
    const gitPrefix = `/${this.owner}/${this.repo}.git/`;
    if (u.pathname.startsWith(gitPrefix)) {
      this.gitRequests.push({ url: req.url ?? '', authorization: req.headers.authorization });
      return serveGit(this.bare, u.pathname.slice(gitPrefix.length - 1), Buffer.concat(chunks), req, res, this.gitToken);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const call: RecordedCall = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(u.pathname).replace(this.pathPrefix ? new RegExp(`^${this.pathPrefix}`) : /^/, ''),
      query: u.searchParams,
      body: text ? JSON.parse(text) : null,
      auth: req.headers.authorization,
      at: Date.now(),
    };
    this.calls.push(call);
    await this.beforeAnswer(call);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
      res.end(raw);
    };
    try {
      this.route(call, send);
    } catch (e) {
      send(500, { message: String(e) });
    }
  }

  private route(c: RecordedCall, send: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    let r: RegExpExecArray | null;
    const creates = c.method !== 'GET';
    if (creates && this.rateLimitNext > 0 && !c.path.startsWith('/app/')) {
      this.rateLimitNext--;
      return send(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '1' });
    }
    if (c.method === 'POST' && (r = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(c.path))) {
      return send(201, { token: `ghs_installation_${r[1]}`, expires_at: new Date(Date.now() + 3600_000).toISOString() });
    }
    if (!c.path.startsWith(repoPrefix)) return send(404, { message: 'Not Found' });
    const p = c.path.slice(repoPrefix.length);
    const m = (re: RegExp) => re.exec(p);
    if (c.method === 'GET' && p === '/contents/.github/kreview.yml') {
      if (c.query.get('ref')) return send(400, { message: 'kreview must read its config from the default branch' });
      return this.config === null ? send(404, { message: 'Not Found' }) : send(200, this.config);
    }
    if (c.method === 'POST' && p === '/check-runs') {
      const id = this.nextId++;
      this.checkRuns.set(id, { id, ...c.body, annotations: [] });
      return send(201, { id, ...c.body });
    }
    if (c.method === 'GET' && (r = m(/^\/commits\/([0-9a-f]{40})\/check-runs$/))) {
      const name = c.query.get('check_name');
      const runs = [...this.checkRuns.values()].filter((x) => x.head_sha === r![1] && (!name || x.name === name));
      return send(200, { total_count: runs.length, check_runs: this.page(c, runs) });
    }
    if (c.method === 'GET' && (r = m(/^\/check-runs\/(\d+)$/))) {
      const run = this.checkRuns.get(Number(r[1]));
      return run ? send(200, run) : send(404, { message: 'Not Found' });
    }
    if (c.method === 'PATCH' && (r = m(/\/check-runs\/(\d+)$/))) {
      const run = this.checkRuns.get(Number(r[1]));
      if (!run) return send(404, { message: 'Not Found' });
      if ((c.body.output?.annotations?.length ?? 0) > 50) return send(422, { message: 'Only 50 annotations are allowed per request' });
      run.annotations.push(...(c.body.output?.annotations ?? []));
      Object.assign(run, { ...c.body, output: c.body.output ?? run.output, annotations: run.annotations });
      return send(200, run);
    }
    if ((r = m(/^\/pulls\/(\d+)(\/.*)?$/))) {
      const pull = this.pulls.get(Number(r[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      const rest = r[2] ?? '';
      if (c.method === 'GET' && rest === '') return send(200, this.pullJson(pull));
      if (c.method === 'GET' && rest === '/files') return send(200, this.page(c, this.prFiles(pull)));
      if (c.method === 'GET' && rest === '/commits') {
        const shas = git(this.bare, 'rev-list', '--reverse', `${pull.baseSha}..${pull.headSha}`).split('\n').filter(Boolean);
        return send(200, this.page(c, shas.map((sha) => ({ sha, parents: [{ sha: git(this.bare, 'rev-parse', `${sha}^`).trim() }] }))));
      }
      // A PR's own, as GitHub lists them (a burst of PRs in one fake must not see each other's).
      if (c.method === 'GET' && rest === '/comments') return send(200, this.page(c, this.comments.filter((x) => x.pull_number === pull.number)));
      if (c.method === 'GET' && rest === '/reviews') return send(200, this.page(c, this.reviews.filter((x) => x.pull_number === pull.number)));
      if (c.method === 'POST' && rest === '/reviews') {
        const comments: { path: string; line: number; side: string; body: string }[] = c.body.comments ?? [];
        const bad = comments.filter((x) => !this.commentable(pull, x) || this.refuseComment(x));
        if (bad.length) {
          return send(422, { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] });
        }
        const id = this.nextId++;
        const review: StoredReview = { id, pull_number: pull.number, body: c.body.body ?? '', state: c.body.event ? 'COMMENTED' : 'PENDING', commit_id: c.body.commit_id, user: BOT };
        this.reviews.push(review);
        for (const x of comments) {
          this.comments.push({ id: this.nextId++, pull_number: pull.number, review_id: id, path: x.path, line: x.line, side: x.side, body: x.body, commit_id: c.body.commit_id, user: BOT });
        }
        return send(200, review);
      }
      if ((r = m(/\/reviews\/(\d+)$/))) {
        const i = this.reviews.findIndex((x) => x.id === Number(r![1]) && x.pull_number === pull.number);
        if (i < 0) return send(404, { message: 'Not Found' });
        if (c.method === 'DELETE') {
          if (this.reviews[i].state !== 'PENDING') return send(422, { message: 'Can not delete a non-pending review' });
          const [gone] = this.reviews.splice(i, 1);
          for (let k = this.comments.length - 1; k >= 0; k--) if (this.comments[k].review_id === gone.id) this.comments.splice(k, 1);
          return send(200, gone);
        }
        if (c.method === 'PUT') {
          this.reviews[i].body = c.body.body;
          return send(200, this.reviews[i]);
        }
      }
    }
    if (c.method === 'PATCH' && (r = m(/^\/pulls\/comments\/(\d+)$/))) {
      const comment = this.comments.find((x) => x.id === Number(r![1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = c.body.body;
      return send(200, comment);
    }
    if (c.method === 'GET' && (r = m(/^\/commits\/([0-9a-f]{40})$/))) {
      const sha = r[1];
      const [name, email, date, ...msg] = git(this.bare, 'log', '-1', '--format=%an%n%ae%n%aI%n%B', sha).split('\n');
      return send(200, {
        sha,
        commit: { message: msg.join('\n').replace(/\n+$/, ''), author: { name, email, date } },
        parents: [{ sha: git(this.bare, 'rev-parse', `${sha}^`).trim() }],
        files: this.filesBetween(`${sha}^`, sha),
      });
    }
    if (c.method === 'POST' && (r = m(/^\/issues\/comments\/(\d+)\/reactions$/))) {
      return send(201, { id: this.nextId++, content: c.body.content });
    }
    if (c.method === 'GET' && (r = m(/^\/collaborators\/([^/]+)\/permission$/))) {
      const write = this.writers.has(r[1]);
      return send(200, { permission: write ? 'write' : 'read', role_name: write ? 'write' : 'read' });
    }
    send(404, { message: `Not Found: ${c.method} ${c.path}` });
  }

  private page<T>(c: RecordedCall, items: T[]): T[] {
    const per = Number(c.query.get('per_page') ?? 30);
    const page = Number(c.query.get('page') ?? 1);
    return items.slice((page - 1) * per, page * per);
  }
}
