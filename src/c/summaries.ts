// Summaries of the functions defined in a tree: which tagged calls each can reach (and through
// which chain), which locks it takes for or drops from its caller, and the tree's lock-order edges.
// Per-file facts are cached on disk by content hash, so a warm run parses nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ByteLru } from '../core/byte-lru.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { collectFacts, type FileFacts, type FunctionFacts } from './facts.js';
import type { LockModel, PrimitiveSpec } from './lock-model.js';

/** Tags (rule ids) of one direct call, given where it is and which caller locks were dropped first. */
export type Tagger = ((callee: string, args: string[], path: string, dropped: string[]) => string[]) & {
  /** The lock kinds a tag (rule) is about: a call made after the helper dropped all of them carries no such tag. */
  held?: (tag: string) => string[];
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

/** Bump when facts change shape, so old cache entries are ignored. */
const FACTS_VERSION = 8;

export function defaultCacheDir(): string {
  return process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview');
}

/**
 * Facts kept in memory between patches, least recently used dropped first past a byte budget
 * (limits.cacheBytes): a long range review meets a new version of some file with nearly every
 * commit, and keeping every one made memory grow with the range. Keyed by content id or by blob id.
 */
const memory = new ByteLru<string, { facts: FileFacts; bytes: number }>(DEFAULT_LIMITS.cacheBytes);
/** The last content id computed per path: comparing texts is much cheaper than hashing them again. */
const lastId = new ByteLru<string, { text: string; salt: string; id: string }>(DEFAULT_LIMITS.cacheBytes / 4);
/** Heap bytes of parsed facts per byte of their JSON (objects, arrays and strings), measured on btrfs-progs. */
const HEAP_PER_JSON_BYTE = 3;

/** The budget of the facts kept in memory (limits.cacheBytes of the run); the texts compared by path get a quarter. */
export function setFactsMemoryBudget(bytes: number): void {
  memory.resize(bytes);
  lastId.resize(Math.floor(bytes / 4));
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
  return sizedFacts(path, text, model, salt, cacheDir).facts;
}

/** factsFor, with the estimated heap bytes the facts hold. */
function sizedFacts(path: string, text: string, model: LockModel, salt: string, cacheDir: string | null): { facts: FileFacts; bytes: number } {
  const id = contentId(path, text, salt);
  const key = `${id}\0${path}`;
  const hit = memory.get(key);
  if (hit) return hit;
  const file = cacheDir ? join(cacheDir, 'lock-facts', id.slice(0, 2), `${id}.json`) : null;
  if (file) {
    try {
      const json = readFileSync(file, 'utf8');
      const found = { facts: { ...(JSON.parse(json) as FileFacts), path }, bytes: json.length * HEAP_PER_JSON_BYTE };
      memory.set(key, found, found.bytes);
      return found;
    } catch {
      // Not cached yet (or a torn write from a killed run): parse below.
    }
  }
  const facts = collectFacts(path, text, model);
  const json = JSON.stringify(facts);
  const made = { facts, bytes: json.length * HEAP_PER_JSON_BYTE };
  memory.set(key, made, made.bytes);
  if (file) {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, json);
      renameSync(tmp, file);
    } catch {
      // A read-only or full cache only costs speed.
    }
  }
  return made;
}

/**
 * Facts of a file of a tree known by its blob id: from memory without reading the file when that
 * blob was met before (commits of a range share most of their files), else as factsFor does.
 */
export async function factsForBlob(path: string, blob: string, read: () => Promise<string | null>, model: LockModel, salt: string, cacheDir: string | null): Promise<FileFacts | null> {
  const key = `blob:${blob}\0${salt}\0${path}`;
  const hit = memory.get(key);
  if (hit) return hit.facts;
  const text = await read();
  if (text === null) return null;
  const found = sizedFacts(path, text, model, salt, cacheDir);
  // The same object as under its content id, counted again: the budget errs on the side of less.
  memory.set(key, found, found.bytes);
  return found.facts;
}

/** Forget in-memory facts (for cold-run measurements). */
export function clearFactsMemory(): void {
  memory.clear();
  lastId.clear();
  indexes.clear();
}

const direct = new WeakMap<Tagger, WeakMap<FunctionFacts, Map<string, string[]>>>();

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
    perTagger.set(fn, tags);
  }
  return tags;
}

const indexes = new Map<string, { files: FileFacts[]; index: SummaryIndex }>();
const MAX_INDEXES = 4;

/**
 * The SummaryIndex of these facts, reused while the same facts objects come back (consecutive
 * patches of one directory, and the pre- and post-image of a patch that changes little).
 */
export function summaryIndexFor(files: FileFacts[], tagger: Tagger, depth: number): SummaryIndex {
  const key = `${depth}|${files.map((f) => `${f.path}:${f.functions.length}`).join('|')}`;
  const hit = indexes.get(key);
  if (hit && hit.files.length === files.length && hit.files.every((f, i) => f === files[i]) && hit.index.tagger === tagger) return hit.index;
  const index = new SummaryIndex(files, tagger, depth);
  indexes.delete(key);
  indexes.set(key, { files, index });
  while (indexes.size > MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
  return index;
}

export class SummaryIndex {
  private byName = new Map<string, Summary[]>();
  readonly edges: TreeEdge[] = [];

  constructor(
    files: FileFacts[],
    readonly tagger: Tagger,
    depth: number,
  ) {
    for (const f of files) {
      for (const fn of f.functions) {
        const tags = new Map(directTags(fn, f.path, tagger));
        const s: Summary = { name: fn.name, path: f.path, line: fn.line, tags, facts: fn };
        const list = this.byName.get(fn.name);
        if (list) list.push(s);
        else this.byName.set(fn.name, [s]);
        for (const e of fn.edges) this.edges.push({ ...e, path: f.path, fn: fn.name });
      }
    }
    // Each round lets a tag climb one more call up; chains grow from the callee side.
    for (let round = 1; round < depth; round++) {
      let changed = false;
      for (const list of this.byName.values()) {
        for (const s of list) {
          for (const c of s.facts.calls) {
            if (c.callee === s.name || c.conditional || c.indirect) continue;
            const callee = this.get(c.callee, s.path);
            if (!callee) continue;
            for (const [tag, chain] of callee.tags) {
              if (s.tags.has(tag) || chain.length >= depth) continue;
              // The helper dropped the caller's lock before this call (expand_files() unlocks around the allocation).
              const kinds = c.dropped.length ? this.tagger.held?.(tag) : undefined;
              if (kinds?.length && kinds.every((k) => c.dropped.includes(k))) continue;
              s.tags.set(tag, [c.callee, ...chain]);
              changed = true;
            }
          }
        }
      }
      if (!changed) break;
    }
  }

  /** The summary of a function by name, preferring a definition in `path`. */
  get(name: string, path?: string): Summary | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    // A static function is only what its own file's callers call.
    return (path && list.find((s) => s.path === path)) || list.find((s) => !s.facts.isStatic);
  }

  /** Lock primitives the tree's helpers amount to (take a lock on an argument, return a locked object, drop one). */
  derivedPrimitives(known: (name: string) => boolean): PrimitiveSpec[] {
    // Several definitions of one name (static helpers of different files): only an unambiguous one counts.
    const defs = new Map<string, Summary>();
    for (const [name, list] of this.byName) {
      if (known(name)) continue;
      const def = list.length === 1 ? list[0] : list.filter((x) => !x.facts.isStatic).length === 1 ? list.find((x) => !x.facts.isStatic)! : null;
      if (def) defs.set(name, def);
    }
    const releases = releasesThroughCalls(defs);
    const out: PrimitiveSpec[] = [];
    for (const [name, def] of defs) {
      const f = def.facts;
      const inferred = `${def.path}:${f.line}`;
      // A lock taken on a parameter and then given to a helper that drops it is not handed back (set_link -> commit_chunk).
      if (f.acquires && !droppedLater(f, f.acquires, releases)) out.push({ kind: f.acquires.kind, op: 'acquire', name, arg: f.acquires.arg, inferred });
      const r = releases.get(name);
      if (r?.arg !== undefined) out.push({ kind: r.kind, op: r.always ? 'release' : 'forget', name, arg: r.arg, inferred, ...(r.suffix ? { suffix: r.suffix } : {}) });
      else if (r?.key) out.push({ kind: r.kind, op: r.always ? 'release' : 'forget', name, arg: null, key: r.key, inferred });
      if (f.returnsLocked) out.push({ kind: f.returnsLocked.kind, op: 'returns-locked', name, arg: null, success: 'pointer', inferred });
    }
    return out;
  }
}

interface Drop {
  kind: string;
  always: boolean;
  arg?: number;
  suffix?: string;
  key?: string;
}

const MAX_RELEASE_DEPTH = 3;
const plainArg = (a: string): string => a.replace(/\s+/g, '').replace(/^&/, '');

/**
 * What each helper drops of its caller's locks: its own unlocks (facts), and those of helpers it
 * calls with a parameter, to a few calls deep (`timer_wait_running -> unlock_timer`); a drop
 * through a call leaves the lock's state unknown (`forget`), never a definite release.
 */
function releasesThroughCalls(defs: Map<string, Summary>): Map<string, Drop> {
  const out = new Map<string, Drop>();
  for (const [name, def] of defs) {
    const f = def.facts;
    if (f.releases) out.set(name, { kind: f.releases.kind, always: f.releases.always, arg: f.releases.arg, suffix: f.releases.suffix });
    else if (f.releasesGlobal) out.set(name, { kind: f.releasesGlobal.kind, always: f.releasesGlobal.always, key: f.releasesGlobal.key });
  }
  for (let round = 0; round < MAX_RELEASE_DEPTH; round++) {
    let changed = false;
    for (const [name, def] of defs) {
      if (out.has(name)) continue;
      const params = def.facts.params ?? [];
      for (const c of def.facts.calls) {
        const d = c.callee === name || c.indirect ? undefined : out.get(c.callee);
        if (!d) continue;
        // Through a call the drop is a guess about the callee's own locking (it may take the lock
        // back through a helper the facts do not know): afterwards the lock's state is unknown.
        const always = false;
        if (d.key) {
          if (c.holding?.includes(d.key)) continue;
          out.set(name, { kind: d.kind, always, key: d.key });
        } else {
          const m = /^([A-Za-z_]\w*)(.*)$/.exec(plainArg(c.args[d.arg!] ?? ''));
          const arg = m ? params.indexOf(m[1]) : -1;
          // The helper drops a lock this function took itself: nothing of the caller's is dropped.
          if (arg < 0 || c.holding?.includes(`${m![1]}${m![2]}${d.suffix ?? ''}`)) continue;
          const suffix = `${m![2]}${d.suffix ?? ''}`;
          out.set(name, { kind: d.kind, always, arg, ...(suffix ? { suffix } : {}) });
        }
        changed = true;
        break;
      }
    }
    if (!changed) break;
  }
  return out;
}

/** The parameter's lock is given, after it was taken, to a helper that drops it. */
function droppedLater(f: FunctionFacts, acq: { kind: string; arg: number; line: number }, releases: Map<string, Drop>): boolean {
  const param = f.params?.[acq.arg];
  if (!param) return false;
  return f.calls.some((c) => {
    const d = releases.get(c.callee);
    return c.line > acq.line && d?.arg !== undefined && d.kind === acq.kind && !d.suffix && plainArg(c.args[d.arg] ?? '') === param;
  });
}
