// The bundled example series (examples/fixup-worker.mbox), made from the example history:
// the seed bug re-sent as a patch, with Fixes: trailers that show what kreview checks.
// Regenerate with `npx tsx src/example/series.ts > examples/fixup-worker.mbox`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runGit } from '../git/run-git.js';
import { buildExample, expand, importCommit, type ExampleRepo } from './build.js';
import { extentIoC, inodeC, qgroupC } from './tree-files.js';

const dana = { name: 'Dana Whitfield', email: 'dana@example.com' };
const t0 = 1_571_131_800; // 2019-10-15 09:30 UTC
const list = 'linux-btrfs@vger.kernel.org';
const maintainer = 'Ada Lindqvist <ada@example.org>';

const patches: { date: number; message: string; files: Record<string, string> }[] = [
  {
    date: t0,
    message:
      'btrfs: delalloc for page dirtied out-of-band in fixup worker\n\n' +
      'A page dirtied behind our back, by a get_user_pages() user writing into\n' +
      'an mmap\'ed file, reaches writepage without delalloc accounting, and the\n' +
      'fixup worker sets delalloc for it without reserving any space. Reserve\n' +
      'the data and metadata space in the fixup worker before setting delalloc.\n\n' +
      'Fixes: {{sha12:cached-state}} ("btrfs: use a cached extent state in the fixup worker")\n' +
      'Signed-off-by: Dana Whitfield <dana@example.com>\n',
    files: { 'fs/btrfs/inode.c': inodeC({ mappingCheck: true, cachedState: true, reserve: true }) },
  },
  {
    date: t0 + 1,
    message:
      'btrfs: qgroup: free the reserved data when the reservation fails\n\n' +
      'When qgroup_reserve_data() fails after reserving part of the range the\n' +
      'reservation is leaked, and the qgroup limit is hit early afterwards.\n\n' +
      'Fixes: {{sha12:qgroup-free}} ("btrfs: qgroup: free the reserved data\non error")\n' +
      'Signed-off-by: Dana Whitfield <dana@example.com>\n',
    files: { 'fs/btrfs/qgroup.c': qgroupC(true) },
  },
  {
    date: t0 + 2,
    message:
      'btrfs: clear the cached extent state pointer after dropping it\n\n' +
      'unlock_extent_cached() drops the reference of the cached state but leaves\n' +
      'the caller\'s pointer alone, and a caller that unlocks twice frees it\n' +
      'again: a use-after-free that KASAN reports as\n\n' +
      '  BUG: KASAN: use-after-free in free_extent_state+0x1c/0x90\n\n' +
      'Clear the pointer once the state is dropped.\n\n' +
      'Fixes: {{sha8:put-state}} ("btrfs: drop cached state in unlock_extent_cached")\n' +
      'Fixes: 0123456789ab ("btrfs: handle a page without a mapping in the fixup worker")\n' +
      'Signed-off-by: Dana Whitfield <dana@example.com>\n',
    files: { 'fs/btrfs/extent_io.c': extentIoC(true, true) },
  },
];

const cover = `Pages dirtied behind our back (a get_user_pages() user writing into an
mmap'ed file) reach writepage without delalloc accounting, and the fixup
worker sets delalloc for them without reserving space. Patch 1 reserves
the space in the fixup worker; patches 2 and 3 fix two smaller problems
I found nearby.`;

function messageId(n: number): string {
  return `<20191015093000.${4711 + n}-${n}-dana@example.com>`;
}

function rfc2822(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace('GMT', '+0000');
}

/** Rewrite format-patch's headers into what git send-email would have sent. */
function sendEmailHeaders(mail: string, n: number): string {
  const [head, ...rest] = mail.split('\n\n');
  // The sender is set here, not by git: GIT_AUTHOR_NAME and friends would override any -c user.name.
  const lines = head.split('\n').filter((l) => !l.startsWith('Date: ')).map((l) => (l.startsWith('From: ') ? `From: ${dana.name} <${dana.email}>` : l));
  const subjectLine = lines.findIndex((l) => l.startsWith('Subject: '));
  const extra = [`Date: ${rfc2822(t0 + n)}`, `Message-Id: ${messageId(n)}`];
  if (n > 0) extra.push(`In-Reply-To: ${messageId(0)}`, `References: ${messageId(0)}`);
  extra.push(`To: ${list}`, `Cc: ${maintainer}`);
  lines.splice(subjectLine, 0, ...extra);
  return [lines.join('\n'), ...rest].join('\n\n');
}

export async function makeExampleSeries(example: ExampleRepo): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), 'kreview-example-series-'));
  try {
    await runGit(tmp, ['clone', '-q', '--shared', '--end-of-options', example.dir, 'repo'], { remote: true });
    const repo = join(tmp, 'repo');
    let parent = example.ids['release-5.4'];
    for (const p of patches)
      parent = await importCommit(repo, { author: dana, date: p.date, message: p.message, files: p.files }, 'refs/heads/series', parent, example.ids);
    const fp = await runGit(repo, ['format-patch', '--stdout', '--cover-letter', '--numbered', '--signature=2.23.0', `--base=${example.ids['release-5.4']}`, `${example.ids['release-5.4']}..series`]);
    if (fp.code !== 0) throw new Error(`format-patch failed: ${fp.stderr}`);
    const mails = fp.stdout.split(/\n(?=From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\n)/);
    return mails
      .map((m, n) =>
        sendEmailHeaders(
          n === 0 ? m.replace('*** SUBJECT HERE ***', 'btrfs: reserve delalloc space in the writepage fixup worker').replace('*** BLURB HERE ***', cover) : m,
          n,
        ),
      )
      .join('\n')
      .replace(/\n*$/, '\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(await makeExampleSeries(await buildExample()));
}
