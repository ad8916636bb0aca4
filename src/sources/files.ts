// Reads patches from the command line's inputs: mbox files, single messages (.patch, .eml, format-patch
// output), directories (sorted, recursively) and '-' for stdin. A bad input yields one KreviewError; the rest go on.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { KreviewError, type Patch } from '../core/types.js';
import { parseMail } from '../patch/mail.js';
import { readMessages } from './mbox.js';

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? String(err?.message ?? e).split('\n')[0];
};

/** Parses every message of one stream, yielding a KreviewError for each message or read that fails. */
export async function* readStream(stream: Readable, name: string, maxMessageBytes: number = DEFAULT_LIMITS.messageBytes): AsyncGenerator<Patch | KreviewError> {
  let count = 0;
  try {
    for await (const msg of readMessages(stream, name, maxMessageBytes)) {
      count++;
      if (msg.skipped) {
        yield new KreviewError(`${msg.source}: ${msg.skipped}`);
        continue;
      }
      try {
        const patch = await parseMail(msg.raw, msg.source);
        patch.warnings.unshift(...msg.warnings);
        yield patch;
      } catch (e) {
        yield e instanceof KreviewError ? e : new KreviewError(`${msg.source}: ${reason(e)}`);
      }
    }
  } catch (e) {
    yield new KreviewError(`cannot read ${name}: ${reason(e)}`);
    return;
  }
  if (count === 0) yield new KreviewError(`${name}: no message in it (empty input)`);
}

/** Files below a directory in sorted order, hidden entries skipped. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (e.isFile()) yield path;
  }
}

/** Every patch (or one-line error) from the given paths, in order; a message above `maxMessageBytes` is one such error. */
export async function* readInputs(paths: string[], maxMessageBytes: number = DEFAULT_LIMITS.messageBytes): AsyncGenerator<Patch | KreviewError> {
  for (const path of paths) {
    if (path === '-') {
      yield* readStream(process.stdin, 'stdin', maxMessageBytes);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      yield new KreviewError(`cannot read ${path}: ${reason(e)}`);
      continue;
    }
    if (!isDir) {
      yield* readStream(createReadStream(path), path, maxMessageBytes);
      continue;
    }
    try {
      for await (const file of walk(path)) yield* readStream(createReadStream(file), file, maxMessageBytes);
    } catch (e) {
      yield new KreviewError(`cannot read directory ${path}: ${reason(e)}`);
    }
  }
}
