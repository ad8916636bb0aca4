// The default sink: one .eml file per reply in a directory, for a dry run a maintainer can read.
// Written to a temporary name and renamed, so a file that exists is a whole message.
import { mkdirSync, existsSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingMail, Sink } from './sink.js';

/** A file name from a Message-ID that cannot leave the directory. */
export function emlName(messageId: string): string {
  return `${messageId.replace(/[^A-Za-z0-9._@+-]/g, '_')}.eml`;
}

export class DirectorySink implements Sink {
  readonly name: string;
  /** A rename either happened or did not: nothing is ever pending. */
  readonly answerWindowMs = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.name = `outbox directory ${dir}`;
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
