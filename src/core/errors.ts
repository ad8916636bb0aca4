// Turning anything thrown into the one line a user reads.
import { KreviewError } from './types.js';

export function errorMessage(e: unknown): string {
  const text = e instanceof KreviewError ? e.message : e instanceof Error ? sqliteWords(e) ?? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  return printable(text.trim().replace(/\s*\n\s*/g, ' '), 400);
}

/** A name as it may appear in a one-line message: control characters escaped, long names cut. */
export function printable(name: string, max = 200): string {
  const escaped = name.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return escaped.length > max ? escaped.slice(0, max) + '...' : escaped;
}

/**
 * SQLite's own errors in kreview's words. better-sqlite3 throws `SqliteError` with SQLite's result code
 * in `code`; "database is locked" alone does not say that it is another process's lock and that the
 * wait (busy_timeout) ran out, nor what to do about it.
 */
function sqliteWords(e: Error): string | null {
  if (e.name !== 'SqliteError') return null;
  const code = String((e as Error & { code?: unknown }).code ?? '');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `a database of kreview's stayed locked by another process longer than kreview waits (SQLite: ${e.message}); ` +
      'is a second kreview working on the same state or cache directory?';
  }
  if (code.startsWith('SQLITE_FULL')) return `the disk is full under a database of kreview's (SQLite: ${e.message})`;
  return `SQLite: ${e.message}${code ? ` (${code})` : ''}`;
}
