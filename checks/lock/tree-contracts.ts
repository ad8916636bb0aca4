// Contracts of the functions a changed file calls, from the headers it includes (one level): the
// static inline helpers there are summarised like the directory's own functions (what they reach,
// whether they sleep, which locks they take or drop for their caller), and the sparse annotations
// of their prototypes become lock primitives (src/c/contracts.ts). Repository mode only: the
// headers are read from the base tree. Bounded: MAX_INCLUDES headers per file, each header's facts
// and contracts computed once per content (the facts cache is keyed by content hash on disk).
import type { Workspace } from '../../src/core/check.js';
import { ByteLru } from '../../src/core/byte-lru.js';
import { cacheShare } from '../../src/core/cache-shares.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { PatchBudget } from '../../src/core/limits.js';
import { annotationContracts } from '../../src/c/contracts.js';
import type { FileFacts, FunctionFacts } from '../../src/c/facts.js';
import { includedHeaders } from '../../src/c/includes.js';
import type { PrimitiveSpec } from '../../src/c/lock-model.js';
import { factsFor, factsForBlob } from '../../src/c/summaries.js';
import type { RuleSet } from './rule-types.js';

export interface HeaderContracts {
  facts: FileFacts[];
  primitives: PrimitiveSpec[];
}

/** Annotation contracts per header content: a header is read for many patches, its text compared first. */
/** Larger headers are generated register tables (amdgpu's run to megabytes), with no helpers worth a parse. */
const MAX_HEADER_BYTES = 512 * 1024;

/**
 * Kept by path with the text they were read from, within a byte budget (their share of limits.cacheBytes):
 * 2,048 of them by count could hold a gigabyte of a kernel tree's headers.
 */
const memo = new ByteLru<string, { text: string; hash: string; primitives: PrimitiveSpec[] }>(cacheShare('headerTexts', DEFAULT_LIMITS.cacheBytes));
/** Heap bytes of one contract (its name, kind and argument). */
const PRIMITIVE_BYTES = 200;

/** The budget of the headers' texts and contracts kept between patches (limits.cacheBytes of the run). */
export function setHeaderContractsBudget(cacheBytes: number): void {
  memo.resize(cacheShare('headerTexts', cacheBytes));
  byBlob.resize(cacheShare('headerBlobs', cacheBytes));
}

/** Headers whose contracts are kept, and the bytes they are counted for (for tests and benches). */
export function headerContractsKept(): { count: number; bytes: number } {
  return { count: memo.size + byBlob.size, bytes: memo.bytes + byBlob.bytes };
}

/** Contracts by blob id, path and rules (a blob's contracts name its path): no text kept, so a few bytes each. */
const byBlob = new ByteLru<string, PrimitiveSpec[]>(cacheShare('headerBlobs', DEFAULT_LIMITS.cacheBytes));

async function blobContractsOf(path: string, blob: string, read: () => Promise<string | null>, rules: RuleSet): Promise<PrimitiveSpec[] | null> {
  const key = `${blob}\0${rules.hash}\0${path}`;
  const hit = byBlob.get(key);
  if (hit) return hit;
  const text = await read();
  if (text === null) return null;
  const primitives = annotationContracts(path, text, rules.model.syntax);
  byBlob.set(key, primitives, key.length + 64 + primitives.length * PRIMITIVE_BYTES);
  return primitives;
}

function contractsOf(path: string, text: string, rules: RuleSet): PrimitiveSpec[] {
  const hit = memo.get(path);
  if (hit && hit.text === text && hit.hash === rules.hash) return hit.primitives;
  const primitives = annotationContracts(path, text, rules.model.syntax);
  memo.set(path, { text, hash: rules.hash, primitives }, path.length + text.length + primitives.length * PRIMITIVE_BYTES);
  return primitives;
}

/**
 * What a header's inline helpers are trusted for: the calls the rules name exactly (might_sleep(),
 * kern_path()...) and calls to other helpers of the headers, so a chain of one or two helpers that
 * ends in one of them counts. Calls matched only by a pattern (any call given GFP_KERNEL: a helper
 * that computes a gfp mask is not an allocation) and the locks a body seems to take or hand back
 * are left out: headers hold config stubs and helpers whose contracts their annotations state.
 * Measured on the real tree, the whole facts added six false alarms in fs/ and mm/ and no catch.
 */
/**
 * The trusted part depends on the other headers of the patch (`helpers`): kept with the set it was
 * cut for, so that a header's part never depends on which patch was reviewed before in the process
 * (it did: mm.h's page-table helpers kept their vmstat calls after a file that includes vmstat.h).
 */
/**
 * A header's trusted part, per facts object, kept by what it depends on: the rules, and which of
 * the header's callees the other headers of the patch define (`sig`). Keyed by every helper of
 * the patch's headers, it was made again at nearly every patch (each file includes other
 * headers), as new objects, and what is kept per facts object downstream (call lists, direct
 * tags, summaries) was made again with it.
 */
const trimmed = new WeakMap<FileFacts, Map<string, FileFacts>>();
/** Trusted parts kept per header, by `sig`: the patches of a directory alternate among a few. */
const TRIMMED_KEPT = 4;

/** The names a header's functions call that the rules do not name exactly, once per facts object and rule set (sorted). */
const unnamedCallees = new WeakMap<FileFacts, { rules: RuleSet; names: string[] }>();

function calleesOutsideRules(f: FileFacts, rules: RuleSet, named: Set<string>): string[] {
  const kept = unnamedCallees.get(f);
  if (kept?.rules === rules) return kept.names;
  const names = new Set<string>();
  for (const fn of f.functions) for (const c of fn.calls) if (!named.has(c.callee)) names.add(c.callee);
  const sorted = [...names].sort();
  unnamedCallees.set(f, { rules, names: sorted });
  return sorted;
}

const namedByRules = new WeakMap<RuleSet, Set<string>>();

function namedCalls(rules: RuleSet): Set<string> {
  let named = namedByRules.get(rules);
  if (!named) {
    named = new Set(rules.rules.flatMap((r) => r.calls.map((c) => c.name ?? '').filter((n) => n && !/[*?]/.test(n))));
    namedByRules.set(rules, named);
  }
  return named;
}

function trustedPart(f: FileFacts, rules: RuleSet, named: Set<string>, helpers: Set<string>): FileFacts {
  const sig = `${rules.hash}\0${calleesOutsideRules(f, rules, named)
    .filter((n) => helpers.has(n))
    .join(',')}`;
  let kept = trimmed.get(f);
  if (!kept) trimmed.set(f, (kept = new Map()));
  let t = kept.get(sig);
  if (!t) {
    const functions: FunctionFacts[] = f.functions.map((fn) => ({
      name: fn.name,
      line: fn.line,
      endLine: fn.endLine,
      calls: fn.calls.filter((c) => named.has(c.callee) || helpers.has(c.callee)),
      edges: [],
      partial: fn.partial,
      // Not static here: a header's inline helper is what every file that includes it calls.
    }));
    t = { path: f.path, functions };
    kept.set(sig, t);
    if (kept.size > TRIMMED_KEPT) kept.delete(kept.keys().next().value!);
  }
  return t;
}

/**
 * Facts (their trusted part) and annotation contracts of the headers that `files` (path -> text)
 * include, but for the paths in `have` (summarised already), and the annotation contracts of
 * `files` themselves. Past the review deadline the rest is skipped.
 */
export async function headerContracts(ws: Workspace, files: Map<string, string | null>, have: Set<string>, rules: RuleSet, cacheDir: string, budget: PatchBudget): Promise<HeaderContracts> {
  const paths = new Set<string>();
  // A header of the touched directory is summarised already (a second, trimmed copy of its
  // helpers would make their names ambiguous and hide what their bodies were inferred to do).
  for (const [path, text] of files) if (text !== null) for (const h of includedHeaders(path, text)) if (!have.has(h)) paths.add(h);
  const facts: FileFacts[] = [];
  // The touched files' own annotated definitions are contracts for their callers in the file too
  // (`queue_request_and_unlock() __releases(fiq->lock)`, whose body drops it through an ops pointer).
  const primitives: PrimitiveSpec[] = [...files].flatMap(([path, text]) => (text === null ? [] : contractsOf(path, text, rules)));
  for (const p of paths) {
    if (budget.expired()) break;
    const own = files.get(p);
    // A header of the base tree by its blob id: the commits of a range include the same headers,
    // whose facts and contracts are then kept by id, and not read again at every commit.
    const blob = own == null && ws.baseFileId ? await ws.baseFileId(p) : null;
    if (blob && blob.size <= MAX_HEADER_BYTES) {
      let text: Promise<string | null> | null = null;
      const read = (): Promise<string | null> => (text ??= ws.readBaseFile(p));
      const bfacts = await factsForBlob(p, blob.oid, read, rules.model, rules.hash, cacheDir);
      const contracts = bfacts && (await blobContractsOf(p, blob.oid, read, rules));
      if (bfacts && contracts) {
        facts.push(bfacts);
        primitives.push(...contracts);
      }
      continue;
    }
    const text = own ?? (await ws.readBaseFile(p));
    if (text === null || text.length > MAX_HEADER_BYTES) continue;
    facts.push(factsFor(p, text, rules.model, rules.hash, cacheDir));
    primitives.push(...contractsOf(p, text, rules));
  }
  const named = namedCalls(rules);
  const helpers = new Set(facts.flatMap((f) => f.functions.map((fn) => fn.name)));
  return { facts: facts.map((f) => trustedPart(f, rules, named, helpers)), primitives };
}
