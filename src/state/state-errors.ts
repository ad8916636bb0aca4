// What can go wrong with the state file itself, said in one line that names the file and what to do.
// Any of these stops the daemon: going on would lose what it owes (replies) or repeat what it did.
import Database from 'better-sqlite3';
import { KreviewError } from '../core/types.js';

export class StateError extends KreviewError {
  override name = 'StateError';
}

/** The one-line StateError for a SQLite error on the state file `path`; null for any other error. */
export function stateError(e: unknown, path: string): StateError | null {
  if (e instanceof StateError) return e;
  if (!(e instanceof Database.SqliteError)) return null;
  const code = e.code;
  const what =
    code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED'
      ? 'is locked by another process (a second `kreview watch` on the same state?): stop that one, or give this one its own state file'
      : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_')
        ? 'is not a SQLite database or is damaged: move it aside and restart (a new, empty state is created; restore a backup to keep what was sent)'
        : code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM'
          ? 'cannot be written: give the user running kreview write access to the file and to its directory (SQLite keeps -wal and -shm files next to it)'
          : code === 'SQLITE_FULL'
            ? 'cannot grow: the disk is full; free space and restart'
            : `failed (${code}: ${e.message.split('\n')[0]})`;
  return new StateError(`state database ${path} ${what}`);
}
