// Turning anything thrown into the one line a user reads.
import { KreviewError } from './types.js';

export function errorMessage(e: unknown): string {
  if (e instanceof KreviewError) return e.message;
  if (e instanceof Error) return `${e.name === 'Error' ? '' : e.name + ': '}${e.message}`.split('\n')[0];
  return String(e).split('\n')[0];
}
