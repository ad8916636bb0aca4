// One way to write a file of kreview's disk cache: the whole text under a temporary name, then a
// rename, so a reader (another process, another thread, a run after a crash) sees the old file or
// the new one, never half of one. The temporary name holds the process id AND the thread id:
// `--threads` and `--review-threads` run checks on worker threads of one process, and two of them
// filing the same entry under a name that holds only the pid truncated each other's text and
// renamed it away from under each other.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

/** The temporary name `file` is written under by this thread of this process. */
export function cacheTempName(file: string): string {
  return `${file}.${process.pid}.${threadId}.tmp`;
}

/**
 * Writes `text` (or bytes) to `file` atomically, making its directory; false when it could not (a read-only or
 * full cache only costs a later run the work), and then no temporary file is left behind.
 */
export function writeCacheFile(file: string, text: string | Uint8Array): boolean {
  const tmp = cacheTempName(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more can be done about a cache that cannot be written.
    }
    return false;
  }
}
