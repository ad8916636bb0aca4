// Whole-history Fixes: review on REAL histories (DPDK, u-boot, iproute2, e2fsprogs, btrfs-progs,
// libbpf ... fetched by hand; nothing is generated here): for each one, the conventions learned,
// the findings per id before (an older kreview checkout, the "old path") and after (this tree),
// whether the per-commit verdicts that must not move (form, short, unknown, ambiguous, mismatched,
// non-ancestor ids) are the same, and CPU and wall times of both, end to end (JSON written), warm.
//
// Run by hand:
//   KREVIEW_OLD=/path/to/old/kreview npx tsx bench/conventions-bench.ts /work/hist/iproute2.git /work/hist/dpdk.git
// KREVIEW_OLD is a checkout of the kreview to compare with (its bin/kreview.js is run); without it
// only this tree is measured. Each CLI runs once untimed (index built, caches warm), then timed.
// Old and new keep separate caches (their index schemas differ). --no-old skips the old path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NEW_BIN = fileURLToPath(new URL('../bin/kreview.js', import.meta.url));
const args = process.argv.slice(2);
const histories = args.filter((a) => !a.startsWith('--'));
const oldDir = args.includes('--no-old') ? undefined : process.env.KREVIEW_OLD;
const OLD_BIN = oldDir ? join(oldDir, 'bin', 'kreview.js') : null;
const say = (s: string) => console.log(s);

/** The ids whose per-commit verdicts must be the same before and after. */
const KEPT = new Set([
  'fixes/no-sha', 'fixes/url', 'fixes/leading-word', 'fixes/missing-subject', 'fixes/missing-space', 'fixes/short-sha', 'fixes/split',
  'fixes/quoting', 'fixes/style', 'fixes/unknown-sha', 'fixes/ambiguous-sha', 'fixes/not-a-commit', 'fixes/subject-mismatch', 'fixes/not-ancestor',
]);

interface Report {
  series: { patches: { id: string; findings: { id: string; location: { line?: number } }[] }[] }[];
  grouped?: { id: string; count: number }[];
}

interface Run {
  wall: number;
  cpu: number;
  counts: Map<string, number>;
  grouped: Map<string, number>;
  verdicts: Set<string>;
}

/** /usr/bin/time reports the CPU of the CLI and every git it waited for. */
function timed(bin: string, repo: string, out: string, cache: string, extra: string[], warm = true): Run {
  const cli = [bin, 'review', '--repo', repo, '--checks', 'fixes', 'HEAD', '--format', 'json', '-o', out, ...extra];
  const env = { ...process.env, KREVIEW_CACHE: cache };
  if (warm) spawnSync(process.execPath, cli, { env, stdio: 'ignore' });
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...cli], { env, encoding: 'utf8' });
  const wall = (Date.now() - t0) / 1000;
  const [user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  const counts = new Map<string, number>();
  const verdicts = new Set<string>();
  for (const s of report.series)
    for (const p of s.patches)
      for (const f of p.findings) {
        counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
        if (KEPT.has(f.id)) verdicts.add(`${p.id} ${f.id} ${f.location.line ?? ''}`);
      }
  return { wall, cpu: user + sys, counts, grouped: new Map((report.grouped ?? []).map((g) => [g.id, g.count])), verdicts };
}

function conventions(repo: string, cache: string): string {
  const r = spawnSync(process.execPath, [NEW_BIN, 'conventions', '--repo', repo], { env: { ...process.env, KREVIEW_CACHE: cache }, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `kreview conventions failed: ${r.stderr.trim()}`;
}

if (histories.length === 0) {
  say('conventions-bench: give the paths of real git histories (e.g. /work/hist/dpdk.git); nothing is generated here.');
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'kreview-conv-bench-'));
say(`conventions-bench: REAL histories, whole history (HEAD), --checks fixes, JSON written; load average ${loadavg()[0].toFixed(1)} on this machine`);
say(`old path: ${OLD_BIN ?? '(not measured: set KREVIEW_OLD)'}; new path: ${NEW_BIN}`);
try {
  for (const repo of histories) {
    if (!existsSync(repo)) {
      say(`\n${repo}: no such directory, skipped`);
      continue;
    }
    const name = basename(repo).replace(/\.git$/, '');
    say(`\n=== ${name} (${repo})`);
    const newCache = join(work, 'cache-new');
    const after = timed(NEW_BIN, repo, join(work, `${name}-after.json`), newCache, ['--verbose']);
    const summarised = timed(NEW_BIN, repo, join(work, `${name}-summary.json`), newCache, [], false);
    say(conventions(repo, newCache).trimEnd().replace(/^/gm, '  '));
    const before = OLD_BIN ? timed(OLD_BIN, repo, join(work, `${name}-before.json`), join(work, 'cache-old'), []) : null;
    const ids = [...new Set([...(before?.counts.keys() ?? []), ...after.counts.keys()])].sort();
    say(`  ${'finding id'.padEnd(26)} ${'before'.padStart(7)} ${'after'.padStart(7)} ${'after, summarised'.padStart(18)}`);
    for (const id of ids) {
      const shown = (summarised.counts.get(id) ?? 0) + (summarised.grouped.has(id) ? ` (+1 summary of ${summarised.grouped.get(id)})` : '');
      say(`  ${id.padEnd(26)} ${String(before?.counts.get(id) ?? '-').padStart(7)} ${String(after.counts.get(id) ?? 0).padStart(7)} ${shown.padStart(18)}`);
    }
    if (before) {
      const lost = [...before.verdicts].filter((v) => !after.verdicts.has(v));
      const added = [...after.verdicts].filter((v) => !before.verdicts.has(v));
      say(`  verdicts on form/short/unknown/ambiguous/mismatch/non-ancestor: ${before.verdicts.size} before, ${after.verdicts.size} after, ${lost.length} lost, ${added.length} new`);
      for (const v of [...lost.slice(0, 5).map((x) => `lost ${x}`), ...added.slice(0, 5).map((x) => `new  ${x}`)]) say(`    ${v}`);
    }
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : '-');
    say(`  time, new: ${after.cpu.toFixed(1)} s CPU, ${after.wall.toFixed(1)} s wall` + (before ? `; old: ${before.cpu.toFixed(1)} s CPU, ${before.wall.toFixed(1)} s wall; old/new ${ratio(before.cpu, after.cpu)} CPU, ${ratio(before.wall, after.wall)} wall` : ''));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
