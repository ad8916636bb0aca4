// The on-disk index of a repository's history (SQLite under the cache dir): commits with their
// subjects, authors, dates and parents, and reverse indexes of Fixes:, revert and backport
// references. Built once, then extended from the tips already indexed.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { enterWal } from '../core/sqlite-wal.js';
import { KreviewError } from '../core/types.js';
import { conventionKeys } from './conventions.js';
import { messageRefs } from './message-refs.js';
import { runGit, streamGit } from './run-git.js';

// 4: the conventions counters (src/git/conventions.ts), which an index built before lacks or counted otherwise.
const SCHEMA_VERSION = '4';
const BATCH = 5000;
/** Commit ids memoised at most (about 100 bytes each); a larger history is asked one id at a time. */
const MAX_MEMO_IDS = 500_000;
/** SQLite questions for single ids after which the whole table is read in one pass. */
const BULK_AFTER = 2_000;
/** Described commits kept. */
const MAX_DESCRIBED = 50_000;
/** referrerTargets questions asked of SQLite, at most, before a reference table is read into memory. */
const REF_QUESTIONS = 256;
/** The most commits of a range whose Fixes references are looked up one by one in SQLite (fixesTargetsOf). */
const EXPECT_EXACT_MAX = 20_000;
/** Rows asked per query when described ahead (SQLite takes up to 32,766 parameters). */
const DESCRIBE_CHUNK = 500;
/** Row ids fetched per call when rows are read in bulk. */
const ROW_CHUNK = 20_000;
/** How long a write waits for another process's (an index update). */
const BUSY_MS = 30_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS commits(
  id INTEGER PRIMARY KEY, oid TEXT NOT NULL UNIQUE,
  parents TEXT, subject TEXT, author_name TEXT, author_email TEXT, adate INTEGER, cdate INTEGER);
CREATE INDEX IF NOT EXISTS commits_subject ON commits(subject);
CREATE TABLE IF NOT EXISTS fixes(target TEXT NOT NULL, commit_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fixes_target ON fixes(target);
CREATE TABLE IF NOT EXISTS reverts(target TEXT NOT NULL, commit_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS reverts_target ON reverts(target);
CREATE INDEX IF NOT EXISTS reverts_commit ON reverts(commit_id);
CREATE TABLE IF NOT EXISTS upstream(target TEXT NOT NULL, commit_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS upstream_target ON upstream(target);
CREATE TABLE IF NOT EXISTS tips(oid TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS patch_ids(oid TEXT PRIMARY KEY, patch_id TEXT);
CREATE TABLE IF NOT EXISTS conventions(key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blames(key TEXT PRIMARY KEY, owners TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS graph(max INTEGER NOT NULL, last TEXT NOT NULL, offsets BLOB NOT NULL, parents BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS row_oids(max INTEGER NOT NULL, last TEXT NOT NULL, oids TEXT NOT NULL);
`;

/** One row of the commits table with its parents as full ids. */
export interface IndexedCommit {
  id: number;
  oid: string;
  parents: string[];
  subject: string;
  authorName: string;
  authorEmail: string;
  adate: number;
  cdate: number;
}

interface Row {
  id: number;
  oid: string;
  parents: string | null;
  subject: string | null;
  author_name: string | null;
  author_email: string | null;
  adate: number | null;
  cdate: number | null;
}

// Fields separated by US (0x1f), commits by NUL (-z); the body comes last so it may hold anything else.
const LOG_FORMAT = '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%B';

/** What the caller already knows about the repository, so that an update spawns fewer git processes. */
export interface UpdateProbe {
  /** Commit ids every ref (and HEAD) points at, tags peeled (see listRefs). */
  refTips?: string[];
  /** The subset of `oids` that exist as commits (a long-lived cat-file answers without a new process). */
  existing?: (oids: string[]) => Promise<string[]>;
}

/** One ref as `git for-each-ref` lists it: the commit it names (tags peeled), or null for other objects. */
export interface RefEntry {
  name: string;
  commit: string | null;
}

/** Every ref of the repository, in refname order, with the commit each one names: ONE `git for-each-ref`. */
export async function listRefs(repo: string): Promise<RefEntry[]> {
  const r = await runGit(repo, ['for-each-ref', '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)']);
  if (r.code !== 0) throw new KreviewError(`cannot list the refs of ${repo}: ${r.stderr.split('\n')[0]}`);
  const out: RefEntry[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [name, type, oid, peeledType, peeled] = line.split('\0');
    out.push({ name, commit: type === 'commit' ? oid : peeledType === 'commit' ? peeled : null });
  }
  return out;
}

export function defaultCacheDir(): string {
  return process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview');
}

export class HistoryIndex {
  readonly db: Database.Database;
  /** Bumped whenever commits become visible, so in-memory graphs know to extend. */
  generation = 0;
  /**
   * The highest row id the questions see. Rows are only ever added, with growing ids; those an
   * update is still writing (a commit whose parents are not in yet) stay invisible until it has
   * finished, so a History shared by concurrent reviews never answers from half an update.
   */
  visibleMax = 0;

  private constructor(
    readonly repo: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  /** Open (or create) the index of the repository whose git directory is `gitDir` (a realpath). */
  static open(repo: string, gitDir: string, cacheDir: string): HistoryIndex {
    mkdirSync(cacheDir, { recursive: true });
    const key = createHash('sha256').update(gitDir).digest('hex').slice(0, 24);
    const file = join(cacheDir, `history-${key}.sqlite`);
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma(`busy_timeout = ${BUSY_MS}`);
      enterWal(db, BUSY_MS);
      db.pragma('synchronous = OFF');
      const version = db.prepare("SELECT name FROM sqlite_master WHERE name = 'meta'").get()
        ? (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value
        : undefined;
      if (version !== undefined && version !== SCHEMA_VERSION) {
        for (const t of ['meta', 'commits', 'fixes', 'reverts', 'upstream', 'tips', 'patch_ids', 'conventions', 'blames', 'graph', 'row_oids']) db.exec(`DROP TABLE IF EXISTS ${t}`);
      }
      db.exec(SCHEMA);
      // Written only when it changes: a warm run writes nothing (each write is a transaction in the WAL).
      const meta = new Map(db.prepare("SELECT key, value FROM meta WHERE key IN ('schema', 'repo')").raw().all() as [string, string][]);
      if (meta.get('schema') !== SCHEMA_VERSION || meta.get('repo') !== gitDir)
        db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?), ('repo', ?)").run(SCHEMA_VERSION, gitDir);
    } catch (e) {
      throw new KreviewError(`cannot open the history index ${file}: ${(e as Error).message}`);
    }
    const index = new HistoryIndex(repo, db);
    index.visibleMax = index.maxId();
    return index;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private statements = new Map<string, Database.Statement>();

  /** Prepared once per SQL text: the question methods run thousands of times per review. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Bring the index up to date with the repository's refs (and `extraTips`, commits that must be
   * indexed though no ref names them): ONE `git log` of the new tips, excluding the tips indexed before.
   */
  async update(extraTips: string[] = [], progress?: (msg: string) => void, probe: UpdateProbe = {}): Promise<number> {
    try {
      return await this.ingestNew(extraTips, progress, probe);
    } finally {
      // Everything written so far is complete up to here only when the walk finished; a failed
      // walk is resumed by the next update (its tips were not recorded), which then shows it.
      this.publish();
    }
  }

  /** Show the rows written since the last update, if the walk that wrote them is complete. */
  private publish(): void {
    if (this.walking) return;
    const max = this.maxId();
    if (max !== this.visibleMax) {
      this.visibleMax = max;
      this.generation++;
    }
  }

  /** True while a walk is writing rows (a failed one leaves this set until one succeeds). */
  private walking = false;

  private async ingestNew(extraTips: string[], progress: ((msg: string) => void) | undefined, probe: UpdateProbe): Promise<number> {
    const current = new Set([...(probe.refTips ?? (await this.refTips())), ...extraTips]);
    const recorded = this.db.prepare('SELECT oid FROM tips').pluck().all() as string[];
    const old = recorded.filter((o) => !current.has(o));
    const oldAlive = old.length === 0 ? [] : probe.existing ? await probe.existing(old) : await this.existingCommits(old);
    // The recorded tips that are indexed in full, in one query (a tree with thousands of tags asked two per tip).
    // CROSS JOIN keeps the tips as the outer loop: SQLite's planner otherwise scanned every commit
    // (12 ms of CPU on DPDK's 45,000 for its 361 tips) instead of looking each tip up by its id.
    const full = new Set(this.stmt('SELECT t.oid FROM tips t CROSS JOIN commits c ON c.oid = t.oid WHERE c.subject IS NOT NULL').pluck().all() as string[]);
    const fresh = [...current].filter((t) => !full.has(t));
    if (fresh.length === 0) {
      // The same tips as recorded (tips are unique): nothing to write, so a warm run writes nothing.
      if (old.length > 0 || recorded.length !== current.size) this.replaceTips(current);
      return 0;
    }
    const negatives = [...current].filter((t) => full.has(t)).concat(oldAlive);
    // `^<oid>` rather than `--not`: git before 2.42 refuses options on --stdin.
    progress?.(`indexing history of ${this.repo}: walking from ${fresh.length} new tip(s)`);
    const input = [...fresh, ...negatives.map((n) => `^${n}`)].join('\n') + '\n';
    this.walking = true;
    const added = await this.ingestLog(['log', '--stdin', '-z', LOG_FORMAT], input, progress);
    this.walking = false;
    this.replaceTips(current);
    return added;
  }

  private replaceTips(tips: Iterable<string>): void {
    const ins = this.db.prepare('INSERT OR IGNORE INTO tips(oid) VALUES (?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM tips');
      for (const t of tips) ins.run(t);
    })();
  }

  /** Commit ids every ref (and HEAD) points at, tags peeled. */
  private async refTips(): Promise<string[]> {
    const r = await runGit(this.repo, ['for-each-ref', '--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype)']);
    if (r.code !== 0) throw new KreviewError(`cannot list the refs of ${this.repo}: ${r.stderr.split('\n')[0]}`);
    const tips = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      const [oid, type, peeled, peeledType] = line.split(' ');
      if (type === 'commit') tips.add(oid);
      else if (peeledType === 'commit') tips.add(peeled);
    }
    const head = await runGit(this.repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    if (head.code === 0) tips.add(head.stdout.trim());
    return [...tips];
  }

  /** The subset of `oids` that still exist as commits (a purged ref's tip may be gone). */
  private async existingCommits(oids: string[]): Promise<string[]> {
    if (oids.length === 0) return [];
    const r = await runGit(this.repo, ['cat-file', '--batch-check'], { input: oids.join('\n') + '\n' });
    return r.stdout
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[1] === 'commit')
      .map((f) => f[0]);
  }

  private async ingestLog(args: string[], input: string, progress?: (msg: string) => void): Promise<number> {
    const selectId = this.db.prepare('SELECT id, subject IS NOT NULL AS full FROM commits WHERE oid = ?');
    const insertStub = this.db.prepare('INSERT INTO commits(oid) VALUES (?)');
    const upsert = this.db.prepare(
      `INSERT INTO commits(oid, parents, subject, author_name, author_email, adate, cdate) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(oid) DO UPDATE SET parents = excluded.parents, subject = excluded.subject, author_name = excluded.author_name,
         author_email = excluded.author_email, adate = excluded.adate, cdate = excluded.cdate
       RETURNING id`,
    );
    const insFixes = this.db.prepare('INSERT INTO fixes(target, commit_id) VALUES (?, ?)');
    const insReverts = this.db.prepare('INSERT INTO reverts(target, commit_id) VALUES (?, ?)');
    const insUpstream = this.db.prepare('INSERT INTO upstream(target, commit_id) VALUES (?, ?)');
    const addCount = this.db.prepare('INSERT INTO conventions(key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n');
    // git streams children before parents: a parent not seen yet gets a stub row (its id) now,
    // filled in when git reaches it, so no --topo-order pre-walk (slower, silent) is needed.
    const idOf = (oid: string): number => {
      const r = selectId.get(oid) as { id: number } | undefined;
      return r ? r.id : Number(insertStub.run(oid).lastInsertRowid);
    };
    let pending: string[] = [];
    let added = 0;
    // Run as BEGIN IMMEDIATE (flush.immediate): it reads, then writes, and a deferred transaction
    // that another process wrote under (two reviews indexing a new repository at once) fails with
    // "database is locked" at its first write instead of waiting its turn (busy_timeout).
    const flush = this.db.transaction((records: string[]) => {
      const counts = new Map<string, number>();
      for (const rec of records) {
        const f = splitFields(rec, 8);
        if (!f) continue;
        const [oid, parents, an, ae, at, ct, subject, body] = f;
        const existing = selectId.get(oid) as { id: number; full: number } | undefined;
        if (existing?.full) continue;
        const parentIds = parents ? parents.split(' ').map(idOf) : [];
        const { id } = upsert.get(oid, parentIds.join(' '), subject, an, ae, Number(at), Number(ct)) as { id: number };
        const refs = messageRefs(body);
        for (const t of refs.fixes) insFixes.run(t, id);
        if (refs.reverts) insReverts.run(refs.reverts, id);
        for (const t of refs.upstream) insUpstream.run(t, id);
        for (const k of conventionKeys(body, subject, parents)) counts.set(k, (counts.get(k) ?? 0) + 1);
        added++;
      }
      for (const [k, n] of counts) addCount.run(k, n);
    });
    let rest: Buffer = Buffer.alloc(0);
    let seen = 0;
    const r = await streamGit(this.repo, args, (chunk) => {
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let pos = 0;
      for (let nul = buf.indexOf(0, pos); nul >= 0; nul = buf.indexOf(0, pos)) {
        if (nul > pos) pending.push(buf.toString('utf8', pos, nul));
        pos = nul + 1;
      }
      rest = Buffer.from(buf.subarray(pos));
      buf = rest;
      if (pending.length >= BATCH) {
        seen += pending.length;
        flush.immediate(pending);
        pending = [];
        progress?.(`indexing history of ${this.repo}: ${seen} commits`);
      }
    }, { input });
    if (rest.length) pending.push(rest.toString('utf8'));
    if (r.code !== 0) throw new KreviewError(`cannot index the history of ${this.repo}: ${r.stderr.split('\n')[0]}`);
    seen += pending.length;
    flush.immediate(pending);
    if (seen > 0) progress?.(`indexed history of ${this.repo}: ${seen} commits`);
    return added;
  }

  byOid(oids: string[]): Map<string, IndexedCommit> {
    const out = new Map<string, IndexedCommit>();
    for (const oid of oids) {
      const id = this.idOf(oid);
      const c = id === null ? null : this.byId(id);
      if (c) out.set(oid, c);
    }
    return out;
  }

  byIds(ids: number[]): IndexedCommit[] {
    const out: IndexedCommit[] = [];
    for (const id of ids) {
      const c = this.byId(id);
      if (c) out.push(c);
    }
    return out;
  }

  /** Described commits by row id (a visible row never changes): a range names the same targets again and again. */
  private described = new Map<number, IndexedCommit>();

  private byId(id: number): IndexedCommit | null {
    if (id > this.visibleMax) return null;
    const hit = this.described.get(id);
    if (hit) return hit;
    const row = this.stmt('SELECT * FROM commits WHERE id = ?').get(id) as Row | undefined;
    if (!row || row.subject === null) return null;
    const c = this.toCommit(row);
    if (this.described.size >= MAX_DESCRIBED) this.described.clear();
    this.described.set(id, c);
    return c;
  }

  /**
   * Rows described ahead, a few hundred per query, that byId() would otherwise read one at a time
   * (the commits a range's tags name); as many as fit in half of MAX_DESCRIBED.
   */
  describeAhead(ids: number[]): void {
    const todo = [...new Set(ids)].filter((id) => id > 0 && id <= this.visibleMax && !this.described.has(id));
    if (todo.length === 0 || this.described.size + todo.length > MAX_DESCRIBED >> 1) return;
    for (let i = 0; i < todo.length; i += DESCRIBE_CHUNK) {
      const chunk = todo.slice(i, i + DESCRIBE_CHUNK);
      const rows = this.stmt(`SELECT * FROM commits WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as Row[];
      for (const row of rows) if (row.subject !== null) this.described.set(row.id, this.toCommit(row));
    }
  }

  /** Row ids of indexed commits; a commit's id never changes once it is visible. */
  private ids = new Map<string, number>();
  /** Commit ids by row id, for the rows loaded in bulk (see loadIds). */
  private oidAt: string[] = [];
  /** Rows up to here are in `ids` and `oidAt`; idOf questions that went to SQLite since. */
  private bulkMax = 0;
  private lookups = 0;
  /** Commits not indexed when last asked; forgotten when more commits become visible. */
  private unknown = new Set<string>();
  private unknownGeneration = -1;

  /** Row id of an indexed commit. Memoised: a review asks for the same few thousand ids again and again. */
  idOf(oid: string): number | null {
    if (this.unknownGeneration !== this.generation || this.unknown.size > 100_000) {
      this.unknown.clear();
      this.unknownGeneration = this.generation;
    }
    if (this.ids.size > MAX_MEMO_IDS) this.forgetIds();
    const hit = this.ids.get(oid);
    if (hit !== undefined) return hit;
    if (this.unknown.has(oid)) return null;
    // A range review asks about every commit: past a few thousand questions, one pass over the table
    // answers the rest (a history too large to hold that way keeps asking one at a time).
    if (++this.lookups === BULK_AFTER && this.visibleMax <= MAX_MEMO_IDS) {
      this.loadIds();
      const bulk = this.ids.get(oid);
      if (bulk !== undefined) return bulk;
    }
    const r = this.stmt('SELECT id FROM commits WHERE oid = ? AND subject IS NOT NULL').get(oid) as { id: number } | undefined;
    if (!r || r.id > this.visibleMax) {
      this.unknown.add(oid);
      return null;
    }
    this.ids.set(oid, r.id);
    return r.id;
  }

  /** Every visible, complete row into the memo at once (stubs stay out: idOf asks SQLite about them). */
  private loadIds(): void {
    const max = this.visibleMax;
    const fromScratch = this.bulkMax === 0;
    const saved = fromScratch ? this.savedOids(max) : null;
    if (saved !== null) {
      // Row ids 1..max in order, 40 hex digits each (a 64-digit id never comes here: see savedOids).
      for (let id = 1, at = 0; id <= max; id++, at += 40) {
        const oid = saved.slice(at, at + 40);
        this.ids.set(oid, id);
        this.oidAt[id] = oid;
      }
    } else {
      let complete = 0;
      for (const [id, oid] of this.rowsInChunks<[number, string]>('SELECT id, oid FROM commits WHERE id > ? AND id <= ? AND subject IS NOT NULL', this.bulkMax, max)) {
        this.ids.set(oid, id);
        this.oidAt[id] = oid;
        complete++;
      }
      // Every row complete and SHA-1: kept for the next run at this size (read whole, not row by row).
      if (fromScratch && complete === max && max > 0) this.saveOids(max);
    }
    this.bulkMax = max;
    this.lookups = 0;
  }

  /** The ids of rows 1..max, 40 digits each, as saveOids kept them for these rows; null otherwise. */
  private savedOids(max: number): string | null {
    const row = this.stmt('SELECT last, oids FROM row_oids WHERE max = ?').get(max) as { last: string; oids: string } | undefined;
    if (!row || row.oids.length !== 40 * max || row.last !== this.oidOfRow(max)) return null;
    return row.oids;
  }

  private saveOids(max: number): void {
    const list = this.oidAt.slice(1, max + 1);
    if (list.length !== max || list.some((o) => o === undefined || o.length !== 40)) return;
    this.saveQuietly(() => {
      this.stmt('DELETE FROM row_oids').run();
      this.stmt('INSERT INTO row_oids(max, last, oids) VALUES (?, ?, ?)').run(max, list[max - 1], list.join(''));
    });
  }

  /**
   * A shortcut for the next run, written now or never: a review does not wait for another
   * process's write (BUSY_MS for the index itself), and a read-only cache only loses it.
   */
  private saveQuietly(write: () => void): void {
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.transaction(write)();
    } catch {
      // The next run rebuilds it from the rows.
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_MS}`);
    }
  }

  private forgetIds(): void {
    this.ids.clear();
    this.oidAt = [];
    this.bulkMax = 0;
    this.lookups = 0;
  }

  oidsBySubject(subject: string): string[] {
    return this.stmt('SELECT oid FROM commits WHERE subject = ? AND id <= ? ORDER BY id').pluck().all(subject, this.visibleMax) as string[];
  }

  /** Commit row ids whose `table` reference (fixes/reverts/upstream) is a prefix of `oid`. */
  referrers(table: 'fixes' | 'reverts' | 'upstream', oid: string): number[] {
    return [...new Set(this.referrerTargets(table, oid).map(([id]) => id))].sort((a, b) => a - b);
  }

  /** Does more than one indexed commit's id start with `prefix`? */
  prefixIsShared(prefix: string): boolean {
    const hi = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return (this.stmt('SELECT count(*) FROM (SELECT 1 FROM commits WHERE oid >= ? AND oid < ? AND id <= ? LIMIT 2)').pluck().get(prefix, hi, this.visibleMax) as number) > 1;
  }

  /** Each reference table in memory, by the first 7 digits of the reference (shorter ones apart); rebuilt when rows become visible. */
  private refMaps = new Map<string, { max: number; byPrefix: Map<string, [number, string][]>; short: [number, string][] }>();

  private refMap(table: 'fixes' | 'reverts' | 'upstream') {
    let m = this.refMaps.get(table);
    if (m?.max === this.visibleMax) return m;
    m = { max: this.visibleMax, byPrefix: new Map(), short: [] };
    for (const [id, target] of this.stmt(`SELECT commit_id, target FROM ${table} WHERE commit_id <= ?`).raw().iterate(this.visibleMax) as Iterable<[number, string]>) {
      if (target.length < 7) {
        m.short.push([id, target]);
        continue;
      }
      const k = target.slice(0, 7);
      const list = m.byPrefix.get(k);
      if (list) list.push([id, target]);
      else m.byPrefix.set(k, [[id, target]]);
    }
    this.refMaps.set(table, m);
    return m;
  }

  /** referrerTargets questions per table answered by SQLite since the visible rows last changed. */
  private refQuestions = new Map<string, { max: number; asked: number; limit: number }>();
  /**
   * The `Fixes:` references (as indexed: lowercase hex) that the given commits make, each once, in
   * the order of the commits; at most `limit`. Commits not indexed add none. Read from the table
   * referrerTargets() keeps in memory (a range's Fixes checks load it anyway). A range of at least
   * half the index (a whole history) is taken as all of it: a reference or two from outside the
   * range costs a question, not 45,000 lookups of its ids. Only a hint of what will be asked: none
   * for a long range of an index whose ids are not held in memory.
   */
  fixesTargetsOf(oids: string[], limit: number): string[] {
    // A short range of a long history (a one-commit review) is not worth reading the table into
    // memory for (45 ms on DPDK): its few questions go to git as its checks ask them, and
    // referrerTargets() asks SQLite for the first few (REF_QUESTIONS).
    const whole = 2 * oids.length >= this.visibleMax;
    if (!whole && oids.length < REF_QUESTIONS && this.refMaps.get('fixes')?.max !== this.visibleMax) return [];
    const m = this.refMap('fixes');
    const rows: [number, string][] = [...m.short];
    for (const list of m.byPrefix.values()) for (const r of list) rows.push(r);
    if (whole) {
      // Beyond the limit, the references of the highest rows first: an index built by one `git log`
      // numbers the oldest commits highest, and a range is reviewed oldest first.
      rows.sort((x, y) => y[0] - x[0]);
      const all = new Set<string>();
      for (const [, target] of rows) {
        if (all.size >= limit) break;
        all.add(target);
      }
      return [...all];
    }
    // Each id of a range asked of SQLite one by one (an index too large to hold its ids in memory)
    // would cost more than the answers save.
    if (this.visibleMax > MAX_MEMO_IDS && oids.length > EXPECT_EXACT_MAX) return [];
    const want = new Map<number, number>();
    oids.forEach((oid, i) => {
      const id = this.idOf(oid);
      if (id !== null && !want.has(id)) want.set(id, i);
    });
    const found: [number, string][] = [];
    for (const [id, target] of rows) {
      const at = want.get(id);
      if (at !== undefined) found.push([at, target]);
    }
    found.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    const out = new Set<string>();
    for (const [, target] of found) {
      if (out.size >= limit) break;
      out.add(target);
    }
    return [...out];
  }

  /** The referring commits' row ids with the reference each wrote (a prefix of `oid`). */
  referrerTargets(table: 'fixes' | 'reverts' | 'upstream', oid: string): [number, string][] {
    // A whole-history review asks this for every tag: answered from memory, not one query each. The
    // first few are asked of SQLite, prefix by prefix through the target's index: reading a table
    // into memory cost 53 ms of CPU for DPDK's 27,443 Fixes tags (21 ms for its 9,163 upstream
    // references), one question 17 us, and a one-commit review asks one or two.
    if (this.refMaps.get(table)?.max !== this.visibleMax) {
      let q = this.refQuestions.get(table);
      if (q?.max !== this.visibleMax) {
        const rows = (this.stmt(`SELECT max(rowid) FROM ${table}`).pluck().get() as number | null) ?? 0;
        q = { max: this.visibleMax, asked: 0, limit: Math.min(REF_QUESTIONS, Math.ceil(rows / 64)) };
        this.refQuestions.set(table, q);
      }
      if (q.asked++ < q.limit) return this.referrerTargetsAsked(table, oid);
    }
    const m = this.refMap(table);
    const hits = (m.byPrefix.get(oid.slice(0, 7)) ?? []).filter(([, target]) => oid.startsWith(target));
    for (const r of m.short) if (oid.startsWith(r[1])) hits.push(r);
    return hits;
  }

  /**
   * referrerTargets by one query: every prefix of `oid` looked up in the target's index, in the
   * order the in-memory table answers (references of 7 digits or more first, each group in the
   * order the rows were written).
   */
  private referrerTargetsAsked(table: 'fixes' | 'reverts' | 'upstream', oid: string): [number, string][] {
    const prefixes: string[] = [];
    for (let n = 1; n <= oid.length; n++) prefixes.push(oid.slice(0, n));
    const sql = `SELECT commit_id, target FROM ${table} WHERE target IN (${prefixes.map(() => '?').join(', ')}) AND commit_id <= ? ORDER BY length(target) < 7, rowid`;
    return this.stmt(sql).raw().all(...prefixes, this.visibleMax) as [number, string][];
  }

  revertTargetOf(oid: string): string | null {
    const r = this.stmt('SELECT r.target FROM reverts r JOIN commits c ON c.id = r.commit_id WHERE c.oid = ?').pluck().get(oid) as
      | string
      | undefined;
    return r ?? null;
  }

  getPatchId(oid: string): string | null | undefined {
    const r = this.stmt('SELECT patch_id FROM patch_ids WHERE oid = ?').get(oid) as { patch_id: string | null } | undefined;
    return r ? r.patch_id : undefined;
  }

  setPatchId(oid: string, patchId: string | null): void {
    this.stmt('INSERT OR REPLACE INTO patch_ids(oid, patch_id) VALUES (?, ?)').run(oid, patchId);
  }

  /** Owners of blamed lines (see History.blame), by the question's key; undefined when never asked. */
  getBlame(key: string): string[] | undefined {
    const r = this.stmt('SELECT owners FROM blames WHERE key = ?').pluck().get(key) as string | undefined;
    return r === undefined ? undefined : r === '' ? [] : r.split(' ');
  }

  setBlame(key: string, owners: string[]): void {
    this.stmt('INSERT OR REPLACE INTO blames(key, owners) VALUES (?, ?)').run(key, owners.join(' '));
  }

  /** The parents (row ids) of the visible rows after `after`, in id order (for the in-memory graph); null for a stub. */
  parentRows(after = 0): Iterable<[number, string | null]> {
    return this.rowsInChunks<[number, string | null]>('SELECT id, parents FROM commits WHERE id > ? AND id <= ? ORDER BY id', after, this.visibleMax);
  }

  /**
   * The raw rows of `sql` (its parameters: the row ids after `after` up to `upTo`), fetched
   * ROW_CHUNK ids at a time: a whole chunk per call into SQLite is a third of the CPU of one call
   * per row (iterate()), and a history of a million commits is never one array.
   */
  private *rowsInChunks<T>(sql: string, after: number, upTo: number): Generator<T> {
    const stmt = this.stmt(sql).raw();
    for (let lo = after; lo < upTo; lo += ROW_CHUNK) yield* stmt.all(lo, Math.min(lo + ROW_CHUNK, upTo)) as T[];
  }

  /**
   * The parent graph of rows 1..visibleMax as Ancestry keeps it (offsets and parents, row ids),
   * saved by saveGraph once all those rows were complete; null when none was saved at this size.
   * Read in one piece: rebuilding it from the rows was a fifth of a second on DPDK's 55,000.
   */
  loadGraph(): { offsets: Int32Array<ArrayBuffer>; parents: Int32Array<ArrayBuffer> } | null {
    const max = this.visibleMax;
    const row = this.stmt('SELECT last, offsets, parents FROM graph WHERE max = ?').get(max) as { last: string; offsets: Buffer; parents: Buffer } | undefined;
    // The last row's id says the rows are those it was saved from (an index built again differs there).
    if (!row || row.last !== this.oidOfRow(max) || row.offsets.byteLength !== 4 * (max + 2)) return null;
    const ints = (b: Buffer) => {
      const out = new Int32Array(b.byteLength >> 2);
      new Uint8Array(out.buffer).set(b);
      return out;
    };
    return { offsets: ints(row.offsets), parents: ints(row.parents) };
  }

  /** Keeps the graph of rows 1..max for the next loadGraph (one graph: the newest). */
  saveGraph(max: number, offsets: Int32Array, parents: Int32Array): void {
    const last = this.oidOfRow(max);
    if (last === null) return;
    const bytes = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    this.saveQuietly(() => {
      this.stmt('DELETE FROM graph').run();
      this.stmt('INSERT INTO graph(max, last, offsets, parents) VALUES (?, ?, ?, ?)').run(max, last, bytes(offsets), bytes(parents));
    });
  }

  private oidOfRow(id: number): string | null {
    return (this.stmt('SELECT oid FROM commits WHERE id = ?').pluck().get(id) as string | undefined) ?? null;
  }

  /** Which of these rows are still stubs (a commit seen as a parent, its own row not written yet). */
  stubsAmong(ids: number[]): number[] {
    const sel = this.stmt('SELECT id FROM commits WHERE id = ? AND parents IS NULL').pluck();
    return ids.filter((id) => sel.get(id) !== undefined);
  }

  /** The conventions counters of every commit indexed (see conventionKeys). */
  conventionCounts(): Map<string, number> {
    return new Map(this.stmt('SELECT key, n FROM conventions').raw().all() as [string, number][]);
  }

  /**
   * Commits named by Fixes: tags (told apart by their first 7 digits), those named by more than one
   * commit and the tags naming those, and those not in this history. Kept in meta per index size:
   * the walk over the targets runs once per update.
   */
  fixesTargetStats(): { targets: number; refixedTargets: number; tagsOnRefixed: number; unresolvedTargets: number } {
    const key = `fixes-targets@${this.visibleMax}`;
    const cached = this.stmt('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
    if (cached) return JSON.parse(cached) as ReturnType<HistoryIndex['fixesTargetStats']>;
    const groups = this.stmt('SELECT substr(target, 1, 7) AS t, count(*) AS c, min(target) AS one FROM fixes GROUP BY t').raw().all() as [string, number, string][];
    const here = this.stmt('SELECT 1 FROM commits WHERE oid >= ? AND oid < ? AND subject IS NOT NULL LIMIT 1').pluck();
    let refixedTargets = 0;
    let tagsOnRefixed = 0;
    let unresolvedTargets = 0;
    for (const [, c, one] of groups) {
      if (c > 1) {
        refixedTargets++;
        tagsOnRefixed += c;
      }
      // Hex digits sort below 'g': every id starting with `one` lies in [one, one + 'g').
      if (here.get(one, `${one}g`) === undefined) unresolvedTargets++;
    }
    const stats = { targets: groups.length, refixedTargets, tagsOnRefixed, unresolvedTargets };
    this.db.transaction(() => {
      this.stmt("DELETE FROM meta WHERE key LIKE 'fixes-targets@%'").run();
      this.stmt('INSERT INTO meta(key, value) VALUES (?, ?)').run(key, JSON.stringify(stats));
    })();
    return stats;
  }

  maxId(): number {
    return (this.stmt('SELECT max(id) FROM commits').pluck().get() as number | null) ?? 0;
  }

  private toCommit(row: Row): IndexedCommit {
    const parentIds = row.parents ? row.parents.split(' ').map(Number) : [];
    const sel = this.stmt('SELECT oid FROM commits WHERE id = ?').pluck();
    return {
      id: row.id,
      oid: row.oid,
      parents: parentIds.map((p) => this.oidAt[p] ?? (sel.get(p) as string)),
      subject: row.subject ?? '',
      authorName: row.author_name ?? '',
      authorEmail: row.author_email ?? '',
      adate: row.adate ?? 0,
      cdate: row.cdate ?? 0,
    };
  }
}

/** Split a record into exactly `n` fields on US; the last field keeps any further separators. */
function splitFields(rec: string, n: number): string[] | null {
  const out: string[] = [];
  let pos = 0;
  for (let i = 0; i < n - 1; i++) {
    const sep = rec.indexOf('\x1f', pos);
    if (sep < 0) return null;
    out.push(rec.slice(pos, sep));
    pos = sep + 1;
  }
  out.push(rec.slice(pos));
  return out;
}
