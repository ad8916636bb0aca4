// The caller-context and dropped-NOFS-scope notes (checks/lock/callers.ts, nofs-scope.ts) on real
// patch mails that change existing functions, run by hand: the real-tree bench reviews files as
// added (no pre-image, no callers), so it cannot measure these rules. Patches are taken evenly from
// fetched list archives (public-inbox v2: the mail is blob `m` of each commit), those touching a
// C file the Debian 6.1 tree has, and reviewed with that tree as the base. Prints every such note
// for labelling, and how many patches and changed functions were read. The data is real.
//   npx tsx bench/lock-callers-real.ts [--per-list N] [--lists linux-nfs,linux-ext4,...] [--tree DIR]
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { lockCheck } from '../checks/lock/index.js';
import { defaultConfig } from '../src/core/config.js';
import type { Finding, Patch } from '../src/core/types.js';
import { openHistory } from '../src/git/history.js';
import { runGit } from '../src/git/run-git.js';
import { createWorkspace } from '../src/git/workspace.js';
import { parseMail } from '../src/patch/mail.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const perList = Number(opt('--per-list') ?? 40);
const tree = opt('--tree') ?? '/work/linux/linux-source-6.1';
const lists = (opt('--lists') ?? 'linux-nfs.vger.kernel.org,linux-ext4.vger.kernel.org,linux-f2fs-devel.lists.sourceforge.net,linux-xfs.vger.kernel.org').split(',');
const mirror = opt('--mirror') ?? '/work/.mirror';

const ours = (f: Finding): boolean => f.id === 'lock/nofs-scope-dropped' || (f.id === 'lock/sleep-in-atomic' && / now calls /.test(f.message));

async function main(): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const history = await openHistory(tree);
  let patches = 0;
  let notes = 0;
  for (const list of lists) {
    const dir = join(mirror, `linux-mailinglist-archives+${list}.0`, 'repo');
    if (!existsSync(dir)) {
      console.error(`${list}: no archive at ${dir}`);
      continue;
    }
    const all = (await runGit(dir, ['--git-dir', dir, 'rev-list', 'HEAD'])).stdout.trim().split('\n');
    let taken = 0;
    // Evenly through the archive, until perList patches touching a C file of the tree were reviewed.
    const step = Math.max(1, Math.floor(all.length / (perList * 20)));
    for (let i = 0; i < all.length && taken < perList; i += step) {
      const blob = await runGit(dir, ['--git-dir', dir, 'cat-file', 'blob', `${all[i]}:m`]);
      if (blob.code !== 0 || !/^Subject:.*\[PATCH/m.test(blob.stdout) || !/^diff --git a\/fs\/.*\.c /m.test(blob.stdout)) continue;
      let patch: Patch;
      try {
        patch = await parseMail(blob.stdout, `${all[i]}.eml`);
      } catch {
        continue;
      }
      const files = patch.files.filter((f) => f.oldPath && /\.c$/.test(f.oldPath));
      if (files.length === 0 || (await history.readFile('HEAD', files[0].oldPath!)) === null) continue;
      taken++;
      patches++;
      const ws = await createWorkspace(patch, { repo: history.repo, history, base: 'HEAD' });
      const config = defaultConfig();
      config.lock.treeSleepIndex = true;
      const series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      const found = (await lockCheck.run({ patch, series, workspace: ws, config })).filter(ours);
      for (const f of found) {
        notes++;
        console.log(`${list} ${all[i].slice(0, 12)} "${patch.subject}"\n  ${f.id} ${f.confidence} ${f.location.kind === 'file' ? `${f.location.path}:${f.location.line}` : ''}\n  ${f.message}`);
      }
    }
    console.log(`${list}: ${taken} patches reviewed`);
  }
  await history.close();
  const cpu = process.cpuUsage(cpu0);
  console.log(`\nreal data: ${patches} patch mails touching C files of the 6.1 tree, ${notes} caller-context or dropped-scope notes; ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU (this process), ${((Date.now() - t0) / 1000).toFixed(0)} s wall, load ${loadavg()[0].toFixed(1)}`);
}

await main();
