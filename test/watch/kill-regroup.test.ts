// A SIGKILL in the middle of a review batch must not change how the batch's series are grouped.
// The thread is real-shaped: the headers (Message-IDs, In-Reply-To, References, subjects, dates) of a
// REAL linux-nfs thread of October-November 2025 (a three-part series that grew a 4/3 and a 5/3, then
// a `v3 5/3` sent in answer to a review, which b4 reads as a partial reroll of the whole series), and
// a four-part v4 of another series by the same sender; the texts and diffs are our own words.
// The assembly of a batch marks the older version superseded before it reviews the newer one that
// borrows its parts; a process killed in between used to come back with those parts gone, so the
// restart reviewed the v3 5/3 alone, "parts 1-3 missing", where the pass without the kill reviewed
// the whole series.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runNodeAsync } from '../helpers/run-cli.js';
import { makeMaildir, writePassPolicy } from './watch-fixture.js';

const LIST = 'linux-nfs@vger.kernel.org';
const node = (args: string[]) => runNodeAsync(['--import', 'tsx', ...args]);
const child = join(import.meta.dirname, 'kill-regroup-child.ts');

interface Msg {
  id: string;
  subject: string;
  date: string;
  replyTo?: string;
  refs?: string[];
  /** The file the patch touches (none: a cover letter). */
  file?: string;
  text: string;
}

const V1 = '20251027130833.96571';
const V4 = '20251105174210.54023';
const ROOT = 'aPZ-dIObXH8Z06la@kernel.org';
const OTHER_ROOT = 'aPSvi5Yr2lGOh5Jh@dell-per750-06-vm-07.rhts.eng.pek2.redhat.com';

const THREAD: Msg[] = [
  { id: `${V1}-1-snitzer@kernel.org`, subject: '[v6.18-rcX PATCH 0/3] nfs/localio: fixes for recent misaligned DIO changes', date: 'Mon, 27 Oct 2025 09:08:30 -0400', replyTo: ROOT, refs: [ROOT], text: 'Three fixes for the direct IO paths added this cycle.' },
  { id: `${V1}-2-snitzer@kernel.org`, subject: '[v6.18-rcX PATCH 1/3] nfs/localio: remove unecessary ENOTBLK handling in DIO WRITE support', date: 'Mon, 27 Oct 2025 09:08:31 -0400', replyTo: ROOT, refs: [ROOT], file: 'fs/nfs/localio.c', text: 'The write side never sees that error any more.' },
  { id: `${V1}-3-snitzer@kernel.org`, subject: '[v6.18-rcX PATCH 2/3] nfs/localio: add refcounting for each iocb IO associated with NFS pgio header', date: 'Mon, 27 Oct 2025 09:08:32 -0400', replyTo: ROOT, refs: [ROOT], file: 'fs/nfs/localio.c', text: 'Count the IOs in flight so the header completes once.' },
  { id: `${V1}-4-snitzer@kernel.org`, subject: '[v6.18-rcX PATCH 3/3] nfs/localio: backfill missing partial read support for misaligned DIO', date: 'Mon, 27 Oct 2025 09:08:33 -0400', replyTo: ROOT, refs: [ROOT], file: 'fs/nfs/localio.c', text: 'A short read of the aligned middle must still be reported.' },
  { id: 'aP-xXB_ht8F1i5YQ@kernel.org', subject: "[v6.18-rcX PATCH 4/3] nfs/localio: Ensure DIO WRITE's IO on stable storage upon completion", date: 'Mon, 27 Oct 2025 13:52:28 -0400', replyTo: ROOT, refs: [OTHER_ROOT], file: 'fs/nfs/localio.c', text: 'Ask for stable writes when the file is opened for direct IO.' },
  { id: 'aQKhAksYqPjOzUNv@kernel.org', subject: '[v6.18-rcX PATCH 5/3] nfs/localio: do not issue misaligned DIO out-of-order', date: 'Wed, 29 Oct 2025 19:19:30 -0400', replyTo: 'aP-xXB_ht8F1i5YQ@kernel.org', refs: [OTHER_ROOT], file: 'fs/nfs/localio.c', text: 'Send the unaligned head and tail in order with the middle.' },
  { id: `${V4}-1-snitzer@kernel.org`, subject: '[PATCH v4 0/3] [PATCH 0/3] NFSD: additional NFSD Direct changes', date: 'Wed,  5 Nov 2025 12:42:07 -0500', text: 'More work on the server side direct IO modes.' },
  { id: `${V4}-2-snitzer@kernel.org`, subject: '[PATCH v4 1/3] NFSD: avoid DONTCACHE for misaligned ends of misaligned DIO WRITE', date: 'Wed,  5 Nov 2025 12:42:08 -0500', replyTo: `${V4}-1-snitzer@kernel.org`, refs: [`${V4}-1-snitzer@kernel.org`], file: 'fs/nfsd/vfs.c', text: 'The ends are buffered normally.' },
  { id: `${V4}-3-snitzer@kernel.org`, subject: '[PATCH v4 2/3] NFSD: add new NFSD_IO_DIRECT variants that may override stable_how', date: 'Wed,  5 Nov 2025 12:42:09 -0500', replyTo: `${V4}-1-snitzer@kernel.org`, refs: [`${V4}-1-snitzer@kernel.org`], file: 'fs/nfsd/vfs.c', text: 'Two more modes for the debugfs knob.' },
  { id: `${V4}-4-snitzer@kernel.org`, subject: '[PATCH v4 3/3] NFSD: update Documentation/filesystems/nfs/nfsd-io-modes.rst', date: 'Wed,  5 Nov 2025 12:42:10 -0500', replyTo: `${V4}-1-snitzer@kernel.org`, refs: [`${V4}-1-snitzer@kernel.org`], file: 'Documentation/filesystems/nfs/nfsd-io-modes.rst', text: 'Say what the new modes do.' },
  // In answer to a review of the 5/3 (not on this list here): b4 takes the rest from the first version.
  { id: 'aQwP6OZv5Mkqz35U@kernel.org', subject: '[v6.18-rcX PATCH v3 5/3] nfs/localio: do not issue misaligned DIO out-of-order', date: 'Wed,  5 Nov 2025 22:03:04 -0500', replyTo: 'aQwM-h1QA4SkpLnX@kernel.org', refs: [OTHER_ROOT], file: 'fs/nfs/localio.c', text: 'Send the unaligned head and tail in order, now without a wait.' },
];

function raw(m: Msg, n: number): string {
  const head = [
    'From: Mike Snitzer <snitzer@kernel.org>',
    'To: Trond Myklebust <trondmy@kernel.org>, Anna Schumaker <anna@kernel.org>',
    `Cc: ${LIST}`,
    `Subject: ${m.subject}`,
    `Date: ${m.date}`,
    `Message-ID: <${m.id}>`,
    ...(m.replyTo ? [`In-Reply-To: <${m.replyTo}>`] : []),
    ...(m.refs ? [`References: ${m.refs.map((r) => `<${r}>`).join(' ')}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
  ];
  if (!m.file) return [...head, m.text, '', 'Mike Snitzer (3):', '  the parts', ''].join('\n');
  return [
    ...head,
    m.text,
    '',
    'Signed-off-by: Mike Snitzer <snitzer@kernel.org>',
    '---',
    ` ${m.file} | 2 +-`,
    ' 1 file changed, 1 insertion(+), 1 deletion(-)',
    '',
    `diff --git a/${m.file} b/${m.file}`,
    `index 1111111..${String(2222222 + n)} 100644`,
    `--- a/${m.file}`,
    `+++ b/${m.file}`,
    `@@ -${10 * n + 1},3 +${10 * n + 1},3 @@`,
    ' \tint ret;',
    `-\tret = step_${n}(iocb);`,
    `+\tret = step_${n}(iocb, flags);`,
    ' \treturn ret;',
    '',
  ].join('\n');
}

/** A Maildir with the thread, its policy (no repository: grouping is what is looked at), and where replies go. */
function setup(): { policy: string; outbox: string; db: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-kill-regroup-'));
  const md = makeMaildir(join(dir, 'md'));
  THREAD.forEach((m, i) => writeFileSync(join(md, 'new', `${String(i).padStart(2, '0')}-mail`), raw(m, i)));
  const policy = join(dir, 'policy.yml');
  writePassPolicy(policy, { sources: `[ { type: maildir, path: ${md}, name: md } ]`, address: LIST, state: join(dir, 'state.db'), sink: `{ type: directory, dir: ${join(dir, 'outbox')} }` });
  return { policy, outbox: join(dir, 'outbox'), db: join(dir, 'state.db'), dir };
}

function outcome(db: string): { series: unknown[]; messages: unknown[]; kept: number } {
  const d = new Database(db, { readonly: true });
  try {
    return {
      series: d.prepare('SELECT key, version, state, missing FROM series ORDER BY key').all(),
      messages: d.prepare('SELECT message_id, state FROM messages ORDER BY message_id').all(),
      kept: d.prepare(`SELECT count(*) FROM messages WHERE patch_json IS NOT NULL`).pluck().get() as number,
    };
  } finally {
    d.close();
  }
}

describe('a SIGKILL during a review batch', { timeout: 240_000 }, () => {
  it("between marking v1 superseded and reviewing the v3 that borrows its parts: the restart groups the series as the pass without the kill does", async () => {
    const plain = setup();
    const once = await node([child, plain.policy]);
    expect(once.code, once.stderr).toBe(0);
    const want = outcome(plain.db);
    // The pass without the kill: the v3 5/3 is reviewed with the first version's cover and 1/3-3/3.
    expect(want.series).toContainEqual({ key: `${V1}-1-snitzer@kernel.org#v3`, version: 3, state: 'reviewed', missing: '[]' });
    expect(want.messages).toContainEqual({ message_id: `${V1}-2-snitzer@kernel.org`, state: 'reviewed' });
    expect(want.kept).toBe(0);

    const killed = setup();
    const marker = join(killed.dir, 'killed-once');
    // The v4 is newer, so it is reviewed first in the batch: the kill lands after the batch's
    // assembly marked the first version's parts superseded and before the v3 is reviewed.
    const first = await node([child, killed.policy, 'NFSD Direct', marker]);
    expect(first.signal).toBe('SIGKILL');
    const mid = outcome(killed.db);
    expect(mid.messages).toContainEqual({ message_id: 'aQKhAksYqPjOzUNv@kernel.org', state: 'superseded' });
    const second = await node([child, killed.policy, 'NFSD Direct', marker]);
    expect(second.code, second.stderr).toBe(0);
    const got = outcome(killed.db);
    expect(got.series).not.toContainEqual(expect.objectContaining({ key: 'aQwP6OZv5Mkqz35U@kernel.org#v3' }));
    expect(got.series).toEqual(want.series);
    expect(got.messages).toEqual(want.messages);
    // The JSON of the batch's messages is dropped once the batch is done, after the restart too.
    expect(got.kept).toBe(0);
    expect(readdirSync(killed.outbox).length).toBe(readdirSync(plain.outbox).length);
  });
});
