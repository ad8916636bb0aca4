// Summaries of the functions defined in a tree: which tagged calls each can reach (and through
// which chain), which locks it takes for or drops from its caller, and the tree's lock-order edges.
// Per-file facts are cached on disk by content hash, so a warm run parses nothing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeCacheFile } from '../core/cache-file.js';
import { ByteLru } from '../core/byte-lru.js';
import { cacheShare } from '../core/cache-shares.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { collectFacts, type CallFact, type FileFacts, type FunctionFacts } from './facts.js';
import { decodeSized, encodeFacts } from './facts-store.js';
import type { LockModel, PrimitiveSpec } from './lock-model.js';

/** Tags (rule ids) of one direct call, given where it is and which caller locks were dropped first. */
export type Tagger = ((callee: string, args: string[], path: string, dropped: string[]) => string[]) & {
  /** The lock kinds a tag (rule) is about: a call made after the helper dropped all of them carries no such tag. */
  held?: (tag: string) => string[];
  /**
   * Names what the tagger answers (its rules and the code that matches them): when set, the direct
   * tags of a file's functions are kept on disk under it, and a new process reads them back.
   */
  cacheId?: string;
};

export interface Summary {
  name: string;
  path: string;
  line: number;
  /** Tag -> the call chain from this function's callee down to the tagged call. */
  tags: Map<string, string[]>;
  facts: FunctionFacts;
}

export interface TreeEdge {
  from: string;
  to: string;
  fromOwner?: string;
  toOwner?: string;
  path: string;
  line: number;
  fn: string;
}

/** Bump when facts change shape, the walk that makes them or their disk form changes, so old cache entries are ignored (14: facts-store.ts's binary form). */
const FACTS_VERSION = 14;

export function defaultCacheDir(): string {
  return process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview');
}

/**
 * Facts kept in memory between patches, least recently used dropped first past a byte budget
 * (limits.cacheBytes): a long range review meets a new version of some file with nearly every
 * commit, and keeping every one made memory grow with the range. Keyed by content id and path.
 */
const memory = new ByteLru<string, { facts: FileFacts; bytes: number }>(cacheShare('facts', DEFAULT_LIMITS.cacheBytes));
/** The key and estimated bytes of facts that were in `memory`, to find them again in a kept index. */
const keptAs = new WeakMap<FileFacts, { key: string; bytes: number }>();

function remember(key: string, facts: FileFacts, bytes: number): void {
  memory.set(key, { facts, bytes }, bytes);
  keptAs.set(facts, { key, bytes });
}

/**
 * Facts kept under `key`: in memory, or held by one of the summary indexes kept for the next
 * patches (they hold a whole directory's facts, more than the budget when the directory is large:
 * found there, they are not read and parsed from the cache file again at every patch).
 */
function recall(key: string): FileFacts | undefined {
  const hit = memory.get(key);
  if (hit) return hit.facts;
  for (const { byKey } of indexes.values()) {
    const facts = byKey.get(key);
    if (facts) {
      const { bytes } = keptAs.get(facts)!;
      memory.set(key, { facts, bytes }, bytes);
      return facts;
    }
  }
  return undefined;
}

/**
 * Blob id (with the rules' salt and the path) -> the key its facts are kept under in `memory`: a
 * blob met again is found without reading it, and its facts are in memory, and counted, once.
 */
const blobKeys = new ByteLru<string, string>(cacheShare('blobKeys', DEFAULT_LIMITS.cacheBytes));
/** The last content id computed per path: comparing texts is much cheaper than hashing them again. */
const lastId = new ByteLru<string, { text: string; salt: string; id: string }>(cacheShare('textsByPath', DEFAULT_LIMITS.cacheBytes));

/** The budgets of the facts, summary indexes, texts by path and blob keys kept in memory: their shares of limits.cacheBytes of the run. */
export function setFactsMemoryBudget(cacheBytes: number): void {
  memory.resize(cacheShare('facts', cacheBytes));
  indexes.resize(cacheShare('summaryIndexes', cacheBytes));
  sharedCallers.resize(cacheShare('sharedCallers', cacheBytes));
  lastId.resize(cacheShare('textsByPath', cacheBytes));
  blobKeys.resize(cacheShare('blobKeys', cacheBytes));
}

function contentId(path: string, text: string, salt: string): string {
  const last = lastId.get(path);
  if (last && last.salt === salt && last.text === text) return last.id;
  const id = createHash('sha256').update(`${FACTS_VERSION}\0${salt}\0`).update(text).digest('hex').slice(0, 40);
  lastId.set(path, { text, salt, id }, text.length + path.length);
  return id;
}

/** Facts for one file, from memory, the disk cache, or a parse. `salt` ties them to the rules. */
export function factsFor(path: string, text: string, model: LockModel, salt: string, cacheDir: string | null): FileFacts {
  return keyedFacts(path, text, model, salt, cacheDir).facts;
}

/** factsFor, with the key the facts are kept under in memory. */
function keyedFacts(path: string, text: string, model: LockModel, salt: string, cacheDir: string | null): { facts: FileFacts; key: string } {
  const id = contentId(path, text, salt);
  const key = `${id}\0${path}`;
  const hit = recall(key) ?? (cacheDir ? cached(id, path, cacheDir) : undefined);
  if (hit) return { facts: hit, key };
  const stored = encodeFacts(collectFacts(path, text, model));
  // Kept as read back from their disk form, as facts from the disk cache are: the names and
  // arguments the walk cut from the text are V8 slices (from 13 characters on) that each keep the
  // file's whole text alive, and a directory's facts held its texts too (REAL io-uring with the 6.1
  // tree: 20 MB of fs/ texts under 63 MB of facts in flight).
  const { facts, bytes } = decodeSized(stored, path);
  remember(key, facts, bytes);
  if (cacheDir) writeCacheFile(factsFile(cacheDir, id), stored);
  return { facts, key };
}

/** The disk cache's file of the facts of content `id`. */
function factsFile(cacheDir: string, id: string): string {
  return join(cacheDir, 'lock-facts', id.slice(0, 2), `${id}.facts`);
}

/** Facts of content `id` from the disk cache, now kept in memory; undefined when not cached. */
function cached(id: string, path: string, cacheDir: string): FileFacts | undefined {
  try {
    const { facts, bytes } = decodeSized(readFileSync(factsFile(cacheDir, id)), path);
    remember(`${id}\0${path}`, facts, bytes);
    return facts;
  } catch {
    // Not cached yet (or a torn write from a killed run).
    return undefined;
  }
}


/**
 * The disk cache's note of which content a blob holds (facts are filed by content id, which takes
 * the text to compute): a new process finds an unchanged file's facts without reading it.
 */
function blobNote(blob: string, salt: string, cacheDir: string): string {
  const name = createHash('sha256').update(`${FACTS_VERSION}\0${salt}\0${blob}`).digest('hex').slice(0, 40);
  return join(cacheDir, 'lock-blobs', name.slice(0, 2), name);
}

/** Whether the disk cache holds the facts of this blob (its note and the facts it names): a prebuild of the cache need not read them. */
export function factsCachedForBlob(blob: string, salt: string, cacheDir: string): boolean {
  try {
    const id = readFileSync(blobNote(blob, salt, cacheDir), 'utf8');
    return /^[0-9a-f]{40}$/.test(id) && existsSync(factsFile(cacheDir, id));
  } catch {
    return false;
  }
}

/**
 * Facts of a file of a tree known by its blob id: from memory without reading the file when that
 * blob was met before (commits of a range share most of their files), else as factsFor does.
 */
export async function factsForBlob(path: string, blob: string, read: () => Promise<string | null>, model: LockModel, salt: string, cacheDir: string | null): Promise<FileFacts | null> {
  const bkey = `${blob}\0${salt}\0${path}`;
  const known = blobKeys.get(bkey);
  const hit = known === undefined ? undefined : recall(known);
  if (hit) return hit;
  // Met before but no longer in memory (a directory's facts past the facts budget, read again at
  // every patch there): its content id is in the key, so its facts are read from the disk cache
  // without reading the blob and hashing its text again (both a measured cost of each such patch).
  if (cacheDir && known !== undefined) {
    const facts = cached(known.slice(0, known.indexOf('\0')), path, cacheDir);
    if (facts) return facts;
  }
  if (cacheDir && known === undefined) {
    let id: string | null = null;
    try {
      id = readFileSync(blobNote(blob, salt, cacheDir), 'utf8');
    } catch {
      // Not met by an earlier run.
    }
    const facts = id && /^[0-9a-f]{40}$/.test(id) ? (recall(`${id}\0${path}`) ?? cached(id, path, cacheDir)) : undefined;
    if (facts) {
      blobKeys.set(bkey, `${id}\0${path}`, bkey.length + path.length + 41);
      return facts;
    }
  }
  const text = await read();
  if (text === null) return null;
  const found = keyedFacts(path, text, model, salt, cacheDir);
  blobKeys.set(bkey, found.key, bkey.length + found.key.length);
  if (cacheDir) writeCacheFile(blobNote(blob, salt, cacheDir), found.key.slice(0, found.key.indexOf('\0')));
  return found.facts;
}

/** The facts caches' entries and estimated bytes (for tests and benches). */
export function factsMemoryKept(): Record<'facts' | 'indexes' | 'lastIds' | 'blobKeys', { count: number; bytes: number }> {
  const of = (c: ByteLru<string, unknown>) => ({ count: c.size, bytes: c.bytes });
  return { facts: of(memory), indexes: of(indexes), lastIds: of(lastId), blobKeys: of(blobKeys) };
}

/** Forget in-memory facts (for cold-run measurements). */
export function clearFactsMemory(): void {
  memory.clear();
  lastId.clear();
  blobKeys.clear();
  indexes.clear();
  sharedCallers.clear();
}

const direct = new WeakMap<Tagger, WeakMap<FunctionFacts, Map<string, string[]>>>();
/**
 * The direct tags of every function with none (most of them): one map, never written to (an index
 * copies a summary's tags before a tag climbs into it). A map per function was 35,000 maps made
 * again at every fs/ patch whose directory's facts were read back from the disk cache.
 */
const NO_TAGS: Map<string, string[]> = new Map();

/** Tags of a function's own calls; memoised per tagger, since warm facts are the same objects. */
function directTags(fn: FunctionFacts, path: string, tagger: Tagger): Map<string, string[]> {
  let perTagger = direct.get(tagger);
  if (!perTagger) {
    perTagger = new WeakMap();
    direct.set(tagger, perTagger);
  }
  let tags = perTagger.get(fn);
  if (!tags) {
    tags = new Map();
    // Only calls made every time the helper runs: one behind a condition (the last reference, an
    // error path, a WARN_ON) is not known to happen at this call, and guessing it is a false alarm.
    for (const c of fn.calls) {
      if (c.conditional) continue;
      for (const t of tagger(c.callee, c.args, path, c.dropped)) if (!tags.has(t)) tags.set(t, [c.callee]);
    }
    if (tags.size === 0) tags = NO_TAGS;
    perTagger.set(fn, tags);
  }
  return tags;
}

/** Bump when what is kept of direct tags changes shape. */
const TAGS_VERSION = 1;

function tagsFile(cacheDir: string, cacheId: string, key: string): string {
  const name = createHash('sha256').update(`${TAGS_VERSION}\0${cacheId}\0${key}`).digest('hex').slice(0, 40);
  return join(cacheDir, 'lock-tags', name.slice(0, 2), `${name}.json`);
}

/**
 * The direct tags of the files' functions (directTags), read from the disk cache for files whose
 * facts are kept under a content key, else computed and written there: tagging every call of a
 * directory against the rules was a fifth of a warm one-patch review with a repository. Per
 * file, in function order: [index, [[tag, callee], ...]] for the functions with any tag.
 */
function loadDirectTags(files: FileFacts[], tagger: Tagger, cacheDir: string | null): void {
  if (!cacheDir || !tagger.cacheId) return;
  let perTagger = direct.get(tagger);
  if (!perTagger) {
    perTagger = new WeakMap();
    direct.set(tagger, perTagger);
  }
  for (const f of files) {
    const kept = keptAs.get(f);
    if (!kept || f.functions.length === 0 || perTagger.has(f.functions[0])) continue;
    const file = tagsFile(cacheDir, tagger.cacheId, kept.key);
    let saved: [number, [string, string][]][] | null = null;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as [number, [string, string][]][];
    } catch {
      // Not kept yet (or a torn write): computed below, then kept.
    }
    if (saved) {
      const byIndex = new Map(saved);
      f.functions.forEach((fn, i) => {
        const tags = byIndex.get(i);
        perTagger.set(fn, tags?.length ? new Map(tags.map(([tag, callee]) => [tag, [callee]])) : NO_TAGS);
      });
      continue;
    }
    const out: [number, [string, string][]][] = [];
    f.functions.forEach((fn, i) => {
      const tags = directTags(fn, f.path, tagger);
      if (tags.size) out.push([i, [...tags].map(([tag, chain]) => [tag, chain[0]])]);
    });
    writeCacheFile(file, JSON.stringify(out));
  }
}

/**
 * loadDirectTags for a directory's own files, each kept under a content key (`digest`: of their
 * keys, in order): their direct tags are one file of the disk cache. A directory past the memory
 * budget comes back from the disk cache as new objects at its patches, and its direct tags were
 * read back file by file: 1,900 small reads at each such patch of fs/.
 */
function loadSharedTags(files: FileFacts[], digest: string | null, tagger: Tagger, cacheDir: string | null): void {
  if (!cacheDir || !tagger.cacheId || digest === null) return loadDirectTags(files, tagger, cacheDir);
  let perTagger = direct.get(tagger);
  if (!perTagger) {
    perTagger = new WeakMap();
    direct.set(tagger, perTagger);
  }
  const known = perTagger;
  const has = (f: FileFacts): boolean => f.functions.length === 0 || known.has(f.functions[0]);
  if (files.every(has)) return;
  const file = tagsFile(cacheDir, tagger.cacheId, `shared\0${digest}`);
  let saved: [number, [string, string][]][][] | null = null;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as [number, [string, string][]][][];
  } catch {
    // Not kept yet (or a torn write): made below, then kept.
  }
  if (saved?.length === files.length) {
    files.forEach((f, j) => {
      if (has(f)) return;
      const byIndex = new Map(saved[j]);
      f.functions.forEach((fn, i) => {
        const tags = byIndex.get(i);
        known.set(fn, tags?.length ? new Map(tags.map(([tag, callee]) => [tag, [callee]])) : NO_TAGS);
      });
    });
    return;
  }
  loadDirectTags(files, tagger, cacheDir);
  const out = files.map((f) => {
    const tagged: [number, [string, string][]][] = [];
    f.functions.forEach((fn, i) => {
      const tags = directTags(fn, f.path, tagger);
      if (tags.size) tagged.push([i, [...tags].map(([tag, chain]) => [tag, chain[0]])]);
    });
    return tagged;
  });
  writeCacheFile(file, JSON.stringify(out));
}

/** At most this many, too: a file missing from memory is looked for in each (recall), and more held more heap for the collector to mark without more reuse (btrfs-progs). */
const MAX_INDEXES = 4;
/** At most this many directories' shared callers (sharedCalls), within the same bytes. */
const SHARED_CALLERS = 4;
/**
 * Summary indexes kept for the next patches, within the facts budget (limits.cacheBytes) by the
 * bytes of the facts they hold: an index holds a whole directory's facts, past the memory budget
 * when the directory is large, and four of them by count were four kernel directories' worth.
 * Keyed by the content of every file, so the versions of one directory that a range's commits in
 * flight need (one commit's post-image is often the next one's pre-image) are kept side by side.
 */
const indexes = new ByteLru<string, { files: FileFacts[]; index: SummaryIndex; byKey: Map<string, FileFacts> }>(cacheShare('summaryIndexes', DEFAULT_LIMITS.cacheBytes), MAX_INDEXES);
/** Heap bytes of a function's facts not kept in `memory` (a header's trusted part): few calls, no edges. */
const UNKEPT_FUNCTION_BYTES = 256;

/**
 * The SummaryIndex of these facts, reused while the same facts objects come back (consecutive
 * patches of one directory, and the pre- and post-image of a patch that changes little).
 */
export function summaryIndexFor(files: FileFacts[], tagger: Tagger, depth: number, cacheDir: string | null = null, shared = 0): SummaryIndex {
  let bytes = 0;
  let sharedBytes = 0;
  const parts: string[] = [String(depth)];
  // Every one of the directory's own files has a content key: its layer is found again by content.
  let sharedKept = true;
  for (const [i, f] of files.entries()) {
    const kept = keptAs.get(f);
    bytes += kept ? kept.bytes : f.functions.length * UNKEPT_FUNCTION_BYTES;
    if (i === shared - 1) sharedBytes = bytes;
    if (i < shared && !kept) sharedKept = false;
    parts.push(kept ? kept.key : `${f.path}\0${f.functions.length}`);
  }
  const key = parts.join('|');
  const hit = indexes.get(key);
  if (hit && hit.files.length === files.length && hit.files.every((f, i) => f === files[i]) && hit.index.tagger === tagger) return hit.index;
  const own = Math.min(shared, files.length);
  const layer = sharedCalls(files, own, parts.slice(1, own + 1).join('|'), shared >= files.length ? bytes : sharedBytes, sharedKept);
  // The directory's own files as the layer holds them (the same content; their direct tags and
  // call lists are known already), then the rest.
  const all = layer.files === null ? files : [...layer.files, ...files.slice(own)];
  loadDirectTags(all.slice(own), tagger, cacheDir);
  let index = layer.base ? SummaryIndex.over(layer.base(tagger, depth, cacheDir), all, own, layer.callers) : null;
  if (!index) {
    if (layer.files) loadSharedTags(layer.files, layer.digest, tagger, cacheDir);
    index = new SummaryIndex(all, tagger, depth, layer.callers);
  }
  const byKey = new Map<string, FileFacts>();
  for (const f of files) {
    const kept = keptAs.get(f);
    if (kept) byKey.set(kept.key, f);
  }
  // The index's own summaries and edges weigh about what the facts they were made of do.
  indexes.set(key, { files, index, byKey }, 2 * bytes);
  return index;
}

/** Passes of deriveOver's region (each takes in one more call up) before it gives up for the whole derivation: over the whole REAL 6.1 tree at most 27 were needed. */
const MAX_DERIVE_PASSES = 128;

/** Derivations made over a directory's recorded one (deriveOver), since the process began (for tests and benches). */
const derivations = { over: 0 };
export function derivationsOver(): number {
  return derivations.over;
}

/** Summary indexes kept, and the bytes they are counted for (for tests and benches). */
export function summaryIndexesKept(): { count: number; bytes: number } {
  return { count: indexes.size, bytes: indexes.bytes };
}

/**
 * A function's calls of other functions by name, every one (`passing`) and those made every time
 * it runs (`climbable`): what a tag climbs and a drop passes through. Kept per facts object, which
 * the indexes of consecutive patches share: an index is built again for every patch of a directory
 * (the headers each file includes differ), and these filters over every call were much of it.
 */
const callLists = new WeakMap<FunctionFacts, { passing: CallFact[]; climbable: CallFact[] }>();

function callListsOf(fn: FunctionFacts): { passing: CallFact[]; climbable: CallFact[] } {
  let lists = callLists.get(fn);
  if (!lists) {
    const passing = fn.calls.filter((c) => c.callee !== fn.name && !c.indirect);
    lists = { passing, climbable: passing.filter((c) => !c.conditional) };
    callLists.set(fn, lists);
  }
  return lists;
}

const passing = (fn: FunctionFacts): CallFact[] => callListsOf(fn).passing;
const climbable = (fn: FunctionFacts): CallFact[] => callListsOf(fn).climbable;

/**
 * The callers of each function name, by the calls a tag climbs (`climb`) and those a drop passes
 * (`pass`), of some files, over those of `base` (more files before them). What a tag or a drop can
 * reach is found from here (reaching), so that an index visits only the calls that can carry one:
 * most of a directory's helpers reach no tagged call and drop no lock of their caller.
 */
export class CallersByName {
  private climb = new Map<string, string[]>();
  private pass = new Map<string, string[]>();
  /** The names the files define. */
  private defined = new Set<string>();
  /** A function of the files takes, drops or returns a lock for its caller. */
  private locks = false;
  private alone: ({ known: (name: string) => boolean } & Alone) | null = null;

  /** `content`: a digest of the files' content keys, when every file has one (what derivedAlone is kept by). */
  constructor(
    readonly files: readonly FileFacts[],
    readonly base: CallersByName | null = null,
    private readonly content: string | null = null,
  ) {
    const add = (into: Map<string, string[]>, callee: string, caller: string): void => {
      const list = into.get(callee);
      if (list) list.push(caller);
      else into.set(callee, [caller]);
    };
    for (const f of files) {
      for (const fn of f.functions) {
        this.defined.add(fn.name);
        if (fn.acquires || fn.releases || fn.releasesGlobal || fn.returnsLocked) this.locks = true;
        const lists = callListsOf(fn);
        for (const c of lists.passing) add(this.pass, c.callee, fn.name);
        for (const c of lists.climbable) add(this.climb, c.callee, fn.name);
      }
    }
  }

  /** What the files' helpers amount to alone (SummaryIndex.derivedPrimitives of them), kept per `known`. */
  derivedAlone(known: (name: string) => boolean): Alone {
    if (this.alone?.known !== known && this.content) {
      const kept = aloneByContent.get(known)?.get(this.content);
      if (kept) this.alone = { known, ...kept };
    }
    if (this.alone?.known !== known) this.deriveAlone(known);
    return this.alone!;
  }

  /** derivedAlone's record (deriveOver's input), made when it was found by content without one. */
  private aloneRecord(known: (name: string) => boolean): AloneRecord {
    const alone = this.derivedAlone(known);
    return alone.record ?? this.deriveAlone(known);
  }

  private deriveAlone(known: (name: string) => boolean): AloneRecord {
    const byName = new Map<string, Summary[]>();
    for (const f of this.files) {
      for (const fn of f.functions) {
        const s: Summary = { name: fn.name, path: f.path, line: fn.line, tags: NO_TAGS, facts: fn };
        const list = byName.get(fn.name);
        if (list) list.push(s);
        else byName.set(fn.name, [s]);
      }
    }
    const record = recordFor(byName);
    this.alone = { known, ...deriveFrom(byName, known, this, record), record };
    if (this.content) keepAlone(known, this.content, this.alone);
    return record;
  }

  /**
   * These files (over `base`) take, drop and return no lock for their callers, leave the same
   * definition of each of base's names counting (they may define some too, as a header's static
   * inline stub does), and none of their functions makes a call of a name in `reach` (base's functions a drop reaches):
   * then they add nothing to what base's helpers amount to, and get nothing from them.
   */
  addsNothingTo(base: CallersByName, reach: Set<string>, known: (name: string) => boolean): boolean {
    if (this.locks) return false;
    // A name both define (a header's static inline stub of a directory's function) changes nothing
    // when deriveFrom picks the same definition of it with these files as without them (or skips
    // the name, which the model knows): the other definitions here take, drop and return no lock.
    // When the definition that counts changes (a header's non-static stub of a directory's function
    // makes the name ambiguous: fs.h's fcntl_getlk() in nearly every fs/ patch), nothing changes
    // either when the one that counted alone took, dropped and returned no lock and no drop reaches
    // its name (it then gave its callers nothing), since the one that counts now is of these files,
    // which take, drop and return none, and pass no drop on (the calls checked below).
    let mine: Map<string, FunctionFacts[]> | null = null;
    for (const n of this.defined) {
      if (!base.defined.has(n) || known(n)) continue;
      mine ??= definitionsOf(this.files);
      const theirs = base.definitions().get(n)!;
      const was = soleDefinition(theirs);
      if (was === soleDefinition([...theirs, ...mine.get(n)!])) continue;
      if (was && (was.acquires || was.releases || was.releasesGlobal || was.returnsLocked || reach.has(n))) return false;
    }
    for (const callee of this.pass.keys()) if (reach.has(callee)) return false;
    return true;
  }

  /**
   * What deriveFrom over base's files and these (which take, drop and return no lock) depends on
   * beyond base's content: these files' functions that share a name with one of base's, or that a
   * drop can reach through calls (from what reaches one among base's alone, `reach`, through
   * these files' calls and then both's): a function of these files that is neither is in no
   * caller's drop and amounts to nothing, wherever it is. What deriveFrom reads of them, in their
   * order, with base's content digest, hashed: the same key, the same derived primitives (the
   * trusted part of a header's helper keeps the calls of the other headers a patch includes, which
   * differ from patch to patch, but only calls of names a drop may reach can pass one on). Null when base has no
   * content digest, or these files take, drop or return a lock themselves (they then give drops of
   * their own, which `reach` does not start from).
   */
  deriveKey(base: CallersByName, reach: Set<string>): string | null {
    if (!base.content || this.locks) return null;
    const extra = this.extraReach(base, reach);
    const has = (n: string): boolean => reach.has(n) || extra.has(n);
    // Of a function a drop may reach, what deriveFrom reads of it: where it is (a primitive of its
    // own names it), whether static, its parameters, and its calls of names a drop may reach (any
    // other call passes none on); of one that only shares a name, whether it is static.
    const hash = createHash('sha256').update(base.content);
    for (const f of this.files) {
      for (const fn of f.functions) {
        if (has(fn.name)) {
          const calls = passing(fn)
            .filter((c) => has(c.callee))
            .map((c) => [c.callee, c.args, c.holding ?? null]);
          hash.update(JSON.stringify([f.path, fn.name, fn.line, fn.isStatic ?? false, fn.params ?? null, calls]));
        } else if (base.defined.has(fn.name)) hash.update(JSON.stringify([fn.name, fn.isStatic ?? false]));
      }
    }
    return hash.digest('hex');
  }

  private extra: { base: CallersByName; reach: Set<string>; names: Set<string> } | null = null;

  /**
   * The names a drop may reach through these files' calls beyond `reach` (what reaches one among
   * base's alone): these files' callers of a name in `reach`, and their callers, through these
   * files' calls and base's.
   */
  private extraReach(base: CallersByName, reach: Set<string>): Set<string> {
    if (this.extra?.base === base && this.extra.reach === reach) return this.extra.names;
    const extra = new Set<string>();
    const has = (n: string): boolean => reach.has(n) || extra.has(n);
    const todo: string[] = [];
    for (const [callee, callers] of this.pass) {
      if (!reach.has(callee)) continue;
      for (const c of callers) {
        if (has(c)) continue;
        extra.add(c);
        todo.push(c);
      }
    }
    while (todo.length) {
      const n = todo.pop()!;
      for (const by of [this, base]) {
        for (const c of by.pass.get(n) ?? []) {
          if (has(c)) continue;
          extra.add(c);
          todo.push(c);
        }
      }
    }
    this.extra = { base, reach, names: extra };
    return extra;
  }

  /**
   * What base's files and these (which take, drop and return no lock themselves: deriveKey is not
   * null) amount to together, exactly what deriveFrom over all of them says, without going over
   * base's files again: from what base's alone recorded (`alone`). A name's drop can differ from
   * base's alone only where its definition changed (these files define it too, or alone), or where
   * one of its callees' drops did, or came at another round or place (R below). Outside R a helper
   * calls only helpers whose drops come as in base's alone, so its own does too; the drops of R's
   * helpers are made again round by round in the whole order, a drop outside R counted from the
   * place its record says it was set. Null past MAX_DERIVE_PASSES (the caller derives over all the
   * files then).
   */
  deriveOver(base: CallersByName, alone: Alone, known: (name: string) => boolean): PrimitiveSpec[] | null {
    const rec = base.aloneRecord(known);
    const extra = this.extraReach(base, alone.reach);
    // These files' summaries by name, and the place of each name base's files do not define.
    const mine = new Map<string, Summary[]>();
    const newAt = new Map<string, number>();
    for (const f of this.files) {
      for (const fn of f.functions) {
        const s: Summary = { name: fn.name, path: f.path, line: fn.line, tags: NO_TAGS, facts: fn };
        const list = mine.get(fn.name);
        if (list) list.push(s);
        else mine.set(fn.name, [s]);
        if (!rec.order.has(fn.name) && !newAt.has(fn.name)) newAt.set(fn.name, rec.order.size + newAt.size);
      }
    }
    const at = (n: string): number => rec.order.get(n) ?? newAt.get(n)!;
    // The names whose definition changed (a definition of base's stays base's when it still counts).
    const changed = new Map<string, Summary | null>();
    for (const [n, list] of mine) {
      if (known(n)) continue;
      const under = rec.byName.get(n);
      const def = soleSummary(under ? [...under, ...list] : list);
      if (def ? list.includes(def) : rec.defs.has(n)) changed.set(n, def);
    }
    const defOf = (n: string): Summary | undefined => (changed.has(n) ? (changed.get(n) ?? undefined) : rec.defs.get(n));
    // R: the helpers derived again. It starts from those whose definition changed and may carry a
    // drop; a helper of R whose drop, or the round and place it was set in, is not what base's alone
    // say brings its callers in, and R is derived again, until none does: a helper outside R then
    // sees at every call what it saw alone (in fs/, taking every caller up front made R 6,000
    // helpers where a few hundred changed).
    const region = new Set<string>();
    for (const n of changed.keys()) if (alone.reach.has(n) || extra.has(n)) region.add(n);
    let inRegion: string[] = [];
    let drops = new Map<string, Drop>();
    const setAt = new Map<string, number>();
    for (let grown = true, pass = 0; grown; pass++) {
      // Each pass takes in the callers of what changed, one call up: a long chain of helpers whose
      // drops all change (a file made so) would cost a pass per helper over a growing region.
      if (pass > MAX_DERIVE_PASSES) return null;
      inRegion = [...region].filter((n) => defOf(n)).sort((x, y) => at(x) - at(y));
      drops = new Map();
      setAt.clear();
      for (const n of inRegion) {
        const own = ownDrop(defOf(n)!.facts);
        if (own) drops.set(n, own);
      }
      const through: [string, Summary, CallFact[], number][] = [];
      for (const n of inRegion) {
        if (drops.has(n) || !(alone.reach.has(n) || extra.has(n))) continue;
        const def = defOf(n)!;
        const calls = passing(def.facts).filter((c) => defOf(c.callee));
        if (calls.length) through.push([n, def, calls, at(n)]);
      }
      for (let round = 0; round < MAX_RELEASE_DEPTH; round++) {
        let changedHere = false;
        const now = round * ROUND_STRIDE;
        for (const [n, def, calls, place] of through) {
          if (drops.has(n)) continue;
          const params = def.facts.params ?? [];
          for (const c of calls) {
            let d: Drop | undefined;
            if (region.has(c.callee)) d = drops.get(c.callee);
            else {
              d = rec.releases.get(c.callee);
              const set = rec.setAt.get(c.callee);
              if (set !== undefined && set >= now + place) d = undefined;
            }
            if (!d) continue;
            const drop = dropThrough(c, d, params);
            if (!drop) continue;
            drops.set(n, drop);
            setAt.set(n, now + place);
            changedHere = true;
            break;
          }
        }
        if (!changedHere && !(rec.setIn[round] ?? []).some((n) => !region.has(n))) break;
      }
      grown = false;
      for (const n of [...region]) {
        if (sameDrop(drops.get(n), rec.releases.get(n)) && setAt.get(n) === rec.setAt.get(n)) continue;
        for (const by of [this, base]) {
          for (const c of by.pass.get(n) ?? []) {
            if (region.has(c)) continue;
            region.add(c);
            grown = true;
          }
        }
      }
    }
    const releases = { get: (n: string): Drop | undefined => (region.has(n) ? drops.get(n) : rec.releases.get(n)) };
    // The names that may give a primitive, in the whole order: base's (in order already) but those
    // derived again, merged with those (few, sorted).
    const again = new Set(inRegion);
    for (const [n, def] of changed) {
      const f = def?.facts;
      if (f && (f.acquires || f.returnsLocked || f.releases || f.releasesGlobal)) again.add(n);
    }
    const sorted = [...again].sort((x, y) => at(x) - at(y));
    const out: PrimitiveSpec[] = [];
    let i = 0;
    for (const n of rec.bearing) {
      if (changed.has(n) || region.has(n)) continue;
      const place = rec.order.get(n)!;
      for (; i < sorted.length && at(sorted[i]) < place; i++) primitivesOf(sorted[i], defOf(sorted[i])!, releases, out);
      // Outside the region a helper calls (passing a drop on or not) no helper whose drop changed:
      // what it gives is what it gave alone, unless an indirect call's name is one of them.
      if (rec.indirect.get(n)?.some((c) => region.has(c))) primitivesOf(n, rec.defs.get(n)!, releases, out);
      else {
        const [from, to] = rec.spans.get(n)!;
        for (let k = from; k < to; k++) out.push(rec.primitives[k]);
      }
    }
    for (; i < sorted.length; i++) primitivesOf(sorted[i], defOf(sorted[i])!, releases, out);
    return out;
  }

  private definitionList: Map<string, FunctionFacts[]> | null = null;

  /** The files' functions by name, in file order. */
  definitions(): Map<string, FunctionFacts[]> {
    this.definitionList ??= definitionsOf(this.files);
    return this.definitionList;
  }

  /**
   * `seeds` and every name with a call, of the kind given, of a name in the set: a superset of the
   * functions a tag (or drop) starting at the seeds can ever climb (pass) to, at any depth.
   */
  reaching(seeds: Iterable<string>, kind: 'climb' | 'pass'): Set<string> {
    const out = new Set(seeds);
    const todo = [...out];
    while (todo.length) {
      const name = todo.pop()!;
      for (let by: CallersByName | null = this; by; by = by.base) {
        for (const caller of by[kind].get(name) ?? []) {
          if (out.has(caller)) continue;
          out.add(caller);
          todo.push(caller);
        }
      }
    }
    return out;
  }

  /** The names of these files' functions with a call a tag climbs (not conditional) of `name` (not base's), once per call. */
  climbCallers(name: string): readonly string[] {
    return this.climb.get(name) ?? [];
  }
}

/**
 * The callers of the first `shared` files (a directory's own, the same for every patch there),
 * kept for the next indexes by those files' keys; the rest (the headers a file includes) over them.
 * Within a share of their own of limits.cacheBytes (sharedCallers), counted as the indexes are
 * (twice the facts they hold): four by count outlived the indexes that used them, a whole
 * directory's facts and callers each (REAL io-uring with the 6.1 tree, an fs/-wide series: 24 MB
 * held past the review in flight). The newest always stays, it is the one in use.
 */
const sharedCallers = new ByteLru<string, SharedLayer>(cacheShare('sharedCallers', DEFAULT_LIMITS.cacheBytes), SHARED_CALLERS);

/**
 * A directory's own files, kept for its next patches: their callers, and from the second patch on
 * the summary index of those files alone, which the index of each patch lays the headers its file
 * includes over (SummaryIndex.over) instead of summarising the whole directory again.
 */
interface SharedLayer {
  files: FileFacts[];
  callers: CallersByName;
  /** Patches met with these files' content; the layer's index is made at the second. */
  uses: number;
  /** Found by content: facts read back again (new objects) with the same content keys find it. */
  byContent: boolean;
  index: SummaryIndex | null;
  bytes: number;
  /** Of the files' content keys, when each has one (contentDigest). */
  digest: string | null;
}

function sharedCalls(files: FileFacts[], shared: number, key: string, bytes: number, byContent: boolean): { callers: CallersByName; files: FileFacts[] | null; digest: string | null; base: ((tagger: Tagger, depth: number, cacheDir: string | null) => SummaryIndex) | null } {
  if (shared === 0) return { callers: new CallersByName(files, null), files: null, digest: null, base: null };
  let hit = sharedCallers.get(key);
  // Facts past the memory budget come back from the disk cache as new objects at every patch of
  // their directory (fs/: 1,900 files): the same content keys are the same files.
  const same = hit && hit.files.length === shared && ((hit.byContent && byContent) || hit.files.every((f, i) => f === files[i]));
  if (!hit || !same) {
    const own = files.slice(0, shared);
    const digest = contentDigest(files, shared);
    hit = { files: own, callers: new CallersByName(own, null, digest), uses: 0, byContent, index: null, bytes, digest };
    // Its caller lists weigh about what the facts they were made of do.
    sharedCallers.set(key, hit, 2 * bytes);
  }
  const layer = hit;
  layer.uses++;
  const base = (tagger: Tagger, depth: number, cacheDir: string | null): SummaryIndex => {
    if (!layer.index || layer.index.tagger !== tagger || layer.index.depth !== depth) {
      loadSharedTags(layer.files, layer.digest, tagger, cacheDir);
      layer.index = new SummaryIndex(layer.files, tagger, depth, layer.callers);
      // Its summaries weigh about what the caller lists do.
      if (sharedCallers.get(key) === layer) sharedCallers.set(key, layer, 3 * layer.bytes);
    }
    return layer.index;
  };
  return { callers: new CallersByName(files.slice(shared), layer.callers), files: layer.files, digest: layer.digest, base: layer.uses >= 2 ? base : null };
}

/**
 * What a directory's own files amount to alone (CallersByName.derivedAlone), per `known` and by a
 * digest of their content keys: a few primitives and the names a drop reaches, for the directories
 * whose facts are past the memory budget (fs/: 1,900 files, 49 MB of facts), read back from the
 * disk cache at each of their patches as new objects, where the derivation over 35,000 functions
 * was done again at every patch. At most ALONE_KEPT directories, by count: each is some hundreds
 * of primitives and a set of names, small beside the facts they were derived from.
 */
const aloneByContent = new WeakMap<(name: string) => boolean, Map<string, Alone>>();
const ALONE_KEPT = 4;

/**
 * What a directory's own files amount to with the other files of a patch's index that can change
 * it (CallersByName.deriveKey), per `known`: at most DERIVED_OVER_KEPT, by count, least recently
 * used dropped first; each is a list of primitives, some hundreds at most, as one of aloneByContent.
 */
const derivedOver = new WeakMap<(name: string) => boolean, Map<string, PrimitiveSpec[]>>();
const DERIVED_OVER_KEPT = 16;

function keepAlone(known: (name: string) => boolean, content: string, alone: Alone): void {
  let kept = aloneByContent.get(known);
  if (!kept) aloneByContent.set(known, (kept = new Map()));
  kept.delete(content);
  // Not the record: it holds the files' facts, which the budget may have let go.
  kept.set(content, { primitives: alone.primitives, reach: alone.reach });
  while (kept.size > ALONE_KEPT) kept.delete(kept.keys().next().value!);
}

/** The digest of the content keys of the first `shared` files, when each has one (its facts were kept under a content key); else null. */
function contentDigest(files: FileFacts[], shared: number): string | null {
  const hash = createHash('sha256');
  for (let i = 0; i < shared; i++) {
    const kept = keptAs.get(files[i]);
    if (!kept) return null;
    hash.update(kept.key).update('|');
  }
  return hash.digest('hex');
}

export class SummaryIndex {
  private byName = new Map<string, Summary[]>();

  /** A function's summary, with its memoised direct tags (copied only when a tag climbs into it: few do), added under its name. */
  private addSummary(fn: FunctionFacts, path: string, tagger: Tagger): Summary {
    const s: Summary = { name: fn.name, path, line: fn.line, tags: directTags(fn, path, tagger), facts: fn };
    const list = this.byName.get(fn.name);
    if (list) list.push(s);
    else this.byName.set(fn.name, [s]);
    return s;
  }
  private edgeList: TreeEdge[] | null = null;
  private callersByName: CallersByName;
  /** The directory's own index this one lays its other files over (SummaryIndex.over); byName then holds those files' summaries only. */
  private base: SummaryIndex | null = null;
  /** Laid over `base` exactly (overlay): what an index made of all the files says. */
  private layered = false;
  /**
   * Of an index laid over `base`: base's summaries whose tags the other files change, each by its
   * copy with the whole index's tags (base's own objects are shared by every patch of the layer).
   */
  private copies: Map<Summary, Summary> | null = null;
  /** The names with a summary in `copies`. */
  private copyNames: Set<string> | null = null;
  /** Of an index made whole: the calls its climb visited, in order, when each climbed tag was set (climb's log), and the last round that set one. */
  private climbed: { callers: Summary[]; calls: CallFact[]; times: Map<Summary, number[]>; last: number } | null = null;

  constructor(
    private files: FileFacts[],
    readonly tagger: Tagger,
    readonly depth: number,
    byCallers?: CallersByName,
    base?: SummaryIndex,
  ) {
    this.callersByName = byCallers ?? new CallersByName(files);
    if (base) {
      this.base = base;
      this.layered = this.overlay(files.slice(base.files.length), base);
      return;
    }
    const tagged: string[] = [];
    for (const f of files) {
      for (const fn of f.functions) {
        const s = this.addSummary(fn, f.path, tagger);
        if (s.tags.size) tagged.push(fn.name);
      }
    }
    // The calls a tag can climb through, each callee resolved once, in the order the rounds visit
    // them (tags set earlier in a round are seen later in it, so the order is part of the result).
    // Only calls of functions a tag can reach at all: the others' callees never have a tag to give.
    const callers: Summary[] = [];
    const calls: CallFact[] = [];
    const callees: Summary[] = [];
    if (depth > 1) {
      const reach = this.callersByName.reaching(tagged, 'climb');
      for (const [name, list] of this.byName) {
        if (!reach.has(name)) continue;
        for (const s of list) {
          for (const c of climbable(s.facts)) {
            if (!reach.has(c.callee)) continue;
            const callee = this.get(c.callee, s.path);
            if (!callee) continue;
            callers.push(s);
            calls.push(c);
            callees.push(callee);
          }
        }
      }
    }
    const times = new Map<Summary, number[]>();
    const last = climb(callers, calls, callees, depth, tagger, times);
    this.climbed = { callers, calls, times, last };
  }

  /**
   * The index of `files` (the first ones `base`'s, which it summarised alone) made over `base`
   * without summarising base's files again, when that is exactly what an index of all of them
   * says: else null. `callers`: those of the other files over base's (CallersByName).
   */
  static over(base: SummaryIndex, files: FileFacts[], own: number, callers: CallersByName): SummaryIndex | null {
    if (base.base || own !== base.files.length) return null;
    const index = new SummaryIndex(files, base.tagger, base.depth, callers, base);
    return index.layered ? index : null;
  }

  /**
   * Summarise `mine` (the files past base's) over base, and say whether the result is exact. The
   * whole index's climb visits the calls in its order (base's names first; in a name's list base's
   * summaries before mine's), round after round, a tag set earlier in a round seen later in it; a
   * tag once set never changes, and a round that sets nothing is followed by the same (where the
   * climb stops changes nothing). A summary of base's whose callees (as the whole index resolves
   * them) have at each of its calls the tags base's own climb had there gets base's tags, at the
   * same rounds and calls. So only a region is climbed again: mine's summaries, copies of base's
   * that call one of mine that gets a tag (a call of base's resolves to one of mine only where base
   * has no definition for it, mine coming after base's in every list of a name: `unresolved`), and
   * base's callers of a copy whose tags (chains, order, or the round and call that set them) differ
   * from base's, pass after pass until none joins. The region's calls are visited in the whole
   * order, a callee of base's outside it read as base's climb had it at that point (its log: the
   * round and call that set each tag), for every round base set a tag in and while the region
   * changes. Base's summaries outside the region are then the whole index's. Not exact (false): one
   * of mine shares a path with base's (a static of one file), or more than MAX_OVERLAY_PASSES passes.
   */
  private overlay(mine: FileFacts[], base: SummaryIndex): boolean {
    const info = base.layerInfo();
    for (const f of mine) if (info.paths.has(f.path)) return false;
    // Mine's summaries, with their direct tags (each pass climbs from them).
    const own = new Map<Summary, Map<string, string[]>>();
    for (const f of mine) {
      for (const fn of f.functions) {
        const s = this.addSummary(fn, f.path, this.tagger);
        own.set(s, s.tags);
      }
    }
    const log = base.climbed;
    if (this.depth <= 1 || own.size === 0) return true;
    if (!log) return false;
    const tagger = this.tagger;
    const depth = this.depth;
    const stride = log.calls.length + 1;
    // Mine's calls, in the whole order, by name: each one visited where base's calls of its name end.
    const mineGroups: VisitGroup[] = [];
    [...this.byName.keys()].forEach((n, i) => {
      const rank = info.order.get(n);
      const pos = rank === undefined ? log.calls.length : info.start[rank + 1];
      const visits: Visit[] = [];
      for (const s of this.byName.get(n)!) {
        for (const c of climbable(s.facts)) {
          const callee = this.resolve(c.callee, s.path);
          if (callee) visits.push({ s, c, callee, pos });
        }
      }
      if (visits.length) mineGroups.push({ rank: rank ?? info.order.size + i, within: Infinity, visits });
    });
    // Base's summaries in the region: base's object -> its copy here, with its calls as visited.
    const region = new Map<Summary, { copy: Summary; direct: Map<string, string[]>; group: VisitGroup }>();
    const join = (p: Summary): void => {
      const direct = directTags(p.facts, p.path, tagger);
      const copy: Summary = { ...p, tags: direct };
      const rank = info.order.get(p.name)!;
      const list = base.byName.get(p.name)!;
      // Where p's calls are in base's visits: after those of the summaries before it in its name's list.
      let at = info.start[rank];
      for (const q of list) {
        if (q === p) break;
        while (at < log.callers.length && log.callers[at] === q) at++;
      }
      const visits: Visit[] = [];
      for (const c of climbable(p.facts)) {
        const pos = at;
        if (at < log.callers.length && log.callers[at] === p && log.calls[at] === c) at++;
        const callee = this.resolve(c.callee, p.path);
        if (callee) visits.push({ s: copy, c, callee, pos });
      }
      region.set(p, { copy, direct, group: { rank, within: list.indexOf(p), visits } });
    };
    const times = new Map<Summary, number[]>();
    const expanded = new Set<Summary>();
    for (let pass = 0; ; pass++) {
      if (pass > MAX_OVERLAY_PASSES) return false;
      const groups = [...mineGroups];
      for (const { group } of region.values()) groups.push(group);
      groups.sort((x, y) => x.rank - y.rank || x.within - y.within);
      // Only calls of a summary that has or may get a tag (base's outside the region: one that has one in base's climb).
      const visits: Visit[] = [];
      for (const g of groups) for (const v of g.visits) if (v.callee.tags.size || own.has(v.callee) || region.has(v.callee)) visits.push(v);
      // The climb of the region, from the direct tags.
      for (const [s, direct] of own) s.tags = direct;
      for (const { copy, direct } of region.values()) copy.tags = direct;
      times.clear();
      const copied = new Set<Summary>();
      for (let round = 1; round < depth; round++) {
        let changed = false;
        for (const v of visits) {
          const live = own.has(v.callee) ? v.callee : region.get(v.callee)?.copy;
          const callee = live ?? v.callee;
          if (callee.tags.size === 0) continue;
          // A callee of base's outside the region: the tags it had at this point of base's climb.
          let visible = callee.tags.size;
          if (!live) {
            const set = log.times.get(callee);
            if (set) {
              const now = round * stride + v.pos;
              let n = set.length;
              while (n > 0 && set[n - 1] >= now) n--;
              visible -= set.length - n;
            }
          }
          const s = v.s;
          const c = v.c;
          let k = 0;
          for (const [tag, chain] of callee.tags) {
            if (k++ >= visible) break;
            if (s.tags.has(tag) || chain.length >= depth) continue;
            const kinds = c.dropped.length ? tagger.held?.(tag) : undefined;
            if (kinds?.length && kinds.every((kind) => c.dropped.includes(kind))) continue;
            if (!copied.has(s)) {
              s.tags = new Map(s.tags);
              copied.add(s);
            }
            s.tags.set(tag, [c.callee, ...chain]);
            const at = round * stride + v.pos;
            const list = times.get(s);
            if (list) list.push(at);
            else times.set(s, [at]);
            changed = true;
          }
        }
        if (!changed && round > log.last) break;
      }
      // Whose callers among base's must join the region: mine's with a tag that base's call, and
      // the copies whose tags differ from base's, or were set at other points.
      const differ: Summary[] = [];
      for (const s of own.keys()) if (s.tags.size && info.unresolved.has(s.name)) differ.push(s);
      for (const [p, { copy }] of region) if (!sameClimb(p, log.times.get(p), copy, times.get(copy))) differ.push(p);
      let grew = false;
      for (const u of differ) {
        // Its callers joined at an earlier pass stay in the region.
        if (expanded.has(u)) continue;
        expanded.add(u);
        for (const n of new Set(base.callersByName.climbCallers(u.name))) {
          for (const q of base.byName.get(n) ?? []) {
            if (region.has(q)) continue;
            if (climbable(q.facts).some((c) => c.callee === u.name && this.resolve(c.callee, q.path) === u)) {
              join(q);
              grew = true;
            }
          }
        }
      }
      if (!grew) break;
    }
    for (const [p, { copy }] of region) {
      if (sameClimb(p, log.times.get(p), copy, times.get(copy))) continue;
      this.copies ??= new Map();
      this.copyNames ??= new Set();
      this.copies.set(p, copy);
      this.copyNames.add(p.name);
    }
    return true;
  }

  private info: { paths: Set<string>; order: Map<string, number>; unresolved: Set<string>; start: Int32Array } | null = null;

  /**
   * Of an index laid under others: its files' paths, the order of its names, the names its
   * functions call that it has no definition for, and where each name's calls start in the climb's
   * visits (by the name's order; one more: their end).
   */
  private layerInfo(): { paths: Set<string>; order: Map<string, number>; unresolved: Set<string>; start: Int32Array } {
    if (!this.info) {
      const order = new Map<string, number>();
      for (const n of this.byName.keys()) order.set(n, order.size);
      const unresolved = new Set<string>();
      for (const list of this.byName.values()) for (const s of list) for (const c of climbable(s.facts)) if (!unresolved.has(c.callee) && !this.get(c.callee, s.path)) unresolved.add(c.callee);
      const start = new Int32Array(order.size + 1);
      const callers = this.climbed?.callers ?? [];
      let at = 0;
      let k = 0;
      for (const list of this.byName.values()) {
        start[k++] = at;
        for (const s of list) while (at < callers.length && callers[at] === s) at++;
      }
      start[k] = at;
      this.info = { paths: new Set(this.files.map((f) => f.path)), order, unresolved, start };
    }
    return this.info;
  }

  /** The tree's lock-order edges, made when first asked (an inversion to check): most patches take none. */
  get edges(): readonly TreeEdge[] {
    if (!this.edgeList) {
      const out: TreeEdge[] = [];
      for (const f of this.files) for (const fn of f.functions) for (const e of fn.edges) out.push({ ...e, path: f.path, fn: fn.name });
      this.edgeList = out;
    }
    return this.edgeList;
  }

  /** The summary of a function by name, preferring a definition in `path`. */
  get(name: string, path?: string): Summary | undefined {
    const s = this.resolve(name, path);
    return s && this.copies ? (this.copies.get(s) ?? s) : s;
  }

  /** get() before copies: base's own summary where this index has a copy of it. */
  private resolve(name: string, path?: string): Summary | undefined {
    const list = this.byName.get(name);
    if (this.base) {
      // Base's summaries come first in the whole index's list of a name, then this one's.
      const under = this.base.byName.get(name);
      if (path) {
        const here = under?.find((s) => s.path === path) ?? list?.find((s) => s.path === path);
        if (here) return here;
      }
      return under?.find((s) => !s.facts.isStatic) ?? list?.find((s) => !s.facts.isStatic);
    }
    if (!list) return undefined;
    // A static function is only what its own file's callers call.
    return (path && list.find((s) => s.path === path)) || list.find((s) => !s.facts.isStatic);
  }

  private derived: { known: (name: string) => boolean; primitives: PrimitiveSpec[] } | null = null;

  /**
   * Lock primitives the tree's helpers amount to (take a lock on an argument, return a locked
   * object, drop one). Kept with the index, which consecutive patches of a directory share: pass
   * the same `known` to get them again without the work.
   */
  derivedPrimitives(known: (name: string) => boolean): PrimitiveSpec[] {
    if (this.derived?.known !== known) this.derived = { known, primitives: this.derive(known) };
    return this.derived.primitives;
  }

  private derive(known: (name: string) => boolean): PrimitiveSpec[] {
    // The headers on top of a directory's kept callers (sharedCalls) mostly change nothing of what
    // the directory's helpers amount to (tree-contracts.ts keeps their calls only): then what the
    // directory's alone amount to, derived once for its patches, is the answer.
    const base = this.callersByName.base;
    if (base) {
      const alone = base.derivedAlone(known);
      if (this.callersByName.addsNothingTo(base, alone.reach, known)) return alone.primitives;
      // Else what the directory and these files amount to together, kept by what of these files can
      // change it: the patches of a directory meet the same few such helpers again and again.
      const key = this.callersByName.deriveKey(base, alone.reach);
      if (key === null) return deriveFrom(this.allByName(), known, this.callersByName).primitives;
      let kept = derivedOver.get(known);
      if (!kept) derivedOver.set(known, (kept = new Map()));
      const hit = kept.get(key);
      if (hit) {
        kept.delete(key);
        kept.set(key, hit);
        return hit;
      }
      const over = this.callersByName.deriveOver(base, alone, known);
      if (over) derivations.over++;
      const primitives = over ?? deriveFrom(this.allByName(), known, this.callersByName).primitives;
      kept.set(key, primitives);
      while (kept.size > DERIVED_OVER_KEPT) kept.delete(kept.keys().next().value!);
      return primitives;
    }
    return deriveFrom(this.allByName(), known, this.callersByName).primitives;
  }

  /** Every summary by name, in the whole index's order (base's lists first, then this one's). */
  private allByName(): Map<string, Summary[]> {
    if (!this.base) return this.byName;
    // Base's map copied whole (its names keep their places, new ones come after), then base's
    // summaries this index has copies of, then this index's own.
    const out = new Map(this.base.byName);
    for (const n of this.copyNames ?? []) out.set(n, out.get(n)!.map((s) => this.copies!.get(s) ?? s));
    for (const [n, list] of this.byName) {
      const under = out.get(n);
      out.set(n, under ? [...under, ...list] : list);
    }
    return out;
  }
}

/** A call SummaryIndex.overlay visits: s calls callee by c, at `pos` of base's climb (the number of base's visits before it). */
interface Visit {
  s: Summary;
  c: CallFact;
  callee: Summary;
  pos: number;
}

/** The calls of one name's summaries (base's: one summary's, `within` its place in the name's list; mine's: all, after base's), by the name's order. */
interface VisitGroup {
  rank: number;
  within: number;
  visits: Visit[];
}

/** Past this many passes (the region grown by callers each) an overlay gives up and the index is made whole. */
const MAX_OVERLAY_PASSES = 64;

/** The same tags, chains and climb times (climb's log) in a and b. */
function sameClimb(a: Summary, aTimes: number[] | undefined, b: Summary, bTimes: number[] | undefined): boolean {
  if (a.tags.size !== b.tags.size || (aTimes?.length ?? 0) !== (bTimes?.length ?? 0)) return false;
  for (let i = 0; i < (aTimes?.length ?? 0); i++) if (aTimes![i] !== bTimes![i]) return false;
  const other = b.tags.entries();
  for (const [tag, chain] of a.tags) {
    const [t, c] = other.next().value!;
    if (t !== tag || c.length !== chain.length || c.some((x, i) => x !== chain[i])) return false;
  }
  return true;
}

/**
 * Let tags climb the calls (callers[i] calls callees[i] by calls[i]), one more call up each round,
 * in the order given: chains grow from the callee side. `log`: each summary's climbed tags' times
 * (round * (calls + 1) + the index of the call that set it), in the order they were set. The last
 * round that set a tag is returned.
 */
function climb(callers: Summary[], calls: CallFact[], callees: Summary[], depth: number, tagger: Tagger, log?: Map<Summary, number[]>): number {
  const own = new Set<Summary>();
  const stride = callees.length + 1;
  let last = 0;
  for (let round = 1; round < depth; round++) {
    let changed = false;
    for (let i = 0; i < callees.length; i++) {
      const callee = callees[i];
      // Most helpers reach no tagged call: nothing to climb.
      if (callee.tags.size === 0) continue;
      const s = callers[i];
      const c = calls[i];
      for (const [tag, chain] of callee.tags) {
        if (s.tags.has(tag) || chain.length >= depth) continue;
        // The helper dropped the caller's lock before this call (expand_files() unlocks around the allocation).
        const kinds = c.dropped.length ? tagger.held?.(tag) : undefined;
        if (kinds?.length && kinds.every((k) => c.dropped.includes(k))) continue;
        if (!own.has(s)) {
          s.tags = new Map(s.tags);
          own.add(s);
        }
        s.tags.set(tag, [c.callee, ...chain]);
        if (log) {
          const times = log.get(s);
          if (times) times.push(round * stride + i);
          else log.set(s, [round * stride + i]);
        }
        changed = true;
      }
    }
    if (!changed) break;
    last = round;
  }
  return last;
}

/** The functions of `files` by name, in file order. */
function definitionsOf(files: readonly FileFacts[]): Map<string, FunctionFacts[]> {
  const out = new Map<string, FunctionFacts[]>();
  for (const f of files) {
    for (const fn of f.functions) {
      const list = out.get(fn.name);
      if (list) list.push(fn);
      else out.set(fn.name, [fn]);
    }
  }
  return out;
}

/** Of several definitions of one name (static helpers of different files), the one that counts: the only one, or the only one not static; else none (deriveFrom's rule). */
function soleDefinition(list: readonly FunctionFacts[]): FunctionFacts | null {
  if (list.length === 1) return list[0];
  let found: FunctionFacts | null = null;
  for (const f of list) {
    if (f.isStatic) continue;
    if (found) return null;
    found = f;
  }
  return found;
}

/** Several definitions of one name (static helpers of different files): only an unambiguous one counts (soleDefinition's rule, on summaries). */
function soleSummary(list: readonly Summary[]): Summary | null {
  if (list.length === 1) return list[0];
  let found: Summary | null = null;
  for (const x of list) {
    if (x.facts.isStatic) continue;
    if (found) return null;
    found = x;
  }
  return found;
}

/**
 * What the helpers of `byName` amount to as lock primitives (SummaryIndex.derivedPrimitives), and
 * the names a drop can reach; with `record`, what deriveOver needs to derive over them again.
 */
function deriveFrom(byName: Map<string, Summary[]>, known: (name: string) => boolean, callers: CallersByName, record?: AloneRecord): { primitives: PrimitiveSpec[]; reach: Set<string> } {
  const defs = new Map<string, Summary>();
  for (const [name, list] of byName) {
    if (known(name)) continue;
    const def = soleSummary(list);
    if (def) defs.set(name, def);
  }
  const { releases, reach } = releasesThroughCalls(defs, callers, record);
  const out: PrimitiveSpec[] = [];
  for (const [name, def] of defs) {
    const n = out.length;
    primitivesOf(name, def, releases, out);
    if (record && (out.length > n || def.facts.acquires)) {
      record.bearing.push(name);
      record.spans.set(name, [n, out.length]);
      // What droppedLater reads beyond the calls a drop passes through (deriveOver's region holds every caller by those).
      const indirect = def.facts.acquires ? def.facts.calls.filter((c) => c.indirect).map((c) => c.callee) : [];
      if (indirect.length) record.indirect.set(name, indirect);
    }
  }
  if (record) {
    record.defs = defs;
    record.releases = releases;
    record.primitives = out;
  }
  return { primitives: out, reach };
}

/** The primitives a helper amounts to (none for most), added to `out`. */
function primitivesOf(name: string, def: Summary, releases: { get(name: string): Drop | undefined }, out: PrimitiveSpec[]): void {
  const f = def.facts;
  const r = releases.get(name);
  if (!f.acquires && !r && !f.returnsLocked) return;
  const inferred = `${def.path}:${f.line}`;
  // A lock taken on a parameter and then given to a helper that drops it is not handed back (set_link -> commit_chunk).
  if (f.acquires && !droppedLater(f, f.acquires, releases)) out.push({ kind: f.acquires.kind, op: 'acquire', name, arg: f.acquires.arg, inferred });
  if (r?.arg !== undefined) out.push({ kind: r.kind, op: r.always ? 'release' : 'forget', name, arg: r.arg, inferred, ...(r.suffix ? { suffix: r.suffix } : {}), ...(r.byField ? { byField: true } : {}) });
  else if (r?.key) out.push({ kind: r.kind, op: r.always ? 'release' : 'forget', name, arg: null, key: r.key, inferred });
  if (f.returnsLocked) out.push({ kind: f.returnsLocked.kind, op: 'returns-locked', name, arg: null, success: 'pointer', inferred });
}

/** What a directory's own files amount to alone, and what deriveOver needs to add a patch's headers to it. */
interface Alone {
  primitives: PrimitiveSpec[];
  reach: Set<string>;
  /** Kept with the files' own callers only (it holds their facts): made again when asked for after the derivation was found by content. */
  record?: AloneRecord;
}

/**
 * What deriveFrom over a directory's own files did: their definitions and drops, and when each
 * drop through a call was set (its round and place), so that deriveOver can tell which of them a
 * helper of a patch's headers would have seen at its own place in the rounds.
 */
interface AloneRecord {
  byName: Map<string, Summary[]>;
  defs: Map<string, Summary>;
  releases: Map<string, Drop>;
  /** A drop set through a call: its round times ROUND_STRIDE plus the place of its name. */
  setAt: Map<string, number>;
  /** The names given a drop in each round. */
  setIn: string[][];
  /** Each name's place in the order the rounds visit them (its first definition among the files). */
  order: Map<string, number>;
  /** The names of definitions that give a primitive or take a lock, in their order. */
  bearing: string[];
  /** Of each name in `bearing`, where its primitives are in `primitives`. */
  spans: Map<string, [number, number]>;
  /** Of a name in `bearing` that takes a lock, the callees of its indirect calls, when it has any. */
  indirect: Map<string, string[]>;
  primitives: PrimitiveSpec[];
}

/** Above any number of names: a round's places never reach the next round's. */
const ROUND_STRIDE = 2 ** 32;

function recordFor(byName: Map<string, Summary[]>): AloneRecord {
  const order = new Map<string, number>();
  for (const n of byName.keys()) order.set(n, order.size);
  return { byName, defs: new Map(), releases: new Map(), setAt: new Map(), setIn: [], order, bearing: [], spans: new Map(), indirect: new Map(), primitives: [] };
}

interface Drop {
  kind: string;
  always: boolean;
  arg?: number;
  suffix?: string;
  key?: string;
  byField?: boolean;
}

const MAX_RELEASE_DEPTH = 3;
const plainArg = (a: string): string => a.replace(/\s+/g, '').replace(/^&/, '');

/**
 * What each helper drops of its caller's locks: its own unlocks (facts), and those of helpers it
 * calls with a parameter, to a few calls deep (`timer_wait_running -> unlock_timer`); a drop
 * through a call leaves the lock's state unknown (`forget`), never a definite release.
 */
function releasesThroughCalls(defs: Map<string, Summary>, callers: CallersByName, record?: AloneRecord): { releases: Map<string, Drop>; reach: Set<string> } {
  const out = new Map<string, Drop>();
  for (const [name, def] of defs) {
    const own = ownDrop(def.facts);
    if (own) out.set(name, own);
  }
  // Only a call of another helper of `defs` can pass a drop on: each helper's such calls, listed once;
  // only of helpers that reach a drop through their calls at all (the others never get one).
  const reach = callers.reaching(out.keys(), 'pass');
  const through: [string, Summary, CallFact[]][] = [];
  for (const [name, def] of defs) {
    if (out.has(name) || !reach.has(name)) continue;
    const calls = passing(def.facts).filter((c) => defs.has(c.callee));
    if (calls.length) through.push([name, def, calls]);
  }
  for (let round = 0; round < MAX_RELEASE_DEPTH; round++) {
    let changed = false;
    const set: string[] = [];
    for (const [name, def, calls] of through) {
      if (out.has(name)) continue;
      const params = def.facts.params ?? [];
      for (const c of calls) {
        const d = out.get(c.callee);
        if (!d) continue;
        const drop = dropThrough(c, d, params);
        if (!drop) continue;
        out.set(name, drop);
        if (record) {
          record.setAt.set(name, round * ROUND_STRIDE + record.order.get(name)!);
          set.push(name);
        }
        changed = true;
        break;
      }
    }
    record?.setIn.push(set);
    if (!changed) break;
  }
  return { releases: out, reach };
}

function sameDrop(x: Drop | undefined, y: Drop | undefined): boolean {
  if (!x || !y) return x === y;
  return x.kind === y.kind && x.always === y.always && x.arg === y.arg && x.suffix === y.suffix && x.key === y.key && x.byField === y.byField;
}

/** A helper's own drop of its caller's lock (its facts), if any. */
function ownDrop(f: FunctionFacts): Drop | undefined {
  if (f.releases) return { kind: f.releases.kind, always: f.releases.always, arg: f.releases.arg, suffix: f.releases.suffix, ...(f.releases.byField ? { byField: true } : {}) };
  if (f.releasesGlobal) return { kind: f.releasesGlobal.kind, always: f.releasesGlobal.always, key: f.releasesGlobal.key };
  return undefined;
}

/** The drop a call of a helper that drops `d` passes to the caller (whose parameters are `params`), or null when it passes none. */
function dropThrough(c: CallFact, d: Drop, params: readonly string[]): Drop | null {
  // Through a call the drop is a guess about the callee's own locking (it may take the lock
  // back through a helper the facts do not know): afterwards the lock's state is unknown.
  const always = false;
  if (d.key) {
    if (c.holding?.includes(d.key)) return null;
    return { kind: d.kind, always, key: d.key };
  }
  const m = /^([A-Za-z_]\w*)(.*)$/.exec(plainArg(c.args[d.arg!] ?? ''));
  const arg = m ? params.indexOf(m[1]) : -1;
  // The helper drops a lock this function took itself: nothing of the caller's is dropped.
  if (arg < 0 || c.holding?.includes(`${m![1]}${m![2]}${d.suffix ?? ''}`)) return null;
  const suffix = `${m![2]}${d.suffix ?? ''}`;
  return { kind: d.kind, always, arg, ...(suffix ? { suffix } : {}), ...(d.byField ? { byField: true } : {}) };
}

/** The parameter's lock is given, after it was taken, to a helper that drops it. */
function droppedLater(f: FunctionFacts, acq: { kind: string; arg: number; line: number }, releases: { get(name: string): Drop | undefined }): boolean {
  const param = f.params?.[acq.arg];
  if (!param) return false;
  return f.calls.some((c) => {
    const d = releases.get(c.callee);
    return c.line > acq.line && d?.arg !== undefined && d.kind === acq.kind && !d.suffix && plainArg(c.args[d.arg] ?? '') === param;
  });
}
