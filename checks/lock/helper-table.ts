// The helpers a directory of the base tree defines (callers.ts), kept on disk per directory
// listing: a review in a new process otherwise reads and scans every C file of the changed file's
// directory again (fs/nfs: 55 files, most of the CPU of the callers pass), for the few helpers it
// then looks at. One file per listing: a line per helper, `name<TAB>json`, in the order the map
// had them (the first definition of a name wins); a helper is decoded only when asked for.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeCacheFile } from '../../src/core/cache-file.js';
import { join } from 'node:path';
import type { ScannedFunction } from '../../src/c/sleep-scan.js';

export type Helper = ScannedFunction & { path: string };

/** Helpers by name: a Map when just scanned, a StoredHelpers when read back. */
export interface HelperTable {
  get(name: string): Helper | undefined;
}

const MAGIC = 'kreview-caller-helpers';

/** Helpers read back from their file, each decoded on first use. */
class StoredHelpers implements HelperTable {
  private readonly raw = new Map<string, string>();
  private readonly decoded = new Map<string, Helper>();
  /**
   * About what it may come to hold: the file's text (its lines are slices of it), a slot and two
   * slices per helper, and every helper decoded (a decoded helper weighs about 2.2 times its JSON,
   * as the scans count them: btrfs-progs's kernel-shared/, 0.72 MB of JSON for 1.59 MB of scans).
   */
  readonly bytes: number;

  constructor(lines: string[], textLength: number) {
    for (const line of lines) {
      const tab = line.indexOf('\t');
      if (tab > 0) this.raw.set(line.slice(0, tab), line.slice(tab + 1));
    }
    this.bytes = Math.ceil(3.2 * textLength) + 96 * this.raw.size;
  }

  get(name: string): Helper | undefined {
    let h = this.decoded.get(name);
    if (h === undefined) {
      const json = this.raw.get(name);
      if (json === undefined) return undefined;
      h = JSON.parse(json) as Helper;
      this.decoded.set(name, h);
    }
    return h;
  }
}

function fileOf(cacheDir: string, key: string): { file: string; id: string } {
  const id = createHash('sha256').update(key).digest('hex').slice(0, 40);
  return { file: join(cacheDir, 'lock-callers', id.slice(0, 2), id), id };
}

/** The table kept under `key` (which names the listing, the rules and the scanner's code), or null. */
export function readHelperTable(cacheDir: string, key: string): HelperTable | null {
  const { file, id } = fileOf(cacheDir, key);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  // A torn write (a killed run) has no last line: its table is computed again.
  if (lines[0] !== `${MAGIC} ${id}` || lines[lines.length - 1] !== 'end') return null;
  return new StoredHelpers(lines.slice(1, -1), text.length);
}

/** About the heap a table read back from disk may hold (the caller counts the tables it scanned itself). */
export function helperTableBytes(table: HelperTable): number {
  return table instanceof StoredHelpers ? table.bytes : 0;
}

/** Keep `helpers` under `key`; a read-only or full cache only costs speed. */
export function writeHelperTable(cacheDir: string, key: string, helpers: Map<string, Helper>): void {
  const { file, id } = fileOf(cacheDir, key);
  const parts = [`${MAGIC} ${id}`];
  for (const [name, h] of helpers) parts.push(`${name}\t${JSON.stringify(h)}`);
  parts.push('end');
  writeCacheFile(file, parts.join('\n'));
}
