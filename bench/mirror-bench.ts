// First contact with a repository kreview has never cloned, with and without a local mirror
// (`--mirror URL=PATH`): the fetch alone (ensureClone), and a signed webhook to the completed check
// run, in front of the fake GitHub serving git over http with the token check. Generated history
// (bench/gen-history.ts), measured in the same run; the ratio is mirror / no mirror.
// Run by hand: npx tsx bench/mirror-bench.ts [--commits 5000] [--seed 1] [--verbose]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClone } from '../src/app/clone-cache.js';
import { repoCloneUrl } from '../src/app/github-host.js';
import { resolveMirrors, type Mirrors } from '../src/app/mirrors.js';
import { startAppServer } from '../src/app/server.js';
import { FakeGitHub, type FakePull } from '../test/app/github-api.js';
import { deliver, pullRequestPayload, rsaPrivateKey, unthrottledOctokit } from '../test/app/webhooks.js';
import { generateHistory } from './gen-history.js';

const argv = process.argv.slice(2);
const num = (flag: string, dflt: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : dflt);
const commits = num('--commits', 5_000);
const seed = num('--seed', 1);
const tmp = mkdtempSync(join(tmpdir(), 'kreview-mirror-bench-'));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 }).trim();
const secs = (ms: number) => (ms / 1000).toFixed(2);
const SECRET = 'bench-secret';

async function main(): Promise<void> {
  const work = join(tmp, 'work');
  const g = await generateHistory(work, { commits, fixesTags: Math.max(10, Math.floor(commits / 100)), seed });
  const bare = join(tmp, 'linux.git');
  git(tmp, 'clone', '-q', '--bare', work, bare);
  const mirror = join(tmp, 'mirror.git');
  git(tmp, 'clone', '-q', '--bare', bare, mirror);
  git(work, 'checkout', '-q', '-b', 'pr', g.head);
  execFileSync('sh', ['-c', 'echo "/* a change */" >> "$(git ls-files "*.c" | head -1)" && git commit -qam "mm: a change"'], { cwd: work });
  git(work, 'push', '-q', bare, 'HEAD:refs/pull/1/head');
  const pull: FakePull = { number: 1, title: 'mm: a change', body: null, user: 'dana', headSha: git(work, 'rev-parse', 'HEAD'), baseSha: g.head, baseRef: 'master' };
  const gh = new FakeGitHub(bare);
  await gh.start();
  gh.pulls.set(1, pull);
  const url = repoCloneUrl(gh.url, gh.owner, gh.repo);
  const mirrors = await resolveMirrors([`${url.replace(/\.git$/, '')}=${mirror}`]);
  console.log(`generated history: ${commits} commits (seed ${seed}); git ${git(tmp, '--version')}`);

  // The fetch alone.
  const fetchOnce = async (reference: string | null) => {
    const cache = mkdtempSync(join(tmp, 'cache-'));
    const t0 = Date.now();
    await ensureClone(
      { owner: 'acme', repo: 'linux', url, webUrl: gh.url, token: gh.gitToken, reference, prNumber: 1, baseRef: 'master', headSha: pull.headSha, baseSha: pull.baseSha, sizeKb: null },
      { cacheDir: cache, maxSizeKb: 0, fetchTimeoutMs: 600_000 },
    );
    return Date.now() - t0;
  };
  const plainFetch = await fetchOnce(null);
  const mirrorFetch = await fetchOnce(mirrors.get([...mirrors.keys()][0])!);
  console.log(`fetch on first contact: no mirror ${secs(plainFetch)} s, mirror ${secs(mirrorFetch)} s (ratio ${(mirrorFetch / plainFetch).toFixed(2)})`);

  // Webhook to completed check run.
  const review = async (m: Mirrors | undefined) => {
    const cache = mkdtempSync(join(tmp, 'app-'));
    gh.checkRuns.clear();
    const app = await startAppServer({
      appId: 1,
      privateKey: rsaPrivateKey(),
      secret: SECRET,
      baseUrl: gh.url,
      logLevel: argv.includes('--verbose') ? 'info' : 'fatal',
      Octokit: unthrottledOctokit(),
      app: { cacheDir: cache, queue: { spacingMs: 0 }, ...(m ? { mirrors: m } : {}) },
    });
    const t0 = Date.now();
    await deliver(app.webhookUrl, 'pull_request', pullRequestPayload(gh, 'opened', pull), { secret: SECRET, id: `bench-${Date.now()}` });
    for (;;) {
      if ([...gh.checkRuns.values()].some((r) => r.status === 'completed')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = Date.now() - t0;
    await app.idle();
    await app.close();
    return ms;
  };
  const plain = await review(undefined);
  const mirrored = await review(mirrors);
  console.log(`webhook to completed check run, first contact: no mirror ${secs(plain)} s, mirror ${secs(mirrored)} s (ratio ${(mirrored / plain).toFixed(2)})`);
  await gh.close();
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
