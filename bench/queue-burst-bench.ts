// A burst of 20 pull requests opened at once, delivered as signed webhooks to the real `kreview serve`
// in front of the fake GitHub (test/app/github-api.ts), twice in the same run: first the code of a
// baseline commit (default: fd7e913, main before the job queue was merged: the webhook awaits the
// review, one write queue for all installations at one a second), then this checkout (the job queue). Per webhook: the time
// to its answer, to its check run showing "in progress" and to the check run's completion, p50/p95/p99,
// with the ratio baseline / now. --redis adds a third run: serve --queue on a real redis-server
// feeding two `kreview worker` processes.
//
// Data: generated. A small repository made here (one commit on master), 20 pull requests of one
// commit each whose Fixes: tag names a commit that is not there, so each gets a finding, a check run
// and a review. The GitHub API is the test fake on loopback (answers at once); the pacing of writes
// is each version's production default. Real: the kreview processes, HTTP, git, SQLite, Redis.
// --api-ms N holds every API answer N ms, as GitHub's own answer time (the fake answers at once):
// what calls made one after another cost on a real GitHub.
//
// Run by hand: npx tsx bench/queue-burst-bench.ts [--prs 20] [--baseline fd7e913] [--redis] [--no-baseline] [--workers 2] [--api-ms 0] [--logs DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { FakeGitHub, type FakePull } from '../test/app/github-api.js';
import { deliver, pullRequestPayload } from '../test/app/webhooks.js';
import { KreviewProcess, repositoryWithPulls, SERVE_SECRET, servePing, tempDir, until } from '../test/app/serve-process.js';
import { freePort, startRedis } from '../test/helpers/redis-server.js';

const argv = process.argv.slice(2);
const arg = (flag: string, dflt: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : dflt);
const PRS = Number(arg('--prs', '20'));
const BASELINE = arg('--baseline', 'fd7e913');
const WORKERS = arg('--workers', '2');
/** Keep each process's log (info level, JSON lines) here, to see where a PR's time went. */
const LOGS = arg('--logs', '');
const API_MS = Number(arg('--api-ms', '0'));
const ROOT = join(import.meta.dirname, '..');
const say = (s: string) => console.log(s);

interface RunFigures {
  answer: number[];
  inProgress: number[];
  completed: number[];
  cpuS: number;
  wallS: number;
  load: string;
}

/** CPU seconds of a process, its waited-for children (git) and its running children (serve's worker process), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat (utime, stime, cutime, cstime), counted from `state` as field 3.
  const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  let kids: string[] = [];
  try {
    kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // pgrep exits 1 when there is no child.
  }
  return own + kids.reduce((n, k) => n + cpuSeconds(Number(k)), 0);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** A copy of `ref`'s sources (git archive) beside node_modules, runnable like this checkout. */
function checkoutOf(ref: string, into: string): string {
  const dir = join(into, `kreview-${ref.replace(/[^\w.-]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['-C', ROOT, 'archive', ref], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function burst(label: string, root: string, work: string, pulls: FakePull[], bare: string, redisUrl: string | null): Promise<RunFigures> {
  const gh = new FakeGitHub(bare);
  gh.pathPrefix = '/api/v3';
  if (API_MS > 0) gh.beforeAnswer = () => new Promise((r) => setTimeout(r, API_MS));
  await gh.start();
  for (const p of pulls) gh.pulls.set(p.number, p);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const cache = join(work, `cache-${label}`);
  // Production pacing: the spacing variable unset, each version's own default.
  const env = { LOG_LEVEL: LOGS ? 'info' : 'warn', KREVIEW_GITHUB_SPACING_MS: '', ...(LOGS ? { LOG_FORMAT: 'json', KREVIEW_LOG_FORMAT: 'json' } : {}) };
  const procs: KreviewProcess[] = [];
  const serveArgs = ['serve', '--port', String(port), '--host', '127.0.0.1', '--cache', cache];
  if (redisUrl) serveArgs.push('--queue', redisUrl);
  else if (root === ROOT) serveArgs.push('--workers', WORKERS);
  const spawnEnv = env;
  procs.push(new KreviewProcess(serveArgs, gh, work, spawnEnv, root));
  if (redisUrl) {
    for (let i = 0; i < 2; i++) procs.push(new KreviewProcess(['worker', '--queue', redisUrl, '--concurrency', '1', '--cache', join(work, `cache-${label}-w${i}`)], gh, work, spawnEnv, root));
  }
  try {
    await until(`serve (${procs[0].output})`, () => servePing(base), 60_000);
    // Workers are ready before the burst, as in a deployment: serve's own worker process (its lines in
    // serve's output) or the Redis workers. Measured before this wait, the SQLite run's burst met a
    // worker still loading its modules beside serve, 14 s at load 22.
    if (redisUrl) await until('the workers', () => procs.slice(1).every((p) => p.output.includes('taking jobs')), 60_000);
    else if (root === ROOT) await until(`serve's worker (${procs[0].output})`, () => procs[0].output.includes('taking jobs'), 60_000);
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    const t0 = Date.now();
    const sent = new Map<number, number>();
    const answered = await Promise.all(
      pulls.map(async (p) => {
        const at = Date.now();
        sent.set(p.number, at);
        const r = await deliver(`${base}/api/github/webhooks`, 'pull_request', pullRequestPayload(gh, 'opened', p), { secret: SERVE_SECRET, id: `${label}-${p.number}` });
        if (r.status !== 200 && r.status !== 202) throw new Error(`${label}: webhook for PR ${p.number} answered ${r.status}: ${r.text}`);
        return Date.now() - at;
      }),
    );
    const runOf = (p: FakePull) => [...gh.checkRuns.values()].find((r) => r.head_sha === p.headSha);
    await until(`${label}: every check run completed (${procs.map((x) => x.output).join('\n')})`, () => pulls.every((p) => runOf(p)?.status === 'completed'), 600_000);
    const wallS = (Date.now() - t0) / 1000;
    // The review is posted after its check run is completed: counted once all are there.
    await until(`${label}: every review`, () => pulls.every((p) => gh.reviews.some((r) => r.commit_id === p.headSha)), 120_000);
    const inProgress = pulls.map((p) => gh.calls.find((c) => c.method === 'POST' && c.path.endsWith('/check-runs') && c.body?.head_sha === p.headSha)!.at - sent.get(p.number)!);
    const completed = pulls.map((p) => {
      const id = runOf(p)!.id;
      return gh.calls.find((c) => c.method === 'PATCH' && c.path.endsWith(`/check-runs/${id}`) && c.body?.status === 'completed')!.at - sent.get(p.number)!;
    });
    const reviews = pulls.filter((p) => gh.reviews.some((r) => r.commit_id === p.headSha)).length;
    const cpuS = procs.reduce((n, x) => n + cpuSeconds(x.child.pid!), 0);
    const writes = gh.calls.filter((c) => c.method !== 'GET' && !c.path.endsWith('/access_tokens')).length;
    const loadEnd = loadavg().map((l) => l.toFixed(1)).join(' ');
    say(`${label}: ${PRS} webhooks, ${reviews} reviews, ${gh.checkRuns.size} check runs, ${writes} content-creating calls; all completed after ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} CPU s (kreview processes and their git); load average at start ${load}, at the end ${loadEnd}`);
    return { answer: answered, inProgress, completed, cpuS, wallS, load };
  } finally {
    for (const x of procs) await x.kill('SIGTERM');
    if (LOGS) {
      mkdirSync(LOGS, { recursive: true });
      procs.forEach((x, i) => writeFileSync(join(LOGS, `${label}-${i}.log`), x.output));
      writeFileSync(join(LOGS, `${label}-calls.json`), JSON.stringify(gh.calls.map((c) => ({ at: c.at, method: c.method, path: c.path, status: c.body?.status ?? null, head: c.body?.head_sha ?? null }))));
    }
    await gh.close();
  }
}

function table(runs: [string, RunFigures][]): void {
  const [, base] = runs[0];
  const row = (name: string, get: (f: RunFigures) => number[], target: string) => {
    for (const p of [50, 95, 99]) {
      const cells = runs.map(([, f]) => `${(pct(get(f), p) / 1000).toFixed(2)} s`);
      const ratios = runs.slice(1).map(([, f]) => `${(pct(get(base), p) / Math.max(1, pct(get(f), p))).toFixed(1)}x`);
      say(`| ${name} p${p} | ${cells.join(' | ')} | ${ratios.join(' | ')} | ${p === 99 || p === 95 ? target : ''} |`);
    }
  };
  say(`\n| per webhook | ${runs.map(([n]) => n).join(' | ')} | ${runs.slice(1).map(([n]) => `${runs[0][0]} / ${n}`).join(' | ')} | target |`);
  say(`|---|${runs.map(() => '---').join('|')}|${runs.slice(1).map(() => '---').join('|')}|---|`);
  row('answer', (f) => f.answer, 'p99 < 0.1 s');
  row('"in progress"', (f) => f.inProgress, 'all < 2 s');
  row('completed', (f) => f.completed, 'all < 60 s');
  for (const [n, f] of runs) {
    say(`${n}: worst "in progress" ${(Math.max(...f.inProgress) / 1000).toFixed(2)} s, worst completion ${(Math.max(...f.completed) / 1000).toFixed(2)} s, slowest answer ${(Math.max(...f.answer) / 1000).toFixed(3)} s`);
  }
}

async function main(): Promise<void> {
  const tmp = tempDir('kreview-burst-');
  try {
    const { bare, pulls } = repositoryWithPulls(tmp.dir, PRS);
    say(`generated: a repository with ${PRS} one-commit pull requests (each a Fixes: tag naming no commit); fake GitHub on loopback${API_MS ? `, every answer held ${API_MS} ms` : ''}`);
    const runs: [string, RunFigures][] = [];
    if (!argv.includes('--no-baseline')) runs.push([`${BASELINE} (baseline)`, await burst('baseline', checkoutOf(BASELINE, tmp.dir), tmp.dir, pulls, bare, null)]);
    runs.push([`queue, SQLite, ${WORKERS} workers`, await burst('sqlite', ROOT, tmp.dir, pulls, bare, null)]);
    if (argv.includes('--redis')) {
      const redis = await startRedis();
      try {
        runs.push(['queue, Redis, 2 worker processes', await burst('redis', ROOT, tmp.dir, pulls, bare, redis.url)]);
      } finally {
        await redis.stop();
      }
    }
    table(runs);
  } finally {
    tmp.remove();
  }
}

main().catch((e) => {
  console.error(`queue-burst-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
