// Replays N consecutive real messages of a fetched public-inbox archive through the real
// `kreview watch --once` (a child process running the CLI: fresh state, directory sink, a policy
// that enables the list), optionally SIGKILLs it mid-way and restarts it until nothing is owed, then
// prints messages/s, series, replies, mailed findings per 1,000 patches by finding id, peak RSS,
// whether every reply went out exactly once, and how often the daemon grouped a thread as b4 does.
// The data is REAL list mail (the archive and the commit range are printed). Run by hand:
//   npx tsx bench/replay-bench.ts --archive <epoch.git> [--messages 3000] [--skip 0] [--kill review] [--grouping-only]
//     [--repo /path/to/linux] [--maintainers FILE] [--b4-threads 150] [--no-baseline] [--dir D] [--keep]
//     [--review-threads N] [--cli DIR] [--cpu-prof DIR] [--kill-series 25]
// --review-threads passes `--review-threads N` to the daemon (N worker threads beside its own; 0: its own alone;
// not given: the daemon's default, one thread on two cores without a repository); --cli runs
// DIR/bin/kreview.js (another checkout's build, e.g. main's, for a figure against it in the same run);
// --cpu-prof DIR writes a V8 CPU profile of each daemon run (the killed one and the restart) into DIR.
// The baseline, measured in the same run: the same messages through a daemon whose list is muted.
// --skip counts back from the newest message: the range is the N messages before the newest --skip.
// The inbox is a new v2 epoch whose commits are re-made with git fast-import over the archive's own
// blobs (an alternates link), so the daemon sees exactly the archive's messages in the archive's order.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { b4Group, kreviewGroup, messageIdsOf, splitThreads, type ThreadMail } from './replay-b4.js';

const DEBIAN_MAINTAINERS = '/work/linux/linux-source-6.1/MAINTAINERS';
const argv = process.argv.slice(2);
const opt = (flag: string, dflt: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : dflt);
const archive = resolve(opt('--archive', '/work/.mirror/linux-mailinglist-archives+linux-btrfs.vger.kernel.org.0/repo'));
const total = Number(opt('--messages', '3000'));
const skip = Number(opt('--skip', '0'));
const killAt = opt('--kill', 'review') as 'none' | 'intake' | 'review' | 'dispatch';
// --kill review: the SIGKILL once this many series are recorded (where in the first review batch it lands).
const killSeries = Number(opt('--kill-series', '25'));
const repo = argv.includes('--repo') ? resolve(opt('--repo', '')) : null;
// The real kernel MAINTAINERS routes patches by path (read only; GPL data, never copied into the project).
const maintainers = opt('--maintainers', existsSync(DEBIAN_MAINTAINERS) ? DEBIAN_MAINTAINERS : '');
const b4Threads = Number(opt('--b4-threads', '150'));
const root = argv.includes('--dir') ? resolve(opt('--dir', '')) : mkdtempSync(join(tmpdir(), 'kreview-replay-'));
const here = argv.includes('--cli') ? resolve(opt('--cli', '')) : new URL('..', import.meta.url).pathname;
const reviewThreads = argv.includes('--review-threads') ? ['--review-threads', opt('--review-threads', '1')] : [];
const cpuProf = argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', resolve(opt('--cpu-prof', ''))] : [];
const say = (s: string) => console.log(s);

/** What bin/kreview.js will run: the build when it is newer than every source file, else the sources through tsx. */
function cliBuild(): string {
  const built = join(here, 'dist', '.built');
  if (process.env.KREVIEW_FROM_SOURCES === '1' || !existsSync(built)) return 'the TypeScript sources through tsx (no build: npm run build)';
  const t = statSync(built).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : e.name.endsWith('.ts') && statSync(join(dir, e.name)).mtimeMs > t));
  return newer(join(here, 'src')) || newer(join(here, 'checks')) ? 'the TypeScript sources through tsx (the build is older than the sources)' : 'the compiled dist/ (as installed)';
}

function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['--git-dir', dir, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** The commits of the range, oldest first, with the blob of `m` each one adds. */
function pickRange(): { commit: string; blob: string }[] {
  const all = git(archive, ['rev-list', '--reverse', '--first-parent', 'HEAD']).trim().split('\n');
  const end = all.length - skip;
  const chosen = all.slice(Math.max(0, end - total), end);
  const blobs = git(archive, ['cat-file', '--batch-check=%(objectname)'], chosen.map((c) => `${c}:m`).join('\n') + '\n').trim().split('\n');
  return chosen.map((commit, i) => ({ commit, blob: blobs[i] })).filter((x) => /^[0-9a-f]{40}$/.test(x.blob));
}

/** A v2 inbox whose epoch 0 re-commits the chosen blobs (found through alternates), one message per commit. */
function buildInbox(dir: string, range: { blob: string }[]): void {
  const epoch = join(dir, 'git', '0.git');
  mkdirSync(epoch, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', epoch]);
  writeFileSync(join(epoch, 'objects', 'info', 'alternates'), `${join(archive, 'objects')}\n`);
  const lines: string[] = [];
  range.forEach((r, i) => {
    const msg = `message ${i}\n`;
    lines.push('commit refs/heads/master', `committer replay <replay@example.org> ${1_700_000_000 + i} +0000`, `data ${Buffer.byteLength(msg)}`, msg);
    if (i === 0) lines.push('deleteall');
    lines.push(`M 100644 ${r.blob} m`, '');
  });
  git(epoch, ['fast-import', '--quiet'], lines.join('\n'));
  git(epoch, ['symbolic-ref', 'HEAD', 'refs/heads/master']);
}

function listIdOf(dir: string, blob: string): string {
  const text = git(dir, ['cat-file', 'blob', blob]);
  const m = /^List-Id:.*?<([^>]+)>/im.exec(text);
  if (!m) throw new Error(`the newest message of ${archive} has no List-Id`);
  return m[1].toLowerCase();
}

/** The policy file; `muted` (the baseline) takes every message in and reviews none, in a state of its own. */
function writePolicy(file: string, listId: string, muted = false): void {
  const repoLine = (repo ? `    repo: ${repo}\n` : '') + (maintainers ? `    maintainers: ${maintainers}\n` : '');
  writeFileSync(
    file,
    `bot: { name: kreview, address: kreview@bots.example.org, human: Jo Maintainer <jo@example.org> }
state: ${join(root, muted ? 'baseline.db' : 'state.db')}
sink: { type: directory, dir: ${join(root, muted ? 'baseline-outbox' : 'outbox')} }
sources:
  - { type: public-inbox, path: ${join(root, 'inbox')}, name: replay, since: 2000-01-01 }   # the whole backlog, not just new mail
# An archive replay is all in the past: nothing waits for parts still in transit.
timing: { settleSeconds: 0, partialWaitMinutes: 0, pollSeconds: 60 }
retentionDays: 0
lists:
  - id: ${listId}
    mode: ${muted ? 'muted' : 'enabled'}
${repoLine}`,
  );
}

interface RunResult {
  ms: number;
  peakKb: number;
  /** User + system CPU seconds of the child: the machine is shared, so wall time alone misleads. */
  cpuS: number;
  killed: boolean;
  stderr: string;
}

function count(db: string, sql: string): number {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare(sql).get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

/** One `kreview watch --once` under /usr/bin/time; `killWhen` is polled and SIGKILLs the child when true. */
async function runOnce(policy: string, killWhen: (() => boolean) | null): Promise<RunResult> {
  const t0 = performance.now();
  // bin/kreview.js, as installed: the compiled dist/ when a build is there and newer than the sources.
  const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', process.execPath, ...cpuProf, join(here, 'bin/kreview.js'), 'watch', '--once', ...reviewThreads, '-c', policy], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stderr += d));
  let killed = false;
  const timer = killWhen
    ? setInterval(() => {
        if (!killed && killWhen()) {
          killed = true;
          // /usr/bin/time's child is node: kill node itself, as a crash would.
          const pids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
          for (const p of pids) process.kill(Number(p), 'SIGKILL');
        }
      }, 50)
    : null;
  await new Promise<void>((res) => child.on('exit', () => res()));
  if (timer) clearInterval(timer);
  const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(stderr);
  const cpuS = m ? Number(m[2]) + Number(m[3]) : 0;
  return { ms: performance.now() - t0, peakKb: m ? Number(m[1]) : 0, cpuS, killed, stderr: stderr.replace(/(Command terminated by signal 9\n)?maxrss=.*\n?/, '') };
}

/** The daemon runs (with the kill), then what they did: throughput, replies, exactly-once, memory. */
async function replay(range: { blob: string }[], policy: string, db: string, outDir: string): Promise<void> {
  const killWhen: Record<typeof killAt, (() => boolean) | null> = {
    none: null,
    intake: () => count(db, 'SELECT COUNT(*) AS n FROM messages') >= range.length / 2,
    review: () => count(db, 'SELECT COUNT(*) AS n FROM series') >= killSeries,
    dispatch: () => readdirSync(outDir, { withFileTypes: true }).filter((e) => e.name.endsWith('.eml')).length >= 1,
  };
  mkdirSync(outDir, { recursive: true });
  // Baseline, same run, same machine load: the same messages taken in by a daemon whose list is muted (no review).
  let baseline: RunResult | null = null;
  if (!argv.includes('--no-baseline')) {
    const muted = join(root, 'baseline.yml');
    writePolicy(muted, listIdOf(archive, range[range.length - 1].blob), true);
    baseline = await runOnce(muted, null);
    say(`baseline (list muted: intake only): ${(baseline.ms / 1000).toFixed(1)} s wall, ${baseline.cpuS.toFixed(1)} s CPU = ${(range.length / baseline.cpuS).toFixed(0)} messages per CPU second, peak RSS ${(baseline.peakKb / 1024).toFixed(0)} MB`);
  }
  const runs: RunResult[] = [];
  runs.push(await runOnce(policy, killWhen[killAt]));
  // Restart until nothing is waiting and nothing is owed (at most a few ticks).
  for (let i = 0; i < 5; i++) {
    const waiting = count(db, "SELECT COUNT(*) AS n FROM messages WHERE state = 'waiting'");
    const owed = count(db, "SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending','sending')");
    if (!runs[runs.length - 1].killed && !waiting && !owed) break;
    runs.push(await runOnce(policy, null));
  }
  const ms = runs.reduce((a, r) => a + r.ms, 0);
  const peakKb = Math.max(...runs.map((r) => r.peakKb));
  const cpuS = runs.reduce((a, r) => a + r.cpuS, 0);
  runs.forEach((r, i) => say(`run ${i + 1}: ${(r.ms / 1000).toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU, peak RSS ${(r.peakKb / 1024).toFixed(0)} MB${r.killed ? ', SIGKILLed' : ''}; ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`));

  const d = new Database(db, { readonly: true });
  const kinds = d.prepare('SELECT kind, COUNT(*) AS n FROM messages GROUP BY kind').all() as { kind: string; n: number }[];
  const notes = d.prepare("SELECT note, COUNT(*) AS n FROM messages WHERE kind = 'ignored' GROUP BY note ORDER BY n DESC LIMIT 5").all() as { note: string; n: number }[];
  const patches = kinds.find((k) => k.kind === 'patch')?.n ?? 0;
  const series = (d.prepare('SELECT COUNT(*) AS n FROM series').get() as { n: number }).n;
  const states = d.prepare('SELECT state, COUNT(*) AS n FROM messages WHERE kind IN (\'patch\',\'cover\') GROUP BY state').all() as { state: string; n: number }[];
  const outbox = d.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[];
  const reported = d.prepare('SELECT finding_key FROM reported').all() as { finding_key: string }[];
  d.close();

  // Exactly once: one file per reply Message-ID, never two replies to one message.
  const files = readdirSync(outDir).filter((f) => f.endsWith('.eml'));
  const leftovers = readdirSync(outDir).filter((f) => !f.endsWith('.eml'));
  const parents = files.map((f) => /^In-Reply-To:\s*<([^>]+)>/im.exec(readFileSync(join(outDir, f), 'utf8'))?.[1] ?? '');
  const twice = parents.length - new Set(parents).size;
  const byId = new Map<string, number>();
  for (const r of reported) {
    const id = r.finding_key.split('\0')[0];
    byId.set(id, (byId.get(id) ?? 0) + 1);
  }

  say(`messages: ${range.length} in ${(ms / 1000).toFixed(1)} s wall = ${(range.length / (ms / 1000)).toFixed(0)} messages/s; ${cpuS.toFixed(1)} CPU s = ${(range.length / cpuS).toFixed(0)} messages per CPU second (all runs, start-up included; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
  say(`kinds: ${kinds.map((k) => `${k.kind} ${k.n}`).join(', ')}; patch/cover states: ${states.map((s) => `${s.state} ${s.n}`).join(', ')}`);
  if (notes.length) say(`ignored because: ${notes.map((n) => `${n.note} (${n.n})`).join('; ')}`);
  say(`series reviewed: ${series}; replies: ${files.length} (${((files.length / Math.max(1, patches)) * 100).toFixed(2)} per 100 patches); outbox: ${outbox.map((o) => `${o.state} ${o.n}`).join(', ') || 'empty'}`);
  say(`mailed findings per 1,000 patches by id: ${[...byId].sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id} ${((n / Math.max(1, patches)) * 1000).toFixed(1)}`).join(', ') || 'none'}`);
  say(`exactly once: ${twice === 0 && leftovers.length === 0 ? 'yes' : 'NO'} (${files.length} files, ${twice} second replies to one message, ${leftovers.length} leftover temp files)`);
  say(`peak RSS: ${(peakKb / 1024).toFixed(0)} MB`);
  if (baseline)
    say(`against the intake-only baseline: ${(cpuS / baseline.cpuS).toFixed(2)}x the CPU time, ${(ms / baseline.ms).toFixed(2)}x the wall time, ${(peakKb / Math.max(1, baseline.peakKb)).toFixed(2)}x the peak RSS`);

}

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const range = pickRange();
  if (!range.length) throw new Error(`no messages in ${archive}`);
  const inbox = join(root, 'inbox');
  buildInbox(inbox, range);
  const listId = listIdOf(archive, range[range.length - 1].blob);
  const policy = join(root, 'policy.yml');
  writePolicy(policy, listId);
  const db = join(root, 'state.db');
  const outDir = join(root, 'outbox');
  const first = git(archive, ['log', '-1', '--format=%ci', range[0].commit]).trim();
  const last = git(archive, ['log', '-1', '--format=%ci', range[range.length - 1].commit]).trim();
  say(`data: REAL list mail, ${range.length} consecutive messages of ${archive}`);
  say(`CLI: ${join(here, 'bin/kreview.js')} running ${cliBuild()}${reviewThreads.length ? `, --review-threads ${reviewThreads[1]}` : ''}`);
  say(`range: ${range[0].commit.slice(0, 12)}..${range[range.length - 1].commit.slice(0, 12)} (${first} .. ${last}), list ${listId}; repository: ${repo ?? 'none'}; MAINTAINERS: ${maintainers || 'none'}; kill: ${killAt}${killAt === 'review' ? ` at ${killSeries} series` : ''}`);

  if (!argv.includes('--grouping-only')) await replay(range, policy, db, outDir);

  // Grouping against b4: per thread of the range, the newest version b4 picks vs the series the daemon's
  // assembler makes ready from that thread's messages (parsed and assembled by the daemon's own code).
  if (b4Threads > 0) {
    const mails: ThreadMail[] = messageIdsOf(archive, range.map((r) => r.blob));
    const threads = splitThreads(mails).filter((t) => t.some((m) => m.isPatch));
    const step = Math.max(1, threads.length / b4Threads);
    const sample = threads.filter((_, i) => Math.floor(i % step) === 0).slice(0, b4Threads);
    let same = 0;
    let compared = 0;
    const diffs: string[] = [];
    for (const t of sample) {
      const b4 = b4Group(t, join(root, 'b4'));
      if (!b4) continue;
      compared++;
      const want = [...(b4.cover ? [b4.cover] : []), ...b4.patches].sort();
      const got = (await kreviewGroup(t, b4.patches[0])).sort();
      if (JSON.stringify(want) === JSON.stringify(got)) same++;
      else diffs.push(`  ${t[0].subject.slice(0, 70)} <${t[0].id}>: b4 ${want.length} [${want.slice(0, 3).join(' ')}${want.length > 3 ? ' ...' : ''}], kreview ${got.length}`);
    }
    say(`grouping as b4 (newest version per thread): ${same}/${compared} threads = ${((same / Math.max(1, compared)) * 100).toFixed(1)}% (of ${threads.length} threads with patches, ${sample.length} sampled)`);
    for (const x of diffs.slice(0, 30)) say(x);
  }
  if (!argv.includes('--keep') && !argv.includes('--dir')) rmSync(root, { recursive: true, force: true });
  else say(`kept in ${root}`);
}

await main();
