// The default sink: one .eml file per reply in a directory, for a dry run a maintainer can read.
// Written to a temporary name and renamed, so a file that exists is a whole message. A process
// killed between the write and the rename leaves `<name>.eml.tmp-<pid>`; its outbox row is still
// 'sending' with no .eml, so the outbox sends it again. The leftover is removed at start-up.
import { mkdirSync, existsSync, readdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingMail, Sink } from './sink.js';

/** A file name from a Message-ID that cannot leave the directory. */
export function emlName(messageId: string): string {
  return `${messageId.replace(/[^A-Za-z0-9._@+-]/g, '_')}.eml`;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the temporary files of writers that are gone (another live process may be mid-write). */
function removeLeftovers(dir: string): string[] {
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = /\.eml\.tmp-(\d+)$/.exec(f);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    rmSync(join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

export class DirectorySink implements Sink {
  readonly name: string;
  /** A rename either happened or did not: nothing is ever pending. */
  readonly answerWindowMs = 0;

  constructor(
    readonly dir: string,
    warn: (msg: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.name = `outbox directory ${dir}`;
    const left = removeLeftovers(dir);
    if (left.length) warn(`${this.name}: removed ${left.length} unfinished file${left.length === 1 ? '' : 's'} of a process that died while writing (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}); their replies are sent again`);
  }

  async send(mail: OutgoingMail): Promise<void> {
    const final = join(this.dir, emlName(mail.messageId));
    const tmp = `${final}.tmp-${process.pid}`;
    writeFileSync(tmp, mail.raw, { flush: true });
    renameSync(tmp, final);
  }

  async delivered(messageId: string): Promise<boolean> {
    return existsSync(join(this.dir, emlName(messageId)));
  }

  async close(): Promise<void> {}
}
