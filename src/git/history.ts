// openHistory(): the History of one repository (src/git/history-types.ts), answering checks'
// questions from the on-disk index, an in-memory commit graph and two long-lived cat-file processes.
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { ByteLru } from '../core/byte-lru.js';
import { cacheShare } from '../core/cache-shares.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { KreviewError } from '../core/types.js';
import type { CommitInfo, History, HistoryImport, ObjectType, ResolvedObject } from './history-types.js';
import { Ancestry } from './ancestry.js';
import { CatFile } from './cat-file.js';
import { parseCommitObject } from './commit-object.js';
import { learnConventions, type LearnedConventions } from './conventions.js';
import { defaultCacheDir, HistoryIndex, listRefs, type IndexedCommit, type RefEntry } from './history-index.js';
import { fixesSubjectsFor, messageRefs } from './message-refs.js';
import { compareSubject } from '../patch/subject-match.js';
import { compareVersions, globToRegExp, listTags, type ReleaseTag } from './release-tags.js';
import { listTree, type TreeEntries } from './tree-list.js';
import { keepRootFiles, keptRootFiles } from './root-files.js';
import { DiffTree, type DiffSource } from './diff-tree.js';
import { assertGitRepo, assertSafeRev, isFullOid, runGit, streamGit } from './run-git.js';

export interface OpenHistoryOptions {
  cacheDir?: string;
  progress?: (msg: string) => void;
  /** The caller has just seen that `repo` is a git repository: not asked again. */
  checked?: boolean;
}

const OBJECT_TYPES: readonly string[] = ['commit', 'tree', 'blob', 'tag'];
const HEX = /^[0-9a-fA-F]{4,64}$/;
/** A full object id no repository holds in practice: asking for it makes git re-read its object directories. */
const NO_SUCH_OBJECT = 'f'.repeat(40);

/** Open the History of `repo`, building or extending its index first. */
export async function openHistory(repo: string, opts: OpenHistoryOptions = {}): Promise<History> {
  const dir = resolvePath(repo);
  // The refs are listed while git says where the repository is: the first refresh takes them.
  const listing = listRefs(dir);
  listing.catch(() => undefined);
  // One git for both questions: the check that words the error (dubious ownership...) only when it failed.
  const r = await runGit(dir, ['rev-parse', '--git-common-dir']);
  if (r.code !== 0) {
    if (!opts.checked) await assertGitRepo(dir);
    throw new KreviewError(`${dir} is not a git repository`);
  }
  const gitDir = await realpath(resolvePath(dir, r.stdout.trim()));
  const identity = await identityOf(gitDir);
  const index = HistoryIndex.open(dir, gitDir, opts.cacheDir ?? defaultCacheDir());
  const history = new GitHistory(dir, index, opts, gitDir, identity);
  try {
    await history.refresh(listing);
  } catch (e) {
    await history.close();
    throw e;
  }
  return history;
}

/** Which directory this is on its file system: a repository removed and made again at the same path is another one. */
async function identityOf(gitDir: string): Promise<string> {
  const st = await stat(gitDir);
  return `${st.dev}:${st.ino}`;
}

/** Could this string name an object? Option-like or multi-line strings are answered without git. */
function askable(name: string): boolean {
  return name !== '' && !name.startsWith('-') && !/[\0-\x1f\x7f]/.test(name);
}

type CheckAnswer = { status: 'found'; oid: string; type: ObjectType } | { status: 'missing' | 'ambiguous' };
/** batch-check answers kept between refreshes at most (a few MB). */
const MAX_ANSWERS = 1 << 15;

function toInfo(c: IndexedCommit): CommitInfo {
  return { oid: c.oid, parents: c.parents, subject: c.subject, author: { name: c.authorName, email: c.authorEmail }, date: c.adate };
}

/** A history shorter than this is checked for an imported root (see importedRoot). */
const IMPORT_COMMITS = 1000;
/** A root commit bringing at least this many files is an imported tree, not the start of a project. */
const IMPORT_FILES = 1000;

class GitHistory implements History, DiffSource {
  private readonly check: CatFile;
  private readonly batch: CatFile;
  private readonly differ: DiffTree;
  private readonly ancestry: Ancestry;
  private tags: Promise<ReleaseTag[]> | null = null;
  /** Bumped when the release tags change, so release answers cached under the old ones are not used. */
  private tagsVersion = 0;
  /**
   * Listings by tree id and the path it was listed at (a tree's content never changes, but two
   * directories with the same files are one tree); the latest, within half the listings' budget.
   */
  private trees = new ByteLru<string, Map<string, string>>(cacheShare('treeListings', DEFAULT_LIMITS.cacheBytes) >> 1);
  /** The tree objects those listings were made of, parsed (tree-list.ts), within the other half. */
  private treeObjects = new ByteLru<string, TreeEntries>(cacheShare('treeListings', DEFAULT_LIMITS.cacheBytes) >> 1);
  private updating: Promise<unknown> = Promise.resolve();
  /**
   * Release labellings by base, within a byte budget: each holds a label per commit of the history
   * (4.8 MB on a kernel's), and 256 of them by count could pass a gigabyte. Bases that see the same
   * tags share one labelling; it is counted with each (shared ones are dropped a little early).
   */
  private releases = new ByteLru<string, { names: string[]; ids: number[]; labels: Int32Array }>(cacheShare('releases', DEFAULT_LIMITS.cacheBytes));

  private readonly progress: ((msg: string) => void) | undefined;

  constructor(
    readonly repo: string,
    private readonly index: HistoryIndex,
    private readonly opts: OpenHistoryOptions,
    private readonly gitDir: string,
    private readonly identity: string,
  ) {
    this.progress = opts.progress;
    this.check = new CatFile(repo, 'batch-check');
    this.batch = new CatFile(repo, 'batch');
    this.differ = new DiffTree(repo);
    this.ancestry = new Ancestry(index);
  }

  /** Set by refresh(): the history starts with an imported tree (see importedRoot). */
  imported: HistoryImport | null = null;
  /**
   * What `imported` was found for (HEAD and the history's length): a daemon refreshes before every
   * series, and listing a 78,000-file root again each time cost half a second of git per series.
   */
  private importedFor = '';

  /** git keeps a shallow clone's boundary commits in `shallow`; a fetch --unshallow removes it. */
  get shallow(): boolean {
    return existsSync(join(this.gitDir, 'shallow'));
  }

  async resolve(ids: string[]): Promise<Map<string, ResolvedObject>> {
    const unique = [...new Set(ids)];
    const replies = await Promise.all(unique.map((q) => this.checkOne(HEX.test(q) ? q.toLowerCase() : q)));
    const out = new Map<string, ResolvedObject>();
    // No ambiguous answer (almost always): each answer as it is, in order, without a promise each.
    if (!replies.some((r) => r.status === 'ambiguous')) {
      unique.forEach((query, i) => {
        const r = replies[i];
        out.set(query, r.status === 'found' ? { query, status: 'found', oid: r.oid, type: r.type } : { query, status: 'missing' });
      });
      return out;
    }
    await Promise.all(
      unique.map(async (query, i) => {
        const r = replies[i];
        if (r.status === 'found') {
          out.set(query, { query, status: 'found', oid: r.oid, type: r.type });
        } else if (r.status === 'ambiguous') {
          out.set(query, { query, status: 'ambiguous', candidates: await this.candidates(query.toLowerCase()) });
        } else out.set(query, { query, status: 'missing' });
      }),
    );
    return out;
  }

  /**
   * batch-check answers since the last refresh, by query. A whole-history review asks the same ids
   * again and again (DPDK: 8,660 of its 17,412 questions were repeats, the ids of commits many
   * tags name and their abbreviations); like the names in revParse, they are asked afresh after
   * each refresh, which is when a History takes in what arrived in the repository.
   */
  private answers = new Map<string, Promise<CheckAnswer>>();

  /** One batch-check answer; names the protocol cannot carry count as missing. */
  private checkOne(q: string): Promise<CheckAnswer> {
    let hit = this.answers.get(q);
    if (!hit) {
      const asked = this.askCheck(q);
      if (this.answers.size >= MAX_ANSWERS) this.answers.clear();
      this.answers.set(q, asked);
      // A git that died is asked again next time.
      asked.catch(() => {
        if (this.answers.get(q) === asked) this.answers.delete(q);
      });
      hit = asked;
    }
    return hit;
  }

  private async askCheck(q: string): Promise<CheckAnswer> {
    if (!askable(q)) return { status: 'missing' };
    const r = await this.check.request(q);
    if (r.status !== 'found') return r;
    if (!OBJECT_TYPES.includes(r.type)) return { status: 'missing' };
    return { status: 'found', oid: r.oid, type: r.type as ObjectType };
  }

  /**
   * The ids the `Fixes:` tags of these commits name, asked of git now, in one write, without
   * waiting: the reviews of a range then find git's answers ready (the same questions, asked
   * earlier) instead of each waiting for a round trip with its work held in memory. At most half
   * of the answers kept, so asking ahead never pushes out what it asked.
   */
  expectFixesOf(commits: string[]): void {
    const asked = this.index.fixesTargetsOf(commits, MAX_ANSWERS >> 1).map((id) => this.checkOne(id));
    // The commits they name are described from the index in a few queries, not one each when reviewed.
    void Promise.all(asked)
      .then((answers) => {
        const rows: number[] = [];
        for (const a of answers) {
          const row = a.status === 'found' && a.type === 'commit' ? this.index.idOf(a.oid) : null;
          if (row !== null) rows.push(row);
        }
        this.index.describeAhead(rows);
      })
      .catch(() => undefined);
  }

  /** Every object an ambiguous prefix names, commits first; one git process per ambiguous id (rare). */
  private async candidates(prefix: string): Promise<{ oid: string; type: ObjectType }[]> {
    if (!HEX.test(prefix)) return [];
    const r = await runGit(this.repo, ['rev-parse', `--disambiguate=${prefix}`]);
    const oids = r.stdout.split('\n').filter(isFullOid);
    const typed = await Promise.all(oids.map(async (oid) => ({ oid, type: (await this.checkOne(oid)) })));
    const rank = (t: string) => (t === 'commit' ? 0 : t === 'tag' ? 1 : t === 'tree' ? 2 : 3);
    return typed
      .filter((c) => c.type.status === 'found')
      .map((c) => ({ oid: c.oid, type: (c.type as { type: ObjectType }).type }))
      .sort((a, b) => rank(a.type) - rank(b.type) || a.oid.localeCompare(b.oid));
  }

  /** Full commit id for an id or revision, or null (hostile strings never reach git as options). */
  private async commitOid(id: string): Promise<string | null> {
    if (isFullOid(id) && this.index.idOf(id) !== null) return id;
    if (!askable(id)) return null;
    const r = await this.check.request(`${HEX.test(id) ? id.toLowerCase() : id}^{commit}`);
    return r.status === 'found' && r.type === 'commit' ? r.oid : null;
  }

  /**
   * The row of a full commit id the index holds, asked without git or a promise; null otherwise
   * (then commitOid() and indexed() decide). The questions of a range's Fixes checks name indexed
   * commits by full id almost always: each asked the index once, not three times.
   */
  private knownRow(id: string): number | null {
    return isFullOid(id) ? this.index.idOf(id) : null;
  }

  async commits(oids: string[]): Promise<Map<string, CommitInfo>> {
    const out = new Map<string, CommitInfo>();
    // Full ids the index holds are their own answer (commitOid's), without a promise each.
    const full = oids.every((o) => this.knownRow(o) !== null) ? oids : await Promise.all(oids.map((o) => this.commitOid(o)));
    const indexed = this.index.byOid(full.filter((o): o is string => o !== null));
    // Every commit indexed (almost always): described in order, without a promise each.
    if (full.every((oid) => oid !== null && indexed.has(oid))) {
      oids.forEach((query, i) => out.set(query, toInfo(indexed.get(full[i]!)!)));
      return out;
    }
    await Promise.all(
      oids.map(async (query, i) => {
        const oid = full[i];
        if (!oid) return;
        const hit = indexed.get(oid);
        if (hit) {
          out.set(query, toInfo(hit));
          return;
        }
        // A commit no ref reaches (a mail's base, a dangling commit): read the object itself.
        const r = await this.batch.request(oid);
        if (r.status !== 'found' || r.type !== 'commit' || !r.content) return;
        const c = parseCommitObject(r.content);
        out.set(query, { oid, parents: c.parents, subject: c.subject, author: c.author, date: c.adate });
      }),
    );
    return out;
  }

  async message(oid: string): Promise<string | null> {
    const full = await this.commitOid(oid);
    if (!full) return null;
    const r = await this.batch.request(full);
    return r.status === 'found' && r.content ? parseCommitObject(r.content).message : null;
  }

  /** Names (tags, branches) resolved since the last refresh: a range asks for the same release again and again. */
  private names = new Map<string, Promise<string | null>>();

  async revParse(rev: string): Promise<string | null> {
    assertSafeRev(rev);
    // An abbreviated id may become ambiguous as objects arrive; a name changes only with the refs.
    if (HEX.test(rev)) return this.commitOid(rev);
    let hit = this.names.get(rev);
    if (!hit) {
      hit = this.commitOid(rev);
      if (this.names.size >= 4096) this.names.clear();
      this.names.set(rev, hit);
      // A git that died is asked again next time.
      hit.catch(() => this.names.delete(rev));
    }
    return hit;
  }

  /**
   * Catch up with the refs as they are now: index the commits they reach that the index lacks (one
   * `git log` of the new tips only), and take the tags afresh. One `for-each-ref`; HEAD and the
   * previous tips are asked of the long-lived cat-file, so nothing else is spawned when nothing
   * changed. Runs after any update already under way; questions asked meanwhile see either the
   * commits before it or all of them, never half. `listed`: the refs already being listed (by
   * openHistory, while git said where the repository is).
   */
  refresh(listed?: Promise<RefEntry[]>): Promise<void> {
    const run = this.updating.then(async () => {
      // The long-lived git processes still read the directory they started in.
      const now = await identityOf(this.gitDir).catch(() => null);
      if (now !== this.identity) throw new KreviewError(`${this.repo} is not the repository this History was opened on; open it again`);
      // The refs and HEAD at once: neither answer waits for the other's git (on a first refresh the
      // cat-file starts here), one git's start-up less on the way to the first review.
      const heading = this.check.request('HEAD^{commit}');
      heading.catch(() => undefined);
      const refs = await (listed ?? listRefs(this.repo));
      this.names.clear();
      this.answers.clear();
      const head = await heading;
      const tips = new Set<string>();
      for (const r of refs) if (r.commit) tips.add(r.commit);
      if (head.status === 'found' && head.type === 'commit') tips.add(head.oid);
      await this.index.update([], this.progress, {
        refTips: [...tips],
        existing: async (oids) => {
          const replies = await Promise.all(oids.map((o) => this.checkOne(o)));
          return oids.filter((_, i) => replies[i].status === 'found' && (replies[i] as { type: ObjectType }).type === 'commit');
        },
      });
      // A running cat-file keeps its listing of loose objects for abbreviated names; a miss makes it
      // look again (git's "someone may have just packed it"), so an abbreviation that new objects
      // made ambiguous is reported as such, as a fresh process would.
      await Promise.all([this.check, this.batch].filter((c) => c.running).map((c) => c.request(NO_SUCH_OBJECT)));
      this.answers.clear();
      const importKey = `${head.status === 'found' ? head.oid : ''}:${this.index.visibleMax}`;
      if (importKey !== this.importedFor) {
        this.imported = await this.importedRoot();
        this.importedFor = importKey;
      }
      const tags: ReleaseTag[] = refs.flatMap((r) => (r.commit && r.name.startsWith('refs/tags/') ? [{ name: r.name.slice('refs/tags/'.length), commit: r.commit }] : []));
      const before = this.tags ? await this.tags.catch(() => null) : null;
      if (!before || before.length !== tags.length || before.some((t, i) => t.name !== tags[i].name || t.commit !== tags[i].commit)) {
        this.tags = Promise.resolve(tags);
        this.tagsVersion++;
        this.releases.clear();
      }
    });
    this.updating = run.catch(() => undefined);
    return run;
  }

  /**
   * A history of few commits whose root brings a whole tree (an unpacked release committed once,
   * like Debian's linux-source) has lost everything before that root: ids from before it cannot be
   * told from wrong ones. A real clone of a big tree has a root import too (Linux-2.6.12-rc2), but
   * with it a long history, so only histories under IMPORT_COMMITS commits are looked at.
   */
  private async importedRoot(): Promise<HistoryImport | null> {
    if (this.index.visibleMax >= IMPORT_COMMITS) return null;
    const roots = (await runGit(this.repo, ['rev-list', '--max-parents=0', 'HEAD'], { timeoutMs: 30_000 })).stdout.split('\n').filter(isFullOid);
    const cacheDir = this.opts.cacheDir ?? defaultCacheDir();
    for (const root of roots.slice(0, 4)) {
      let files = keptRootFiles(cacheDir, root) ?? 0;
      if (files === 0) {
        // Counted as the listing streams by (a kernel tree's is 3 MB): never gathered or decoded.
        const listed = await streamGit(
          this.repo,
          ['ls-tree', '-r', '-z', '--name-only', root],
          (b) => {
            for (let i = b.indexOf(0); i >= 0; i = b.indexOf(0, i + 1)) files++;
          },
          { timeoutMs: 60_000 },
        );
        if (listed.code !== 0) continue;
        keepRootFiles(cacheDir, root, files);
      }
      if (files < IMPORT_FILES) continue;
      const info = (await this.commits([root])).get(root);
      return { root, subject: info?.subject ?? '', files };
    }
    return null;
  }

  /** Row id of a commit in the index, indexing it (and its missing ancestors) first if needed. */
  private async indexed(oid: string): Promise<number | null> {
    const id = this.index.idOf(oid);
    if (id !== null) return id;
    // One index update at a time: parallel questions about new bases must not walk twice.
    const run = this.updating.then(async () => {
      if (this.index.idOf(oid) === null) await this.index.update([oid], this.progress);
    });
    this.updating = run.catch(() => undefined);
    await run;
    return this.index.idOf(oid);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const aRow = this.knownRow(ancestor);
    const dRow = aRow === null ? null : this.knownRow(descendant);
    if (aRow !== null && dRow !== null) return ancestor === descendant || this.ancestry.isReachable(aRow, dRow);
    const [a, d] = await Promise.all([this.commitOid(ancestor), this.commitOid(descendant)]);
    if (!a || !d) return false;
    if (a === d) return true;
    const dId = await this.indexed(d);
    const aId = this.index.idOf(a);
    if (dId === null || aId === null) return false;
    return this.ancestry.isReachable(aId, dId);
  }

  async abbrev(oid: string, min = 12): Promise<string> {
    const r0 = await this.checkOne(HEX.test(oid) ? oid.toLowerCase() : oid);
    if (r0.status !== 'found') return oid;
    const full = r0.oid;
    for (let n = Math.max(4, min); n < full.length; n++) {
      const r = await this.checkOne(full.slice(0, n));
      if (r.status === 'found' && r.oid === full) return full.slice(0, n);
    }
    return full;
  }

  private listTags(): Promise<ReleaseTag[]> {
    this.tags ??= listTags(this.repo);
    return this.tags;
  }

  async firstRelease(oid: string, base: string, pattern: string): Promise<string | null> {
    let targetId = this.knownRow(oid);
    let baseId = targetId === null ? null : this.knownRow(base);
    if (targetId === null || baseId === null) {
      const [target, b] = await Promise.all([this.commitOid(oid), this.commitOid(base)]);
      if (!target || !b) return null;
      baseId = await this.indexed(b);
      targetId = this.index.idOf(target);
    }
    if (baseId === null || targetId === null || !this.ancestry.isReachable(targetId, baseId)) return null;
    // The first of all tags containing the target is also the first of those the base reaches, when
    // the base reaches it: one labelling for every base of a range, not one per base. Otherwise (a
    // tag on another branch) the base's own tags are labelled.
    const all = await this.releaseLabels(null, pattern);
    const first = targetId < all.labels.length ? all.labels[targetId] : -1;
    if (first < 0) return null;
    if (this.ancestry.isReachable(all.ids[first], baseId)) return all.names[first];
    const { names, labels } = await this.releaseLabels(baseId, pattern);
    // A commit indexed after the labelling is in none of its tags (they are all older).
    const t = targetId < labels.length ? labels[targetId] : -1;
    return t >= 0 ? names[t] : null;
  }

  /**
   * Release tags before a base (every tag for null), oldest first, with their rows, and the label
   * array naming each commit's first one.
   */
  private async releaseLabels(baseId: number | null, pattern: string): Promise<{ names: string[]; ids: number[]; labels: Int32Array }> {
    const key = `${baseId ?? 'all'}\0${pattern}\0${this.tagsVersion}\0${this.index.generation}`;
    const hit = this.releases.get(key);
    if (hit) return hit;
    const tags = (await this.releaseTags(pattern)).filter((t) => t.id !== null && (baseId === null || this.ancestry.isReachable(t.id, baseId))) as { name: string; id: number }[];
    const names = tags.map((t) => t.name);
    const ids = tags.map((t) => t.id);
    // Bases that see the same tags share one labelling.
    const labels = this.ancestry.releaseLabels(pattern + '\0' + names.join('\0'), ids);
    const value = { names, ids, labels };
    // A History kept between reviews meets a new base with every push: the latest are kept.
    this.releases.set(key, value, labels.byteLength + names.reduce((n, t) => n + t.length + 16, 0));
    return value;
  }

  private sortedTags = new Map<string, Promise<{ name: string; id: number | null }[]>>();

  /** The tags matching `pattern`, in version order, with their commits' index rows: sorted once, not once per base. */
  private releaseTags(pattern: string): Promise<{ name: string; id: number | null }[]> {
    const key = `${pattern}\0${this.tagsVersion}\0${this.index.generation}`;
    let hit = this.sortedTags.get(key);
    if (!hit) {
      const re = globToRegExp(pattern);
      hit = this.listTags().then((all) =>
        all
          .filter((t) => re.test(t.name))
          .sort((x, y) => compareVersions(x.name, y.name))
          .map((t) => ({ name: t.name, id: this.index.idOf(t.commit) })),
      );
      if (this.sortedTags.size > 16) this.sortedTags.clear();
      this.sortedTags.set(key, hit);
    }
    return hit;
  }

  private learned: { generation: number; value: LearnedConventions } | null = null;

  async conventions(): Promise<LearnedConventions> {
    if (this.learned?.generation !== this.index.generation) this.learned = { generation: this.index.generation, value: learnConventions(this.index) };
    return this.learned.value;
  }

  private async referrersFrom(table: 'fixes' | 'reverts' | 'upstream', oid: string, base: string): Promise<CommitInfo[]> {
    let target: string | null = oid;
    let baseId = this.knownRow(oid) === null ? null : this.knownRow(base);
    if (baseId === null) {
      const [t, b] = await Promise.all([this.commitOid(oid), this.commitOid(base)]);
      if (!t || !b) return [];
      target = t;
      baseId = await this.indexed(b);
    }
    if (baseId === null) return [];
    const ids = new Set<number>();
    let subject: string | null | undefined;
    for (const [id, ref] of this.index.referrerTargets(table, target)) {
      if (ids.has(id) || !this.ancestry.isReachable(id, baseId)) continue;
      // A short id that names several commits here says which only through the subject in its tag:
      // `Fixes: abcd` in some old commit must not make every commit starting with abcd "already fixed".
      if (table === 'fixes' && ref.length < 12 && this.index.prefixIsShared(ref)) {
        subject ??= (await this.commits([target])).get(target)?.subject ?? null;
        const referrer = this.index.byIds([id])[0];
        const message = referrer ? await this.message(referrer.oid) : null;
        const said = message ? fixesSubjectsFor(message, ref) : [];
        if (subject === null || !said.some((s) => compareSubject(s, subject!, 'lenient') !== 'mismatch')) continue;
      }
      ids.add(id);
    }
    return this.index.byIds([...ids].sort((a, b) => a - b)).filter((c) => c.oid !== target).map(toInfo);
  }

  fixersOf(oid: string, base: string): Promise<CommitInfo[]> {
    return this.referrersFrom('fixes', oid, base);
  }

  revertsOf(oid: string, base: string): Promise<CommitInfo[]> {
    return this.referrersFrom('reverts', oid, base);
  }

  async revertedBy(oid: string): Promise<string | null> {
    const full = await this.commitOid(oid);
    if (!full) return null;
    let target = this.index.idOf(full) !== null ? this.index.revertTargetOf(full) : null;
    if (target === null) {
      const msg = await this.message(full);
      target = msg ? messageRefs(msg).reverts : null;
    }
    return target ? this.commitOid(target) : null;
  }

  async bySubject(subject: string): Promise<string[]> {
    const oids = this.index.oidsBySubject(subject);
    // A purged or rewritten branch may leave index rows whose objects are gone.
    const alive = await Promise.all(oids.map((o) => this.checkOne(o)));
    return oids.filter((_, i) => alive[i].status === 'found');
  }

  async backportsOf(oid: string, base: string): Promise<CommitInfo[]> {
    const [target, b] = await Promise.all([this.commitOid(oid), this.commitOid(base)]);
    if (!target || !b) return [];
    const baseId = await this.indexed(b);
    if (baseId === null) return [];
    const ids = new Set(this.index.referrers('upstream', target));
    const info = (await this.commits([target])).get(target);
    if (info) {
      const same = (await this.bySubject(info.subject)).filter((o) => o !== target);
      if (same.length) {
        const pids = await this.patchIds([target, ...same]);
        const mine = pids.get(target);
        for (const o of same) {
          const id = this.index.idOf(o);
          if (mine && pids.get(o) === mine && id !== null) ids.add(id);
        }
      }
    }
    const reachable = [...ids].filter((id) => this.ancestry.isReachable(id, baseId)).sort((x, y) => x - y);
    return this.index.byIds(reachable).filter((c) => c.oid !== target).map(toInfo);
  }

  /** `git patch-id --stable` of commits, cached in the index; two git processes for all uncached. */
  private async patchIds(oids: string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const todo: string[] = [];
    for (const o of oids) {
      const c = this.index.getPatchId(o);
      if (c === undefined) todo.push(o);
      else out.set(o, c);
    }
    if (todo.length) {
      const diff = await runGit(this.repo, ['diff-tree', '--stdin', '-p', '--no-color'], { input: todo.join('\n') + '\n' });
      const pid = await runGit(this.repo, ['patch-id', '--stable'], { input: diff.stdout });
      const found = new Map<string, string>();
      for (const line of pid.stdout.split('\n')) {
        const [p, c] = line.split(' ');
        if (p && c) found.set(c, p);
      }
      for (const o of todo) {
        const p = found.get(o) ?? null;
        this.index.setPatchId(o, p);
        out.set(o, p);
      }
    }
    return out;
  }

  async blame(rev: string, path: string, ranges: [number, number][]): Promise<string[]> {
    assertSafeRev(rev);
    if (/[\0-\x1f]/.test(path) || ranges.length === 0) return [];
    const valid = ranges.filter(([a, b]) => Number.isInteger(a) && Number.isInteger(b) && a >= 1 && b >= a);
    if (valid.length === 0) return [];
    // The lines of a path at a commit, blamed without textconv or ignore-revs (git-safety), never
    // change owners: the answer is kept with the index, so a range reviewed again (or a check run
    // again on the same base) spawns no blame. A revision that is a name can move: not kept.
    const key = isFullOid(rev) ? `${rev}\0${path}\0${valid.map(([a, b]) => `${a},${b}`).join(' ')}` : null;
    const kept = key === null ? undefined : this.index.getBlame(key);
    if (kept !== undefined) return kept;
    const owners = await this.blameWithGit(rev, path, valid);
    if (key !== null) this.index.setBlame(key, owners);
    return owners;
  }

  private async blameWithGit(rev: string, path: string, valid: [number, number][]): Promise<string[]> {
    const args = (rs: [number, number][]) => ['blame', '--porcelain', ...rs.flatMap(([a, b]) => ['-L', `${a},${b}`]), rev, '--', path];
    let r = await runGit(this.repo, args(valid));
    const short = /has only (\d+) lines?/.exec(r.stderr);
    if (r.code !== 0 && short) {
      // Lines past the end of the file: blame what exists instead of failing the whole question.
      const n = Number(short[1]);
      const clamped = valid.filter(([a]) => a <= n).map(([a, b]): [number, number] => [a, Math.min(b, n)]);
      if (clamped.length === 0) return [];
      r = await runGit(this.repo, args(clamped));
    }
    if (r.code !== 0) throw new KreviewError(`cannot blame ${path} at ${rev}: ${r.stderr.split('\n')[0]}`);
    const out: string[] = [];
    const seen = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      const m = /^([0-9a-f]{40,64}) \d+ \d+/.exec(line);
      if (m && !seen.has(m[1])) {
        seen.add(m[1]);
        out.push(m[1]);
      }
    }
    return out;
  }

  async readBlob(id: string): Promise<Buffer | null> {
    if (!askable(id)) return null;
    const r = await this.batch.request(HEX.test(id) ? id.toLowerCase() : id);
    return r.status === 'found' && r.type === 'blob' ? r.content : null;
  }

  async readFile(rev: string, path: string): Promise<string | null> {
    assertSafeRev(rev);
    if (/[\0-\x1f]/.test(path)) return null;
    const r = await this.batch.request(`${rev}:${path}`);
    return r.status === 'found' && r.type === 'blob' && r.content ? r.content.toString('utf8') : null;
  }

  async fileId(rev: string, path: string): Promise<{ oid: string; size: number } | null> {
    assertSafeRev(rev);
    if (/[\0-\x1f]/.test(path)) return null;
    const r = await this.check.request(`${rev}:${path}`);
    return r.status === 'found' && r.type === 'blob' ? { oid: r.oid, size: r.size } : null;
  }

  async listFiles(rev: string, dir: string): Promise<string[]> {
    return [...(await this.listFileIds(rev, dir)).keys()];
  }

  async listFileIds(rev: string, dir: string): Promise<Map<string, string>> {
    assertSafeRev(rev);
    const clean = dir.replace(/^\/+|\/+$/g, '');
    if (/[\0-\x1f]/.test(clean)) return new Map();
    const tree = await this.check.request(clean ? `${rev}:${clean}` : `${rev}^{tree}`);
    if (tree.status !== 'found' || tree.type !== 'tree') return new Map();
    const key = `${tree.oid}\0${clean}`;
    const hit = this.trees.get(key);
    if (hit) return hit;
    const files = await listTree(this.batch, tree.oid, clean, this.treeObjects);
    let bytes = 0;
    // A path and a hex id as strings, and a Map entry: roughly twice their characters plus 64.
    for (const p of files.keys()) bytes += 2 * p.length + 144;
    this.trees.set(key, files, bytes);
    return files;
  }

  /** The `-p -M` diff of a commit against a parent (the workspace's lazy Patch.files). */
  diffOf(commit: string, parent: string | null): Promise<string> {
    return this.differ.diff(commit, parent);
  }

  private others = new Map<string, Promise<History>>();

  other(path: string): Promise<History> {
    let h = this.others.get(path);
    if (!h) {
      h = openHistory(path, { ...this.opts, checked: false });
      // A failed open is remembered: every patch gets the same one line, without trying again.
      h.catch(() => undefined);
      this.others.set(path, h);
    }
    return h;
  }

  async close(): Promise<void> {
    const others = [...this.others.values()];
    this.others.clear();
    await Promise.all([this.check.close(), this.batch.close(), this.differ.close(), ...others.map((o) => o.then((h) => h.close(), () => undefined))]);
    this.index.close();
  }
}
