// Measures the mail daemon: messages ingested per second from a public-inbox v2 mirror of generated
// messages (target >= 2,000/s, no review work), and the time from the last part of a 20-patch series
// arriving to its replies being in the outbox (target < 3 s warm).
// Run by hand: npx tsx bench/watch-bench.ts [--messages 100000] [--dir D] [--keep] [--series-only]
// The mirror's git history is written directly with git fast-import in public-inbox's v2 layout
// (git/0.git, one commit per message, the message in the file `m`): public-inbox-mda takes about
// 0.5 s per message, far too slow for 100,000.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KreviewError } from '../src/core/types.js';
import { runGit } from '../src/git/run-git.js';
import { reviewSeries } from '../src/review/pipeline.js';
import { Watcher } from '../src/watch/daemon.js';
import type { ReviewFn } from '../src/watch/series-reviewer.js';
import { TestRepo } from '../test/helpers/git-repo.js';
import { splitFormatPatch } from '../test/watch/watch-fixture.js';

const argv = process.argv.slice(2);
const num = (flag: string, dflt: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : dflt);
const total = num('--messages', 100_000);
const root = argv.includes('--dir') ? argv[argv.indexOf('--dir') + 1] : mkdtempSync(join(tmpdir(), 'kreview-watch-bench-'));
const say = (s: string) => console.log(s);
const LIST = 'bench-list@lists.example.org';

function message(i: number): string {
  const series = Math.floor(i / 6);
  const part = i % 6;
  const head = [
    `From: Dev ${series % 97} <dev${series % 97}@example.org>`,
    `To: ${LIST}`,
    `Date: Tue, 24 Nov 2026 10:00:00 +0000`,
    `Message-ID: <bench-${i}@example.org>`,
  ];
  if (part === 0) return [...head, `Subject: [PATCH 0/4] subsys: topic ${series}`, '', `Cover letter ${series}.`, ''].join('\n');
  if (part === 5) return [...head, `Subject: Re: [PATCH 1/4] subsys: change 1 of topic ${series}`, `In-Reply-To: <bench-${i - 4}@example.org>`, '', '> quoted', 'Looks fine to me.', ''].join('\n');
  return [
    ...head,
    `Subject: [PATCH ${part}/4] subsys: change ${part} of topic ${series}`,
    `In-Reply-To: <bench-${i - part}@example.org>`,
    '',
    `Change ${part} of topic ${series}.`,
    '',
    `Signed-off-by: Dev ${series % 97} <dev${series % 97}@example.org>`,
    '---',
    ` drivers/x/file${part}.c | 1 +`,
    '',
    `diff --git a/drivers/x/file${part}.c b/drivers/x/file${part}.c`,
    'index 1111111..2222222 100644',
    `--- a/drivers/x/file${part}.c`,
    `+++ b/drivers/x/file${part}.c`,
    '@@ -1,3 +1,4 @@',
    ' int a;',
    ` int b${series};`,
    `+int c${series};`,
    ' int d;',
    '-- ',
    '2.45.0',
    '',
  ].join('\n');
}

async function git(repo: string, args: string[], input?: Buffer): Promise<string> {
  const r = await runGit(repo, args, { input, timeoutMs: 1_800_000 });
  if (r.code !== 0) throw new KreviewError(`git ${args[0]} in ${repo}: ${r.stderr.trim().split('\n')[0]}`);
  return r.stdout.trim();
}

/** A public-inbox v2 layout with `n` messages in epoch 0, written with fast-import in chunks. */
async function generateInbox(dir: string, n: number): Promise<void> {
  const epoch = join(dir, 'git', '0.git');
  mkdirSync(epoch, { recursive: true });
  await git(epoch, ['init', '-q', '--bare']);
  const CHUNK = 10_000;
  for (let start = 0; start < n; start += CHUNK) {
    const parts: Buffer[] = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const m = Buffer.from(message(i));
      const subject = `message ${i}`;
      parts.push(
        Buffer.from(`commit refs/heads/master\ncommitter Bench <bench@example.org> ${1_800_000_000 + i} +0000\ndata ${subject.length}\n${subject}\n`),
        Buffer.from(i === start && start > 0 ? 'from refs/heads/master^0\n' : ''),
        Buffer.from(`M 100644 inline m\ndata ${m.length}\n`),
        m,
        Buffer.from('\n'),
      );
    }
    await git(epoch, ['fast-import', '--quiet'], Buffer.concat(parts));
  }
}

function writePolicy(dir: string, extra: string): string {
  const file = join(dir, 'policy.yml');
  writeFileSync(
    file,
    `bot: { name: kreview, address: kreview@bots.example.org }
state: state.db
sink: { type: directory, dir: outbox }
timing: { settleSeconds: 0, partialWaitMinutes: 30 }
${extra}`,
  );
  return file;
}

async function ingestBench(): Promise<void> {
  const dir = join(root, 'ingest');
  mkdirSync(dir, { recursive: true });
  let t = Date.now();
  await generateInbox(join(dir, 'inbox'), total);
  say(`generated a public-inbox v2 mirror of ${total} messages in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const policy = writePolicy(dir, `sources:\n  - { type: public-inbox, path: inbox, name: bench, since: 1970-01-01 }\nlists:\n  - { address: ${LIST}, mode: enabled }\n`);
  const w = new Watcher({ policyFile: policy, log: () => {} });
  t = Date.now();
  await w.pollSources();
  const secs = (Date.now() - t) / 1000;
  const rows = w.db.prepare(`SELECT kind, count(*) AS n FROM messages GROUP BY kind`).all() as { kind: string; n: number }[];
  say(`ingested ${total} messages in ${secs.toFixed(1)} s: ${Math.round(total / secs)} messages/s (target >= 2000); ${rows.map((r) => `${r.n} ${r.kind}`).join(', ')}`);
  t = Date.now();
  await w.pollSources();
  say(`a second poll with nothing new took ${Date.now() - t} ms`);
  await w.close();
}

async function seriesBench(): Promise<void> {
  const dir = join(root, 'series');
  mkdirSync(join(dir, 'maildir', 'new'), { recursive: true });
  const repo = new TestRepo(join(dir, 'repo'));
  const files: Record<string, string> = {};
  for (let f = 0; f < 20; f++) files[`fs/x/file${f}.c`] = Array.from({ length: 40 }, (_, i) => `int v${i};`).join('\n') + '\n';
  repo.commit('x: initial', { files });
  const fixed = repo.commit('x: the commit being fixed', { files: { 'fs/x/file0.c': files['fs/x/file0.c'].replace('int v0;', 'int v0 = 1;') } });
  const base = repo.head();
  const sha = repo.git('rev-parse', '--short=12', fixed);
  const make = (tag: string) => {
    repo.git('checkout', '-q', '-B', tag, base);
    for (let p = 0; p < 20; p++) {
      const path = `fs/x/file${p}.c`;
      const cur = repo.git('show', `HEAD:${path}`) + '\n';
      repo.commit(`x: change ${p} (${tag})\n\nChange ${p}.\n\nFixes: ${sha} ("x: a wrong subject")\nSigned-off-by: Jane <jane@example.org>`, {
        files: { [path]: cur.replace('int v20;', `int v20 = ${p};`) },
      });
    }
    const mbox = repo.formatPatch('HEAD~20..HEAD', '--cover-letter', '--thread=shallow', `--to=${LIST}`, `--base=${base}`);
    repo.git('checkout', '-q', 'master');
    return splitFormatPatch(mbox);
  };
  const policy = writePolicy(dir, `sources:\n  - { type: maildir, path: maildir, name: md }\nlists:\n  - address: ${LIST}\n    mode: enabled\n    minSeverity: note\n    repo: repo\n    bases: { default: master }\n`);
  // The pipeline is timed on its own, to show what of the latency is review work and what is the daemon's.
  let reviewMs = 0;
  const review: ReviewFn = async (series, opts) => {
    const t0 = Date.now();
    try {
      return await reviewSeries(series, opts);
    } finally {
      reviewMs += Date.now() - t0;
    }
  };
  const w = new Watcher({ policyFile: policy, log: () => {}, review });
  const deliver = (mails: { raw: string }[], tag: string) => mails.forEach((m, i) => writeFileSync(join(dir, 'maildir', 'new', `${tag}.${i}`), m.raw));
  const outbox = join(dir, 'outbox');
  const count = () => {
    try {
      return readdirSync(outbox).length;
    } catch {
      return 0;
    }
  };
  // Warm-up: the repository's History is opened and indexed by the first series.
  deliver(make('warm'), 'warm');
  let t = Date.now();
  await w.tick();
  say(`cold: first 20-patch series reviewed in ${Date.now() - t} ms, ${count()} replies`);
  const mails = make('timed');
  deliver(mails.slice(0, -1), 'timed');
  await w.tick();
  const before = count();
  reviewMs = 0;
  t = Date.now();
  deliver(mails.slice(-1), 'timed-last');
  await w.tick();
  say(`warm: last part arrived -> ${count() - before} replies in the outbox in ${Date.now() - t} ms (target < 3000), of which ${reviewMs} ms in reviewSeries`);
  await w.close();
}

try {
  if (!argv.includes('--series-only')) await ingestBench();
  await seriesBench();
} finally {
  if (!argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
}
