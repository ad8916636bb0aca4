// Peak memory of `kreview watch --once` working off a backlog: N generated messages (series of a
// cover letter, four patches and a reply, from 97 senders) queued in the state as `kreview ingest`
// would, stored by one pass, then assembled and reviewed by a second pass in a fresh process whose
// peak RSS is reported, against an idle pass (the same process with nothing to review) measured in
// the same run. The review function is a no-op: what is measured is what the daemon itself holds
// (the waiting patches), not the pipeline's work. Data: generated.
// Run by hand: npx tsx bench/watch-backlog-rss.ts [--messages 20000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queueIncoming } from '../src/sources/ingest.js';
import { openState } from '../src/state/open-state.js';
import { Watcher } from '../src/watch/daemon.js';

const argv = process.argv.slice(2);
const LIST = 'backlog@lists.example.org';

function message(i: number): string {
  const series = Math.floor(i / 6);
  const part = i % 6;
  const dev = series % 97;
  const head = [`From: Dev ${dev} <dev${dev}@example.org>`, `To: ${LIST}`, 'Date: Tue, 24 Nov 2026 10:00:00 +0000', `Message-ID: <backlog-${i}@example.org>`];
  if (part === 0) return [...head, `Subject: [PATCH 0/4] subsys: topic ${series}`, '', `Cover letter ${series}.`, ''].join('\n');
  if (part === 5) return [...head, `Subject: Re: [PATCH 1/4] subsys: change 1 of topic ${series}`, `In-Reply-To: <backlog-${i - 4}@example.org>`, '', '> quoted', 'Fine.', ''].join('\n');
  const body = Array.from({ length: 40 }, (_, k) => `+int c${series}_${k};`).join('\n');
  return [
    ...head,
    `Subject: [PATCH ${part}/4] subsys: change ${part} of topic ${series}`,
    `In-Reply-To: <backlog-${i - part}@example.org>`,
    '',
    `Change ${part} of topic ${series}.`,
    '',
    `Signed-off-by: Dev ${dev} <dev${dev}@example.org>`,
    '---',
    `diff --git a/drivers/x/file${part}.c b/drivers/x/file${part}.c`,
    'index 1111111..2222222 100644',
    `--- a/drivers/x/file${part}.c`,
    `+++ b/drivers/x/file${part}.c`,
    '@@ -1,2 +1,42 @@',
    ' int a;',
    body,
    ' int d;',
    '-- ',
    '2.45.0',
    '',
  ].join('\n');
}

/** One pass in this process; prints its peak RSS in MB. */
async function pass(policy: string): Promise<void> {
  const w = new Watcher({ policyFile: policy, log: () => {}, review: async (series) => ({ series, patches: [] }) });
  const t = await w.tick();
  await w.close();
  console.log(JSON.stringify({ rssMb: Math.round(process.resourceUsage().maxRSS / 1024), read: t.intake.read, reviewed: t.reviewed.length }));
}

function child(policy: string): { rssMb: number; read: number; reviewed: number; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--pass', policy], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`pass failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), ms: Date.now() - t0 };
}

if (argv[0] === '--pass') {
  await pass(argv[1]);
} else {
  const total = argv.includes('--messages') ? Number(argv[argv.indexOf('--messages') + 1]) : 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'kreview-backlog-'));
  try {
    const policy = join(dir, 'policy.yml');
    // The list waits for a series for 30 minutes: the first pass stores the backlog and reviews nothing.
    const write = (wait: number) =>
      writeFileSync(policy, `bot: { address: kreview@bots.example.org }\nstate: state.db\nsink: { type: directory, dir: outbox }\ntiming: { settleSeconds: ${wait * 60}, partialWaitMinutes: ${wait} }\nlists:\n  - { address: ${LIST}, mode: enabled }\n`);
    write(30);
    const db = openState(join(dir, 'state.db'));
    db.transaction(() => {
      for (let i = 0; i < total; i++) queueIncoming(db, Buffer.from(message(i)), 'bench');
    })();
    db.close();
    const intake = child(policy);
    console.log(`generated backlog: ${total} messages; stored by one pass in ${(intake.ms / 1000).toFixed(1)} s`);
    const idle = child(policy);
    write(0);
    const review = child(policy);
    console.log(`idle pass (nothing ready): peak RSS ${idle.rssMb} MB`);
    console.log(`review pass (${review.reviewed} series from the backlog, no-op review): peak RSS ${review.rssMb} MB in ${(review.ms / 1000).toFixed(1)} s; ${(review.rssMb / idle.rssMb).toFixed(2)}x the idle pass`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
