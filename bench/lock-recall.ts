// Recall of the lock check on real lock bugs (bench/lock-cases/manifest.yml, real data from public
// list archives): each fix's diff reversed is the bug, reviewed as mail without a repository
// (hunk-only) and, where the file exists in it, with the Debian 6.1 kernel tree as the base. The
// fixes themselves are reviewed too: a finding there is a false alarm. A baseline checkout (the
// previous release, e.g. /work/main) is measured in the same run and printed next to it. The
// seed's three mailed versions (lock-cases/seed.yml, linux-btrfs) are reviewed the same way.
// Run: npx tsx bench/lock-cases/rebuild.ts && npx tsx bench/lock-recall.ts [--baseline DIR]
//        [--tree /work/linux/linux-source-6.1] [--no-tree] [--only ID] [--sleep-index]
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest, rebuildCase, WORK } from './lock-cases/rebuild.js';
import type { LockCase } from './lock-cases/manifest-types.js';
import type { Finding, Patch } from '../src/core/types.js';
import type { History } from '../src/git/history-types.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const baselineDir = arg('--baseline');
const tree = process.argv.includes('--no-tree') ? null : (arg('--tree') ?? '/work/linux/linux-source-6.1');
const only = arg('--only');
const withSleepIndex = process.argv.includes('--sleep-index');
process.env.KREVIEW_CACHE ??= join(WORK, '..', 'lock-cache');

/** The parts of one checkout the bench drives, imported from that checkout. */
interface Engine {
  label: string;
  review(mail: string, name: string, history: History | null): Promise<{ findings: Finding[]; applied: boolean | null }>;
  openHistory(dir: string): Promise<History>;
}

async function engine(root: string, label: string): Promise<Engine> {
  const imp = (p: string) => import(join(root, p));
  const [{ parseMail }, { createWorkspace }, { lockCheck }, { defaultConfig }, { openHistory }] = await Promise.all([
    imp('src/patch/mail.ts'), imp('src/git/workspace.ts'), imp('checks/lock/index.ts'), imp('src/core/config.ts'), imp('src/git/history.ts'),
  ]);
  return {
    label,
    openHistory,
    async review(mail, name, history) {
      const patch: Patch = await parseMail(mail, name);
      const ws = await createWorkspace(patch, history ? { repo: history.repo, history, base: 'HEAD' } : { repo: null, history: null });
      const series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      const config = defaultConfig();
      // The tree's sleeping-call index (lock.treeSleepIndex, off by default) only with --sleep-index:
      // the figure without it is what `kreview review --repo` does as installed, and the real-tree
      // false-alarm bench runs without it unless given its own --sleep-index.
      config.lock.treeSleepIndex = history !== null && withSleepIndex;
      const findings: Finding[] = await lockCheck.run({ patch, series, workspace: ws, config });
      return { findings, applied: ws.applied };
    },
  };
}

/** A fix note ("looks like a fix"), in this checkout's wording or an older one's. */
const isFixNote = (f: Finding): boolean => /looks like a fix/i.test(f.message);

/**
 * A lock finding that says there is a problem in the case's file, at any severity (a finding that
 * rests on unseen lines is a note): not a fix note, not "could not parse".
 */
const fires = (fs: Finding[], c: LockCase): boolean =>
  fs.some((f) => f.id !== 'lock/unparsed' && !isFixNote(f) && f.location.kind === 'file' && f.location.path === c.file);

interface Row {
  id: string;
  visible: boolean;
  modelled: boolean;
  inTree: boolean;
  applied: boolean | null;
  /** engine label -> [hunk-only bug fires, tree bug fires, hunk-only fix fires, tree fix fires] */
  got: Map<string, [boolean, boolean | null, boolean, boolean | null]>;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const engines = [await engine(here, 'this')];
  if (baselineDir) engines.push(await engine(resolve(baselineDir), 'baseline'));
  const histories = new Map<string, History>();
  if (tree && existsSync(join(tree, '.git'))) for (const e of engines) histories.set(e.label, await e.openHistory(tree));
  const rows: Row[] = [];
  const t0 = Date.now();
  for (const c of loadManifest().filter((x) => !only || x.id === only)) {
    const r = await rebuildCase(c, arg('--mirror') ?? '/work/.mirror');
    if (typeof r === 'string') {
      console.error(r);
      continue;
    }
    const h = histories.get('this');
    const inTree = h ? (await h.readFile('HEAD', c.file)) !== null : false;
    const row: Row = { id: c.id, visible: c.visible, modelled: c.modelled, inTree, applied: null, got: new Map() };
    for (const e of engines) {
      const hist = inTree ? (histories.get(e.label) ?? null) : null;
      const bugMail = await e.review(r.bug, `${c.id}.bug.eml`, null);
      const fixMail = await e.review(r.fix, `${c.id}.fix.eml`, null);
      const bugTree = hist ? await e.review(r.bug, `${c.id}.bug.eml`, hist) : null;
      const fixTree = hist ? await e.review(r.fix, `${c.id}.fix.eml`, hist) : null;
      if (e.label === 'this') row.applied = bugTree?.applied ?? null;
      row.got.set(e.label, [fires(bugMail.findings, c), bugTree ? fires(bugTree.findings, c) : null, fires(fixMail.findings, c), fixTree ? fires(fixTree.findings, c) : null]);
    }
    rows.push(row);
    const g = row.got.get('this')!;
    console.log(`${c.id.padEnd(40)} visible=${c.visible ? 'y' : 'n'} modelled=${c.modelled ? 'y' : 'n'} in-6.1=${inTree ? 'y' : 'n'} applied=${row.applied ?? '-'}  bug: mail ${g[0] ? 'FIRES' : '-'} tree ${g[1] === null ? 'n/a' : g[1] ? 'FIRES' : '-'}  fix: mail ${g[2] ? 'ALARM' : 'quiet'} tree ${g[3] === null ? 'n/a' : g[3] ? 'ALARM' : 'quiet'}`);
  }
  // The seed's three mails, hunk-only: the fix should read as a fix, the fix reversed should fire.
  for (const c of only ? [] : loadManifest(join(here, 'bench', 'lock-cases', 'seed.yml'))) {
    const r = await rebuildCase(c, arg('--mirror') ?? '/work/.mirror');
    if (typeof r === 'string') {
      console.error(r);
      continue;
    }
    const cells: string[] = [];
    for (const e of engines) {
      const fix = await e.review(r.fix, `${c.id}.fix.eml`, null);
      const bug = await e.review(r.bug, `${c.id}.bug.eml`, null);
      const fixNote = fix.findings.some(isFixNote);
      cells.push(`${e.label}: fix ${fixNote ? 'READ AS FIX' : fires(fix.findings, c) ? 'ALARM' : 'unseen'}, reversed ${fires(bug.findings, c) ? 'FIRES' : '-'}`);
    }
    console.log(`${c.id.padEnd(40)} ${cells.join('   ')}`);
  }
  for (const h of histories.values()) await h.close();
  const pct = (n: number, d: number): string => (d ? `${n}/${d} (${((100 * n) / d).toFixed(0)}%)` : '0/0');
  console.log(`\nreal data: ${rows.length} lock bugs from list archives (linux-xfs, linux-ext4, linux-nfs, linux-f2fs-devel), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const e of engines) {
    const g = (r: Row) => r.got.get(e.label)!;
    const vis = rows.filter((r) => r.visible);
    const visMod = rows.filter((r) => r.visible && r.modelled);
    const treeRows = rows.filter((r) => g(r)[1] !== null);
    const caughtTree = rows.filter((r) => (g(r)[1] ?? g(r)[0]));
    console.log(`${e.label.padEnd(8)} hunk-only recall: all ${pct(rows.filter((r) => g(r)[0]).length, rows.length)}, lock visible ${pct(vis.filter((r) => g(r)[0]).length, vis.length)}, visible and modelled ${pct(visMod.filter((r) => g(r)[0]).length, visMod.length)}`);
    console.log(`${e.label.padEnd(8)} with the 6.1 tree (hunk-only where the file is not in it): ${pct(caughtTree.length, rows.length)}; tree-based cases ${pct(treeRows.filter((r) => g(r)[1]).length, treeRows.length)}`);
    console.log(`${e.label.padEnd(8)} alarms on the fixes: mail ${rows.filter((r) => g(r)[2]).length}/${rows.length}, tree ${treeRows.filter((r) => g(r)[3]).length}/${treeRows.length}`);
  }
}

await main();
