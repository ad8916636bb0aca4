// A version for results that some modules compute and a cache keeps on disk: a hash of those
// modules' own text (the .js built from them, or the .ts sources under tsx). A cache keyed by it is
// never read back by code that would compute differently (an edit on another branch, a rebuilt
// dist/), with no version number for every editor of those modules to remember to bump.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const known = new Map<string, string | null>();

/**
 * The version of the modules at `relatives` (paths without extension, from the module at `from`,
 * its import.meta.url), or null when one cannot be read: then nothing is kept by it.
 */
export function codeVersion(from: string, relatives: string[]): string | null {
  const key = `${from}\0${relatives.join('\0')}`;
  let v = known.get(key);
  if (v === undefined) {
    const ext = from.endsWith('.ts') ? '.ts' : '.js';
    try {
      const h = createHash('sha256');
      for (const r of relatives) h.update(readFileSync(fileURLToPath(new URL(r + ext, from)))).update('\0');
      v = h.digest('hex').slice(0, 16);
    } catch {
      v = null;
    }
    known.set(key, v);
  }
  return v;
}
