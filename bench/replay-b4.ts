// The replay bench's reference: threads of real archive messages, and which messages b4 (Debian's
// b4 0.12, run offline on a mbox of one thread) takes for the newest version of the series in it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KreviewError } from '../src/core/types.js';
import { parseMail } from '../src/patch/mail.js';
import { classifyMessage } from '../src/series/classify.js';
import { assemble } from '../src/watch/assembler.js';
import type { StoredPatch } from '../src/state/messages.js';

export interface ThreadMail {
  id: string;
  subject: string;
  refs: string[];
  isPatch: boolean;
  raw: Buffer;
}

/** Header value, unfolded; the first occurrence. */
function header(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

const ids = (v: string): string[] => [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);

/** Reads the blobs with one `git cat-file --batch` and keeps the headers that thread them. */
export function messageIdsOf(gitDir: string, blobs: string[]): ThreadMail[] {
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: blobs.join('\n') + '\n', maxBuffer: 2 ** 31 - 1 });
  const mails: ThreadMail[] = [];
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString().split(' ')[2]);
    const raw = out.subarray(nl + 1, nl + 1 + size);
    at = nl + 1 + size + 1;
    const end = raw.indexOf('\n\n');
    const head = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
    const id = ids(header(head, 'Message-ID'))[0];
    if (!id) continue;
    const subject = header(head, 'Subject');
    const refs = [...ids(header(head, 'References')), ...ids(header(head, 'In-Reply-To'))];
    const isPatch = /\[[^\]]*PATCH[^\]]*\]/i.test(subject) && !/^\s*(re|aw|sv|antw):/i.test(subject);
    mails.push({ id, subject, refs, isPatch, raw });
  }
  return mails;
}

/** Threads: messages joined through In-Reply-To and References, in archive order. */
export function splitThreads(mails: ThreadMail[]): ThreadMail[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const m of mails) for (const r of m.refs) {
    const [a, b] = [find(m.id), find(r)];
    if (a !== b) parent.set(b, a);
  }
  const byRoot = new Map<string, ThreadMail[]>();
  for (const m of mails) {
    const r = find(m.id);
    byRoot.set(r, [...(byRoot.get(r) ?? []), m]);
  }
  return [...byRoot.values()];
}

function mboxOf(thread: ThreadMail[]): string {
  return thread
    .map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m.raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`)
    .join('\n');
}

/** What b4 am takes for the newest version in the thread: cover and patch Message-IDs; null when b4 finds no series. */
export function b4Group(thread: ThreadMail[], work: string): { cover: string | null; patches: string[] } | null {
  mkdirSync(work, { recursive: true });
  const file = join(work, 'thread.mbox');
  writeFileSync(file, mboxOf(thread), 'latin1');
  const out = join(work, 'out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const lead = thread.find((m) => m.isPatch) ?? thread[0];
  const env = { ...process.env, HOME: work, GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'user.email', GIT_CONFIG_VALUE_0: 't@example.org', GIT_CONFIG_KEY_1: 'user.name', GIT_CONFIG_VALUE_1: 'T' };
  try {
    execFileSync('b4', ['-n', '-q', 'am', '--no-cache', '-m', file, '-o', out, lead.id], { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch {
    return null;
  }
  const files = readdirSync(out);
  const read = (name: string): string[] => {
    try {
      const text = execFileSync('grep', ['-i', '^message-id:', join(out, name)], { encoding: 'utf8' });
      return [...text.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
    } catch {
      return [];
    }
  };
  const mbx = files.find((f) => f.endsWith('.mbx'));
  const cover = files.find((f) => f.endsWith('.cover'));
  const patches = mbx ? read(mbx) : [];
  if (!patches.length) return null;
  return { cover: cover ? (read(cover)[0] ?? null) : null, patches };
}

/**
 * What the daemon's assembler makes of the thread when all of it has arrived: the Message-IDs of the
 * ready series that holds `member` (cover first), or nothing when that patch is dropped or superseded.
 */
export async function kreviewGroup(thread: ThreadMail[], member: string): Promise<string[]> {
  const waiting: StoredPatch[] = [];
  for (const m of thread) {
    try {
      const patch = await parseMail(m.raw, 'replay');
      const c = classifyMessage(patch);
      if (c === 'patch' || c === 'cover') waiting.push({ patch, receivedAt: 0, lists: [] });
    } catch (e) {
      if (!(e instanceof KreviewError)) throw e;
    }
  }
  const a = assemble(waiting, { partialWaitMs: 0, settleMs: 0 }, 1, () => null);
  const hit = a.ready.find((r) => r.messageIds.includes(member));
  return hit ? hit.messageIds : [];
}
