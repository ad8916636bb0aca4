// Lists the files below a tree by reading tree objects through the long-lived cat-file process
// (no `git ls-tree` per question): raw entries are `<mode> <name>\0<hash bytes>`.
import type { CatFile } from './cat-file.js';

/** Path (joined to `prefix`) -> object id of every non-directory entry below `treeOid`, submodules left out; sorted by path. */
export async function listTree(batch: CatFile, treeOid: string, prefix: string): Promise<Map<string, string>> {
  const hashBytes = treeOid.length / 2;
  const out: [string, string][] = [];
  let level: { oid: string; path: string }[] = [{ oid: treeOid, path: prefix }];
  while (level.length) {
    // One breadth-first level at a time: all its trees are asked for in one pipelined batch.
    const replies = await batch.requestAll(level.map((t) => t.oid));
    const next: { oid: string; path: string }[] = [];
    replies.forEach((r, i) => {
      if (r.status !== 'found' || r.type !== 'tree' || !r.content) return;
      const buf = r.content;
      let pos = 0;
      while (pos < buf.length) {
        const sp = buf.indexOf(0x20, pos);
        const nul = buf.indexOf(0, sp);
        if (sp < 0 || nul < 0) break;
        const mode = buf.toString('latin1', pos, sp);
        const name = buf.toString('utf8', sp + 1, nul);
        const oid = buf.toString('hex', nul + 1, nul + 1 + hashBytes);
        pos = nul + 1 + hashBytes;
        const path = level[i].path ? `${level[i].path}/${name}` : name;
        if (mode === '40000') next.push({ oid, path });
        else if (mode !== '160000') out.push([path, oid]);
      }
    });
    level = next;
  }
  return new Map(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
