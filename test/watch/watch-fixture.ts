// A kernel-like repository, a patch series made from it with git format-patch, a real public-inbox
// the series is delivered to, a real SMTP server on loopback, and the policy file tying them together.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { peekHeaders } from '../../src/watch/header-scan.js';
import { TestInbox } from './public-inbox-fixture.js';
import { startSmtpCapture, type SmtpCapture } from '../sinks/smtp-capture.js';

export const LIST = 'linux-btrfs@lists.example.org';
export const BOT = 'kreview@bots.example.org';

const FILLER = Array.from({ length: 8 }, (_, i) => `/* line ${i + 1} */`).join('\n');

export const INODE_C = `${FILLER}
static void btrfs_writepage_fixup_worker(struct btrfs_work *work)
{
	struct page *page = fixup->page;
	int ret;

again:
	lock_page(page);
	if (!page->mapping || !PageDirty(page) || !PageChecked(page)) {
		unlock_page(page);
		goto out;
	}
	set_page_extent_mapped(page);
	unlock_page(page);
out:
	put_page(page);
}
`;

export interface Mail {
  id: string;
  raw: string;
}

/** Splits `git format-patch --stdout` output into its mails. */
export function splitFormatPatch(mbox: string): Mail[] {
  return mbox
    .split(/^(?=From [0-9a-f]{40} )/m)
    .filter((m) => m.trim())
    .map((raw) => ({ raw, id: peekHeaders(Buffer.from(raw)).messageId! }));
}

export class WatchWorld {
  readonly repo = new TestRepo();
  readonly inbox = new TestInbox('linux-btrfs');
  readonly fixed: string;
  readonly base: string;
  smtp!: SmtpCapture;
  readonly policyFile: string;

  constructor() {
    this.repo.commit('btrfs: add the fixup worker', { files: { 'fs/btrfs/inode.c': INODE_C } });
    this.fixed = this.repo.commit('btrfs: do not do delalloc reservation under page lock', {
      files: { 'fs/btrfs/inode.c': INODE_C.replace('\tint ret;\n', '\tint ret = 0;\n') },
    });
    this.base = this.repo.head();
    this.policyFile = join(this.inbox.root, 'policy.yml');
  }

  /**
   * A two-patch series on top of the base, as git send-email would mail it (cover, 1/2, 2/2).
   * Patch 1 reserves space under the page lock and carries a Fixes: tag with the wrong subject.
   */
  series(version: number, opts: { fixesSubject?: string } = {}): Mail[] {
    const r = this.repo;
    r.git('checkout', '-q', '-B', `topic-v${version}`, this.base);
    const short = r.git('rev-parse', '--short=12', this.fixed);
    const body = [
      'btrfs: reserve delalloc space in the fixup worker',
      '',
      'The fixup worker needs space for the page it dirties.',
      '',
      `Fixes: ${short} ("${opts.fixesSubject ?? 'btrfs: wrong subject'}")`,
      'Signed-off-by: Jane Developer <jane@example.org>',
    ].join('\n');
    const withReserve = INODE_C.replace('\tint ret;\n', '\tint ret = 0;\n').replace(
      '\tlock_page(page);\n',
      '\tlock_page(page);\n\tret = btrfs_delalloc_reserve_space(inode, &data_reserved,\n\t\t\t\t\t   page_start, PAGE_SIZE);\n',
    );
    r.commit(body, { files: { 'fs/btrfs/inode.c': withReserve }, author: { name: 'Jane Developer', email: 'jane@example.org' } });
    r.commit('btrfs: name the label\n\nSigned-off-by: Jane Developer <jane@example.org>', {
      files: { 'fs/btrfs/inode.c': withReserve.replace('out:\n', 'out_put:\n').replace('goto out;', 'goto out_put;') },
      author: { name: 'Jane Developer', email: 'jane@example.org' },
    });
    const mbox = r.formatPatch('HEAD~2..HEAD', '--cover-letter', '--thread=shallow', `--subject-prefix=PATCH${version > 1 ? ` v${version}` : ''}`, `--to=${LIST}`, '--cc=David Sterba <dsterba@suse.com>', `--base=${this.base}`);
    r.git('checkout', '-q', 'master');
    // format-patch names a cover letter `cover.<seconds now>.git.<email>`: two versions made in the
    // same second (a fast machine) shared it, and v2's cover was taken for a duplicate of v1's.
    const ownIds = mbox.replaceAll('<cover.', `<cover-v${version}.`);
    return splitFormatPatch(ownIds.replace(/\*\*\* SUBJECT HERE \*\*\*/, 'btrfs: fixup worker space').replace(/\*\*\* BLURB HERE \*\*\*/, 'Two small changes.'));
  }

  async start(policyExtra = ''): Promise<void> {
    this.smtp = await startSmtpCapture();
    this.writePolicy(policyExtra);
  }

  writePolicy(extra = '', listExtra = ''): void {
    mkdirSync(this.inbox.root, { recursive: true });
    writeFileSync(
      this.policyFile,
      `bot:
  name: kreview
  address: ${BOT}
  human: Jo Maintainer <jo@example.org>
  optOut: mail jo@example.org to mute this list
state: state.db
sink:
  type: smtp
  host: 127.0.0.1
  port: ${this.smtp.port}
sources:
  - type: public-inbox
    path: ${this.inbox.dir}
    name: lore-btrfs
    since: 2000-01-01   # the tests deliver before the first tick: read the archive from its start
  - type: maildir
    path: ${join(this.inbox.root, 'maildir')}
    name: second-list
timing:
  settleSeconds: 60
  partialWaitMinutes: 30
lists:
  - address: ${LIST}
    mode: enabled
    reply: all
    minSeverity: note
    repo: ${this.repo.dir}
    bases:
      default: master
${listExtra}${extra}`,
    );
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(this.inbox.root, 'maildir', d), { recursive: true });
  }

  /** Drops a message into the second list's Maildir (the same mail through another list). */
  deliverMaildir(raw: string, name: string): void {
    writeFileSync(join(this.inbox.root, 'maildir', 'new', name), raw);
  }

  async close(): Promise<void> {
    await this.smtp?.close();
  }
}

/** A Maildir (new, cur, tmp) at `dir`; returns `dir`. */
export function makeMaildir(dir: string): string {
  for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

/** The list entry's lines that review against a test repository's master. */
export function repoListLines(repoDir: string): string[] {
  return ['minSeverity: note', `repo: ${repoDir}`, 'bases: { default: master }'];
}

/**
 * A policy for a test's `watch --once` passes: nothing waits to settle, replies go to a directory,
 * one list is enabled. `sources` is the YAML of the sources list (none: mail comes by `ingest`).
 */
export function writePassPolicy(
  file: string,
  o: { sources?: string; state?: string; sink?: string; timing?: string; address?: string; list?: string[] } = {},
): void {
  const lines = [
    'bot: { name: kreview, address: kreview@bots.example.org }',
    `state: ${o.state ?? 'state.db'}`,
    `sink: ${o.sink ?? '{ type: directory, dir: outbox }'}`,
    ...(o.sources ? [`sources: ${o.sources}`] : []),
    `timing: { ${o.timing ?? 'settleSeconds: 0, partialWaitMinutes: 0'} }`,
    'lists:',
    `  - address: ${o.address ?? LIST}`,
    '    mode: enabled',
    ...(o.list ?? []).map((l) => `    ${l}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

