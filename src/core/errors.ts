// Turning anything thrown into the one line a user reads.
import { KreviewError } from './types.js';

export function errorMessage(e: unknown): string {
  const text = e instanceof KreviewError ? e.message : e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  return printable(text.trim().replace(/\s*\n\s*/g, ' '), 400);
}

/** A name as it may appear in a one-line message: control characters escaped, long names cut. */
export function printable(name: string, max = 200): string {
  const escaped = name.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return escaped.length > max ? escaped.slice(0, max) + '...' : escaped;
}
