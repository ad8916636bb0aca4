// Lists the files below a tree by reading tree objects through the long-lived cat-file process
// (no `git ls-tree` per question): raw entries are `<mode> <name>\0<hash bytes>`.
import type { ByteLru } from '../core/byte-lru.js';
import type { CatFile } from './cat-file.js';

/** A tree object's entries as listings need them: subtrees and files (submodules left out), in git's order. */
export interface TreeEntries {
  names: string[];
  oids: string[];
  /** 1 where the entry is a subtree. */
  dirs: Uint8Array;
}

/**
 * Tree objects by id, parsed, kept between listings: a commit changes the trees on the paths to
 * the files it changes, and the rest of a directory listed again at the next commit of a range is
 * the same objects (REAL btrfs-progs, 300 commits: 3,239 trees read for 559 different ones).
 */
export type TreeObjects = Pick<ByteLru<string, TreeEntries>, 'get' | 'set'>;

/** Bytes a kept tree object is counted as: two per character of its names and ids, and a slot each. */
function entriesBytes(e: TreeEntries): number {
  let bytes = 64 + e.dirs.length;
  for (let i = 0; i < e.names.length; i++) bytes += 2 * (e.names[i].length + e.oids[i].length) + 48;
  return bytes;
}

function parseTree(buf: Buffer, hashBytes: number): TreeEntries {
  const names: string[] = [];
  const oids: string[] = [];
  const dirs: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    const nul = buf.indexOf(0, sp);
    if (sp < 0 || nul < 0) break;
    const mode = buf.toString('latin1', pos, sp);
    const name = buf.toString('utf8', sp + 1, nul);
    const oid = buf.toString('hex', nul + 1, nul + 1 + hashBytes);
    pos = nul + 1 + hashBytes;
    if (mode === '160000') continue;
    names.push(name);
    oids.push(oid);
    dirs.push(mode === '40000' ? 1 : 0);
  }
  return { names, oids, dirs: Uint8Array.from(dirs) };
}

/**
 * Path (joined to `prefix`) -> object id of every non-directory entry below `treeOid`, submodules
 * left out; sorted by path. Trees found in `kept` are not asked of git; those read are kept there.
 */
export async function listTree(batch: CatFile, treeOid: string, prefix: string, kept?: TreeObjects): Promise<Map<string, string>> {
  const hashBytes = treeOid.length / 2;
  const out: [string, string][] = [];
  let level: { oid: string; path: string }[] = [{ oid: treeOid, path: prefix }];
  while (level.length) {
    // One breadth-first level at a time: the trees of it not kept are asked for in one pipelined batch.
    const read = new Map<string, TreeEntries | null>();
    for (const t of level) if (!read.has(t.oid)) read.set(t.oid, kept?.get(t.oid) ?? null);
    const ask = [...read].filter(([, e]) => e === null).map(([oid]) => oid);
    const replies = ask.length ? await batch.requestAll(ask) : [];
    replies.forEach((r, i) => {
      if (r.status !== 'found' || r.type !== 'tree' || !r.content) return;
      const entries = parseTree(r.content, hashBytes);
      read.set(ask[i], entries);
      kept?.set(ask[i], entries, entriesBytes(entries));
    });
    const next: { oid: string; path: string }[] = [];
    for (const t of level) {
      const e = read.get(t.oid);
      if (!e) continue;
      for (let i = 0; i < e.names.length; i++) {
        const path = t.path ? `${t.path}/${e.names[i]}` : e.names[i];
        if (e.dirs[i]) next.push({ oid: e.oids[i], path });
        else out.push([path, e.oids[i]]);
      }
    }
    level = next;
  }
  return new Map(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
