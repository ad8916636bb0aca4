// Follows a Maildir: messages in new/ are read, handed over, then moved to cur/ with the Seen flag,
// as a mail client would. A crash between the two re-reads a message; intake drops the duplicate.
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { KreviewError } from '../core/types.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { type BatchHandler, type RawMessage, type WatchSource } from '../watch/raw-message.js';

const BATCH = 500;

export class MaildirSource implements WatchSource {
  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly warn: (msg: string) => void = () => {},
    /** `limits.messageBytes`: a larger message is skipped with one line. */
    private readonly maxMessageBytes: number = DEFAULT_LIMITS.messageBytes,
  ) {}

  async poll(handle: BatchHandler): Promise<number> {
    const newDir = join(this.dir, 'new');
    const curDir = join(this.dir, 'cur');
    let names: string[];
    try {
      names = readdirSync(newDir).filter((n) => !n.startsWith('.')).sort();
    } catch (e) {
      throw new KreviewError(`cannot read Maildir ${this.dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} on new/`);
    }
    mkdirSync(curDir, { recursive: true });
    let n = 0;
    for (let i = 0; i < names.length; i += BATCH) {
      const slice = names.slice(i, i + BATCH);
      const batch: RawMessage[] = [];
      const read: string[] = [];
      for (const name of slice) {
        try {
          const raw = readFileSync(join(newDir, name));
          read.push(name);
          if (raw.length > this.maxMessageBytes) this.warn(`${this.name}: ${name} is larger than ${this.maxMessageBytes} bytes; skipped`);
          else batch.push({ raw, origin: `${this.name} new/${name}`, source: this.name });
        } catch (e) {
          // Another reader (a mail client) may have moved it already.
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`${this.name}: cannot read new/${name}: ${(e as Error).message}`);
        }
      }
      await handle(batch);
      n += batch.length;
      for (const name of read) {
        const flagged = name.includes(':2,') ? name : `${name}:2,S`;
        try {
          renameSync(join(newDir, name), join(curDir, flagged));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`${this.name}: cannot move new/${name} to cur/: ${(e as Error).message}`);
        }
      }
    }
    return n;
  }

  async close(): Promise<void> {}
}
