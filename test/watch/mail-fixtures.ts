// Builds kernel-style patch mails as text, the way git send-email writes them, for the watch tests.

export interface MailSpec {
  messageId: string;
  subject: string;
  from?: string;
  to?: string[];
  cc?: string[];
  inReplyTo?: string;
  references?: string[];
  date?: string;
  listId?: string;
  /** Extra header lines, written as given. */
  headers?: string[];
  /** Commit message body (after the subject). */
  body?: string;
  /** The diff, from `diff --git` on; omitted for a cover letter or a reply. */
  diff?: string;
}

export function mailText(m: MailSpec): string {
  const h = [
    `From: ${m.from ?? 'Jane Developer <jane@example.org>'}`,
    `To: ${(m.to ?? ['linux-btrfs@vger.kernel.org']).join(', ')}`,
    ...(m.cc?.length ? [`Cc: ${m.cc.join(', ')}`] : []),
    `Subject: ${m.subject}`,
    `Date: ${m.date ?? 'Tue, 24 Nov 2026 10:00:00 +0000'}`,
    `Message-ID: <${m.messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references?.length ? [`References: ${m.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...(m.listId ? [`List-Id: <${m.listId}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    ...(m.headers ?? []),
  ];
  const body = m.body ?? 'Some explanation of the change.\n\nSigned-off-by: Jane Developer <jane@example.org>';
  const tail = m.diff ? `\n---\n fs/btrfs/inode.c | 2 ++\n 1 file changed, 2 insertions(+)\n\n${m.diff}\n-- \n2.45.0\n` : '\n';
  return `${h.join('\n')}\n\n${body}\n${tail}`;
}

/** A small real-looking diff adding a reservation under a page lock in fs/btrfs/inode.c. */
export function fixupDiff(extra = ''): string {
  return [
    'diff --git a/fs/btrfs/inode.c b/fs/btrfs/inode.c',
    'index 1111111..2222222 100644',
    '--- a/fs/btrfs/inode.c',
    '+++ b/fs/btrfs/inode.c',
    '@@ -10,6 +10,8 @@ static void btrfs_writepage_fixup_worker(struct btrfs_work *work)',
    ' \tpage = fixup->page;',
    ' again:',
    ' \tlock_page(page);',
    '+\tret = btrfs_delalloc_reserve_space(inode, &data_reserved,',
    `+\t\t\t\t\t   page_start, PAGE_SIZE);${extra}`,
    ' \tif (!page->mapping || !PageDirty(page) || !PageChecked(page)) {',
    ' \t\tunlock_page(page);',
    ' \t\tgoto out;',
  ].join('\n');
}
