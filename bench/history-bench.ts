// History question throughput: resolve + subject + ancestry for many Fixes:-style ids through one
// History, against the anchors' way (linux-next's check_fixes style: git processes per id).
// Run: tsx bench/history-bench.ts [--dir DIR] [--commits N] [--ids N] [--sample N] [--seed N]
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHistory } from './gen-history.js';
import { openHistory } from '../src/git/history.js';
import { runGit } from '../src/git/run-git.js';

function arg(argv: string[], flag: string, dflt: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
}

/** The anchors' questions for one id, one git process each (5 per id). */
async function anchorWay(repo: string, id: string, base: string): Promise<{ found: boolean; subject: string; ancestor: boolean }> {
  const verify = await runGit(repo, ['rev-parse', '--verify', '--quiet', `${id}^{commit}`]);
  if (verify.code !== 0) return { found: false, subject: '', ancestor: false };
  await runGit(repo, ['cat-file', '-t', id]);
  const subject = (await runGit(repo, ['log', '-1', '--format=%s', id])).stdout.trim();
  await runGit(repo, ['log', '-1', '--format=%H', id]);
  const anc = await runGit(repo, ['merge-base', '--is-ancestor', id, base]);
  return { found: true, subject, ancestor: anc.code === 0 };
}

async function main(argv: string[]): Promise<void> {
  const commits = Number(arg(argv, '--commits', '200000'));
  const nIds = Number(arg(argv, '--ids', '10000'));
  const sample = Number(arg(argv, '--sample', '20'));
  const seed = Number(arg(argv, '--seed', '1'));
  const dir = arg(argv, '--dir', join(mkdtempSync(join(tmpdir(), 'kreview-hbench-')), 'repo'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'kreview-hbench-cache-'));

  let t = Date.now();
  if (!existsSync(join(dir, '.git'))) {
    await generateHistory(dir, { commits, fixesTags: Math.floor(commits / 100), seed });
    console.log(`generated ${commits} commits in ${dir} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const all = (await runGit(dir, ['rev-list', '--all'], { maxBuffer: 1 << 30 })).stdout.split('\n').filter(Boolean);
  const base = (await runGit(dir, ['rev-parse', 'HEAD'])).stdout.trim();
  // Deterministic spread of ids: 12-digit prefixes of commits all over the history, 2% made up.
  const ids: string[] = [];
  for (let i = 0; i < nIds; i++) ids.push(i % 50 === 49 ? `deadbeef${(i * 7919).toString(16).padStart(4, '0')}` : all[(i * 104729) % all.length].slice(0, 12));

  t = Date.now();
  const h = await openHistory(dir, { cacheDir });
  const buildMs = Date.now() - t;
  t = Date.now();
  await h.close();
  const h2 = await openHistory(dir, { cacheDir });
  const reopenMs = Date.now() - t;

  t = Date.now();
  const resolved = await h2.resolve(ids);
  const oids = [...resolved.values()].filter((r) => r.status === 'found' && r.type === 'commit').map((r) => r.oid as string);
  const infos = await h2.commits(oids);
  const isAncestor = new Map<string, boolean>();
  for (const o of oids) isAncestor.set(o, await h2.isAncestor(o, base));
  const oursMs = Date.now() - t;
  await h2.close();
  const ancestors = [...isAncestor.values()].filter(Boolean).length;

  const sampleIds = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / sample)) === 0).slice(0, sample);
  t = Date.now();
  let agree = 0;
  for (const id of sampleIds) {
    const a = await anchorWay(dir, id, base);
    const r = resolved.get(id);
    const oid = r?.status === 'found' ? r.oid! : null;
    const ours = { found: !!oid, subject: oid ? (infos.get(oid)?.subject ?? '') : '', ancestor: oid ? !!isAncestor.get(oid) : false };
    if (ours.found === a.found && ours.subject === a.subject && ours.ancestor === a.ancestor) agree++;
  }
  const sampleMs = Date.now() - t;
  const perIdAnchor = sampleMs / sampleIds.length;
  const scaled = perIdAnchor * ids.length;

  console.log(`history: ${all.length} commits; ${ids.length} ids (${oids.length} commits found), ${ancestors} ancestors of HEAD`);
  console.log(`kreview index: built in ${(buildMs / 1000).toFixed(1)} s (once per repository), reopened in ${reopenMs} ms`);
  console.log(`kreview: ${oursMs} ms for ${ids.length} ids (${((oursMs * 1000) / ids.length).toFixed(0)} us/id): one History, batched`);
  console.log(
    `anchors (5 git processes per id: rev-parse --verify, cat-file -t, log -1 %s, log -1 %H, merge-base --is-ancestor): ` +
      `measured on a sample of ${sampleIds.length} ids, ${perIdAnchor.toFixed(1)} ms/id, scaled per id to ${ids.length} ids: ${(scaled / 1000).toFixed(1)} s`,
  );
  console.log(`ratio: kreview is ${(scaled / oursMs).toFixed(0)}x faster (${(scaled / (oursMs + buildMs)).toFixed(1)}x counting the one-time index build)`);
  console.log(`answers (found, subject, ancestry) agree on ${agree}/${sampleIds.length} sampled ids`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
