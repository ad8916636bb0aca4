// Measures the GitHub App: webhook to check-run completion for a 10-commit PR on a warm clone of a
// generated 200,000-commit history (target < 3 s), and the clone cache's cost on first contact.
// Run by hand: npx tsx bench/app-bench.ts [--dir D] [--commits 200000] [--seed 1] [--cache C] [--keep] [--verbose]
// (--cache C reuses the app's cache dir C, clone and indexes included: every run is then warm;
// --verbose adds the app's log, with its "source X ms, review Y ms, publish Z ms", and when each API call came).
//
// The figure includes the pacing of content-creating calls as production has it: the app's
// per-installation ContentQueue (SPACING_MS apart, under GitHub's per-minute and per-hour caps) and
// probot's Octokit as `kreview serve` builds it (kreviewOctokit).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KreviewError } from '../src/core/types.js';
import { runGit } from '../src/git/run-git.js';
import { startAppServer } from '../src/app/server.js';
import { FakeGitHub, type FakePull, type RecordedCall } from '../test/app/github-api.js';
import { deliver, pullRequestPayload, rsaPrivateKey } from '../test/app/webhooks.js';
import { generateHistory, type GeneratedHistory } from './gen-history.js';

const argv = process.argv.slice(2);
const num = (flag: string, dflt: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : dflt);
const commits = num('--commits', 200_000);
const seed = num('--seed', 1);
const dir = argv.includes('--dir') ? argv[argv.indexOf('--dir') + 1] : join(process.env.KREVIEW_CACHE ?? tmpdir(), 'kreview-app-bench');
const verbose = argv.includes('--verbose');
const SPACING_MS = 50;
const secs = (ms: number) => (ms / 1000).toFixed(2);
const say = (s: string) => console.log(s);
const SECRET = 'bench-secret';

async function git(repo: string, ...args: string[]): Promise<string> {
  const r = await runGit(repo, args, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new KreviewError(`git ${args[0]} in ${repo}: ${r.stderr.trim().split('\n')[0]}`);
  return r.stdout.trim();
}

/** The generated history, made once per size and seed (it plays github.com's copy of the repository). */
async function history(): Promise<GeneratedHistory> {
  const repo = join(dir, `history-${commits}-s${seed}`);
  const meta = join(repo, '.git', 'kreview-app-bench.json');
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as GeneratedHistory;
  const t0 = Date.now();
  const g = await generateHistory(repo, { commits, fixesTags: Math.max(10, Math.floor(commits / 100)), seed });
  writeFileSync(meta, JSON.stringify({ ...g, commits: [], tags: g.tags.slice(0, 50) }));
  say(`generated ${repo}: ${g.commits.length} commits in ${secs(Date.now() - t0)} s`);
  return { ...g, commits: [] };
}

/** Ten commits on top of master, each adding a function to an existing C file; some carry Fixes: tags. */
async function makePull(g: GeneratedHistory, version: number): Promise<{ base: string; head: string }> {
  const wt = join(dir, `pr-worktree-${process.pid}`);
  rmSync(wt, { recursive: true, force: true });
  await git(g.dir, 'worktree', 'prune');
  await git(g.dir, 'worktree', 'add', '-q', '--detach', wt, 'master');
  try {
    const files = (await git(wt, 'ls-files', '--', '*.c')).split('\n').filter(Boolean);
    if (files.length === 0) throw new KreviewError('the generated history has no C files');
    const target = g.tags.find((t) => t.kind === 'good');
    for (let i = 0; i < 10; i++) {
      const path = files[(i * 7 + version) % files.length];
      const text = readFileSync(join(wt, path), 'utf8');
      writeFileSync(
        join(wt, path),
        text + `\nstatic int bench_v${version}_${i}(struct page *page)\n{\n\tlock_page(page);\n\tunlock_page(page);\n\treturn ${i};\n}\n`,
      );
      await git(wt, 'add', '--', path);
      const fixes = target && i % 3 === 0 ? `\nFixes: ${target.line.replace(/^Fixes:\s*/, '')}` : '';
      await git(wt, '-c', 'user.name=Bench', '-c', 'user.email=bench@example.org', 'commit', '-q', '-m', `bench: step ${i} of v${version}\n\nAdds a helper.\n${fixes}\nSigned-off-by: Bench <bench@example.org>`);
    }
    const head = await git(wt, 'rev-parse', 'HEAD');
    await git(g.dir, 'update-ref', 'refs/pull/1/head', head);
    return { base: await git(g.dir, 'rev-parse', 'master'), head };
  } finally {
    await git(g.dir, 'worktree', 'remove', '--force', wt).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const g = await history();
  const given = argv.includes('--cache') ? argv[argv.indexOf('--cache') + 1] : null;
  const cache = given ?? join(dir, `app-cache-${process.pid}`);
  if (!given) rmSync(cache, { recursive: true, force: true });
  const gh = new FakeGitHub(g.dir);
  await gh.start();
  // When each call reached "GitHub": the timeline, and when the app's spacing allows a new run.
  const stamps = new Map<RecordedCall, number>();
  const record = gh.calls.push.bind(gh.calls);
  gh.calls.push = (...items: RecordedCall[]) => {
    for (const c of items) stamps.set(c, Date.now());
    return record(...items);
  };
  const creates = (c: RecordedCall) => c.method !== 'GET' && !c.path.startsWith('/app/');
  const app = await startAppServer({
    appId: 1,
    privateKey: rsaPrivateKey(),
    secret: SECRET,
    baseUrl: gh.url,
    logLevel: verbose ? 'info' : 'warn',
    // No Octokit given: the server's default, the one `kreview serve` runs with.
    // The production pacing (see the top of this file).
    app: { cacheDir: cache, queue: { spacingMs: SPACING_MS } },
  });
  try {
    const run = async (label: string, action: string, version: number) => {
      const { base, head } = await makePull(g, version);
      const pull: FakePull = { number: 1, title: `bench v${version}`, body: null, user: 'bench', headSha: head, baseSha: base, baseRef: 'master' };
      gh.pulls.set(1, pull);
      const before = gh.calls.length;
      const t0 = Date.now();
      // probot answers 202 when a handler takes longer than its webhook timeout: wait for the check run itself.
      const res = await deliver(app.webhookUrl, 'pull_request', pullRequestPayload(gh, action, pull), { secret: SECRET });
      const done = () => [...gh.checkRuns.values()].find((r) => r.head_sha === head && r.status === 'completed');
      while (!done() && Date.now() - t0 < 3_600_000) await new Promise((r) => setTimeout(r, 10));
      const ms = Date.now() - t0;
      const runObj = done();
      if ((res.status !== 200 && res.status !== 202) || !runObj) throw new KreviewError(`${label}: webhook ${res.status}, no completed check run`);
      const calls = gh.calls.slice(before);
      const at = (c: RecordedCall) => (stamps.get(c) ?? t0) - t0;
      const content = calls.filter(creates).length;
      // The app asks whether the PR moved on right before it publishes: its own work is done then.
      const ready = calls.find((c) => c.method === 'GET' && /\/pulls\/\d+$/.test(c.path));
      if (verbose) say(`  calls (ms after the webhook): ${calls.map((c) => `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, '')} @${at(c)}`).join(', ')}`);
      say(
        `${label}: ${secs(ms)} s webhook to check-run completion (${runObj.conclusion}, ${runObj.annotations.length} annotations); ` +
          `ready to publish at ${ready ? secs(at(ready)) : '?'} s; ${content} content-creating calls ` +
          `(at least ${secs(SPACING_MS)} s apart)`,
      );
      return ms;
    };
    const first = await run(given ? 'first run on the given cache' : 'first contact (bare clone of the whole history + index + review)', 'opened', 1);
    const warm = await run('warm clone, new 10-commit head (synchronize)', 'synchronize', 2);
    const warm2 = await run('warm clone, another head', 'synchronize', 3);
    const best = Math.min(warm, warm2);
    say(`\n${commits} commits: first contact ${secs(first)} s; warm ${secs(best)} s (target < 3 s: ${best < 3000 ? 'met' : 'NOT met'})`);
  } finally {
    await app.close();
    await gh.close();
    if (!given && !argv.includes('--keep')) rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`app-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
