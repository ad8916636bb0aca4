// Paths of a commit's tree found by walking its tree objects, each kept by id: the commits of a
// range share nearly all their trees, so a path (a header, a touched directory) costs git a round
// trip only where a tree on its way changed. Asking cat-file for `<commit>:<path>` instead made git
// walk the same trees again for every path of every commit: on btrfs-progs, 40 round trips per
// commit for the headers a changed file includes (most of a range review's 9,000 writes to git).
import { ByteLru } from '../core/byte-lru.js';
import type { CatFileReply } from './cat-file.js';

/** What a tree walk needs of `git cat-file --batch` and `--batch-check`. */
export interface ObjectReader {
  request(query: string): Promise<CatFileReply>;
}

/** One entry of a tree object: its mode as git writes it (`100644`, `40000`, `120000`, `160000`) and its id. */
export interface TreeEntry {
  mode: string;
  oid: string;
}

const TREE = '40000';
const GITLINK = '160000';

/** The entries of one tree object by name (not recursive). */
export function parseTreeObject(buf: Buffer, hashBytes: number): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    const nul = buf.indexOf(0, sp);
    if (sp < 0 || nul < 0) break;
    out.set(buf.toString('utf8', sp + 1, nul), { mode: buf.toString('latin1', pos, sp), oid: buf.toString('hex', nul + 1, nul + 1 + hashBytes) });
    pos = nul + 1 + hashBytes;
  }
  return out;
}

/**
 * `<commit>:<path>` answered from tree objects kept by id. Only full commit ids and plain paths
 * (no empty, `.` or `..` segment) are walked; the caller asks git directly for anything else.
 * Every cache is bounded by bytes; a tree being read is shared by the commits that ask at once.
 */
export class TreePaths {
  /** Root tree of a commit (a commit's tree never changes). */
  private readonly roots: ByteLru<string, string | null>;
  private readonly trees: ByteLru<string, Map<string, TreeEntry> | null>;
  /** Blob sizes by id (the check decides on a header's size before reading it). */
  private readonly sizes: ByteLru<string, number | null>;
  private readonly reading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly batch: ObjectReader,
    private readonly check: ObjectReader,
    budget: number,
  ) {
    this.roots = new ByteLru(budget / 8);
    this.trees = new ByteLru((budget * 3) / 4);
    this.sizes = new ByteLru(budget / 8);
  }

  /** Can `path` (`''`: the root) at `rev` be walked here (else ask git for `rev:path`)? */
  static walkable(rev: string, path: string): boolean {
    return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev) && (path === '' || path.split('/').every((s) => s !== '' && s !== '.' && s !== '..'));
  }

  /** The id of the tree at `path` (`''`: the root) of `commit`; null when that is no tree. */
  async treeId(commit: string, path: string): Promise<string | null> {
    const e = await this.entry(commit, path);
    return e?.mode === TREE ? e.oid : null;
  }

  /** The entry at `path` of `commit`'s tree (`''` is the root tree itself, as a tree entry); null when there is none. */
  async entry(commit: string, path: string): Promise<TreeEntry | null> {
    const root = await this.rootOf(commit);
    if (root === null) return null;
    let at: TreeEntry = { mode: TREE, oid: root };
    if (path === '') return at;
    for (const name of path.split('/')) {
      if (at.mode !== TREE) return null;
      const entries = await this.tree(at.oid);
      const next = entries?.get(name);
      if (!next) return null;
      at = next;
    }
    return at;
  }

  /** The id of the blob at `path` of `commit` (a symbolic link's too, as git answers `commit:path`); null for a tree, a submodule or no entry. */
  async blobId(commit: string, path: string): Promise<string | null> {
    const e = await this.entry(commit, path);
    return !e || e.mode === TREE || e.mode === GITLINK ? null : e.oid;
  }

  /** That blob and its size. */
  async blob(commit: string, path: string): Promise<{ oid: string; size: number } | null> {
    const oid = await this.blobId(commit, path);
    const size = oid === null ? null : await this.sizeOf(oid);
    return oid === null || size === null ? null : { oid, size };
  }

  private rootOf(commit: string): Promise<string | null> {
    return this.once(this.roots, `root ${commit}`, commit, async () => {
      const r = await this.check.request(`${commit}^{tree}`);
      return r.status === 'found' && r.type === 'tree' ? r.oid : null;
    }, () => 2 * commit.length + 2 * 64 + 64);
  }

  private tree(oid: string): Promise<Map<string, TreeEntry> | null> {
    return this.once(this.trees, `tree ${oid}`, oid, async () => {
      const r = await this.batch.request(oid);
      return r.status === 'found' && r.type === 'tree' && r.content ? parseTreeObject(r.content, oid.length / 2) : null;
    }, (m) => {
      // A name and a hex id as strings, a mode, an entry object and its Map slot.
      let bytes = 2 * oid.length + 64;
      for (const name of m?.keys() ?? []) bytes += 2 * name.length + 2 * oid.length + 160;
      return bytes;
    });
  }

  private sizeOf(oid: string): Promise<number | null> {
    return this.once(this.sizes, `size ${oid}`, oid, async () => {
      const r = await this.check.request(oid);
      return r.status === 'found' && r.type === 'blob' ? r.size : null;
    }, () => 2 * oid.length + 96);
  }

  /** The cached answer, or the one being read, or a new read kept once it comes. */
  private async once<V>(cache: ByteLru<string, V>, readingKey: string, key: string, read: () => Promise<V>, bytes: (v: V) => number): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const pending = this.reading.get(readingKey) as Promise<V> | undefined;
    if (pending) return pending;
    // Objects never change: an answer, even "none", holds for good.
    const p = read().then((v) => {
      cache.set(key, v, bytes(v));
      return v;
    });
    this.reading.set(readingKey, p);
    try {
      return await p;
    } finally {
      this.reading.delete(readingKey);
    }
  }

  /** Entries kept and their estimated bytes (for tests). */
  kept(): { trees: number; bytes: number } {
    return { trees: this.trees.size, bytes: this.trees.bytes + this.roots.bytes + this.sizes.bytes };
  }
}
