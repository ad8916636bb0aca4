// The disk form of a file's facts (summaries.ts files them under their content id), and how it is
// read back into shared, read-only facts. Every name of the file (function names, callees,
// arguments, lock kinds a call runs without, locks held at it, parameters, lock classes of the
// order edges) is written once, in a JSON list (JSON.parse makes one string per process of each
// name of ten characters or fewer, and facts.ts's `named` keeps the longer ones once); every list
// of names once in a table; functions, calls and edges are unsigned LEB128 numbers indexing them.
// Read back, a list is one array for all the calls of the file that have it. REAL fs/ of
// linux-source-6.1, the 1,897 files a patch there summarises: 8.2 MB on disk instead of 28.5 MB of
// JSON, read back in 2.2 times less CPU than as JSON (JSON.parse, then merging names and empty
// lists), to 9% less heap. The objects made are equal in content and key order to what
// collectFacts returned (test/c/facts-store.test.ts).
import { named, NONE, type CallFact, type EdgeFact, type FileFacts, type FunctionFacts } from './facts.js';

/** The first byte of the disk form; a file that starts otherwise (a torn or foreign file) is not read. */
const MAGIC = 0x4b;
/** Call flags. */
const CONDITIONAL = 1;
const INDIRECT = 2;
const HOLDING = 4;
/** Function flags. */
const PARTIAL = 1;
const STATIC = 2;
const EXTRAS = 4;
/** The keys of FunctionFacts written whole, as JSON (rare, small): collectFacts sets them in this order, after isStatic and before params. */
const EXTRA_KEYS: ReadonlySet<string> = new Set(['acquires', 'returnsLocked', 'releases', 'releasesGlobal']);

class Writer {
  private buf = Buffer.allocUnsafe(1 << 12);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`facts-store: cannot write ${n}`);
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.uint(n);
    this.room(n);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** The disk form of `facts` (its path is not kept: the entry is read back under the path asked for). */
export function encodeFacts(facts: FileFacts): Buffer {
  const names: string[] = [];
  const nameAt = new Map<string, number>();
  const name = (s: string): number => {
    let i = nameAt.get(s);
    if (i === undefined) {
      i = names.length;
      names.push(s);
      nameAt.set(s, i);
    }
    return i;
  };
  const lists: number[][] = [];
  const listAt = new Map<string, number>();
  const list = (l: readonly string[]): number => {
    const ids = l.map(name);
    const k = ids.join(',');
    let i = listAt.get(k);
    if (i === undefined) {
      i = lists.length;
      lists.push(ids);
      listAt.set(k, i);
    }
    return i;
  };
  // Functions first into their own writer: the tables they fill are written before them.
  const body = new Writer();
  body.uint(facts.functions.length);
  for (const fn of facts.functions) {
    const extras: Record<string, unknown> = {};
    let hasExtras = false;
    for (const k of Object.keys(fn)) {
      if (EXTRA_KEYS.has(k)) {
        extras[k] = fn[k as keyof FunctionFacts];
        hasExtras = true;
      }
    }
    body.uint(name(fn.name));
    body.uint(fn.line);
    body.uint(fn.endLine);
    body.uint((fn.partial ? PARTIAL : 0) | (fn.isStatic ? STATIC : 0) | (hasExtras ? EXTRAS : 0));
    body.uint(fn.params ? list(fn.params) + 1 : 0);
    body.uint(fn.calls.length);
    for (const c of fn.calls) {
      body.uint(name(c.callee));
      body.uint(list(c.args));
      body.uint(c.line);
      body.uint(list(c.dropped));
      body.uint((c.conditional ? CONDITIONAL : 0) | (c.indirect ? INDIRECT : 0) | (c.holding ? HOLDING : 0));
      if (c.holding) body.uint(list(c.holding));
    }
    body.uint(fn.edges.length);
    for (const e of fn.edges) {
      body.uint(name(e.from));
      body.uint(name(e.to));
      body.uint(e.line);
      body.uint(e.fromOwner === undefined ? 0 : name(e.fromOwner) + 1);
      body.uint(e.toOwner === undefined ? 0 : name(e.toOwner) + 1);
    }
    if (hasExtras) body.text(JSON.stringify(extras));
  }
  const head = new Writer();
  head.uint(MAGIC);
  head.text(JSON.stringify(names));
  head.uint(lists.length);
  for (const l of lists) {
    head.uint(l.length);
    for (const i of l) head.uint(i);
  }
  return Buffer.concat([head.done(), body.done()]);
}

/**
 * Heap bytes of the objects decodeFacts makes, on 64-bit V8 (no pointer compression): an object is
 * 24 bytes and 8 per property, an array 32 and a backing store of 16 and 8 per element, a string
 * 16 and its characters rounded up to 8. Names of ten characters or fewer count nothing (V8 keeps
 * one of each per process); longer ones count once per file that has them, the names table's entry
 * included. Against the heap measured after full collections, a new process reading back the facts
 * of REAL linux-source-6.1: fs/ 0.92 of this sum, kernel/, mm/, fs/ext4 and net/core 1.04-1.05
 * (facts-memory.test.ts keeps it within bounds).
 */
const OBJECT = 24;
const SLOT = 8;
const ARRAY = 32 + 16;
const STRING = 16;
const NAME_ENTRY = 24;

/** The facts of `path` from their disk form (encodeFacts); throws on bytes that are not one (a torn write). */
export function decodeFacts(buf: Uint8Array, path: string): FileFacts {
  return decodeSized(buf, path).facts;
}

/** decodeFacts, with the heap bytes the facts take (estimated as above). */
export function decodeSized(buf: Uint8Array, path: string): { facts: FileFacts; bytes: number } {
  let heap = 0;
  let at = 0;
  const uint = (): number => {
    let b = buf[at++];
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let scale = 0x80;
    do {
      if (at >= buf.length) throw new Error('facts-store: truncated');
      b = buf[at++];
      n += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return n;
  };
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const text = (): string => {
    const n = uint();
    if (at + n > buf.length) throw new Error('facts-store: truncated');
    const s = bytes.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  if (buf.length === 0 || uint() !== MAGIC) throw new Error('facts-store: not stored facts');
  const names = JSON.parse(text()) as string[];
  if (!Array.isArray(names)) throw new Error('facts-store: not stored facts');
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (n.length > 10) heap += STRING + Math.ceil(n.length / 8) * 8 + NAME_ENTRY;
    names[i] = named(n);
  }
  const name = (): string => {
    const i = uint();
    if (i >= names.length) throw new Error('facts-store: bad name');
    return names[i];
  };
  const lists: string[][] = new Array(uint());
  for (let i = 0; i < lists.length; i++) {
    const l: string[] = new Array(uint());
    for (let j = 0; j < l.length; j++) l[j] = name();
    if (l.length) heap += ARRAY + SLOT * l.length;
    lists[i] = l.length ? l : NONE;
  }
  const list = (i: number): string[] => {
    if (i >= lists.length) throw new Error('facts-store: bad list');
    return lists[i];
  };
  const functions: FunctionFacts[] = new Array(uint());
  for (let f = 0; f < functions.length; f++) {
    const fnName = name();
    const line = uint();
    const endLine = uint();
    const flags = uint();
    const params = uint();
    const calls: CallFact[] = new Array(uint());
    for (let i = 0; i < calls.length; i++) {
      const call: CallFact = { callee: name(), args: list(uint()), line: uint(), dropped: list(uint()) };
      const cf = uint();
      if (cf & CONDITIONAL) call.conditional = true;
      if (cf & HOLDING) call.holding = list(uint());
      if (cf & INDIRECT) call.indirect = true;
      calls[i] = call;
      heap += OBJECT + SLOT * (cf ? 7 : 4);
    }
    heap += ARRAY + SLOT * calls.length;
    const edgeCount = uint();
    let edges: EdgeFact[] = NONE;
    if (edgeCount > 0) {
      edges = new Array(edgeCount);
      for (let i = 0; i < edgeCount; i++) {
        const edge: EdgeFact = { from: name(), to: name(), line: uint() };
        const from = uint();
        const to = uint();
        if (from) edge.fromOwner = names[from - 1];
        if (to) edge.toOwner = names[to - 1];
        edges[i] = edge;
        heap += OBJECT + SLOT * 5;
      }
      heap += ARRAY + SLOT * edgeCount;
    }
    const fn: FunctionFacts = { name: fnName, line, endLine, calls, edges, partial: (flags & PARTIAL) !== 0 };
    if (flags & STATIC) fn.isStatic = true;
    if (flags & EXTRAS) {
      Object.assign(fn, JSON.parse(text()) as object);
      heap += 4 * (OBJECT + 5 * SLOT);
    }
    if (params) fn.params = list(params - 1);
    functions[f] = fn;
    heap += OBJECT + SLOT * 12;
  }
  if (at !== buf.length) throw new Error('facts-store: trailing bytes');
  heap += OBJECT + ARRAY + SLOT * functions.length;
  return { facts: { path, functions }, bytes: heap };
}
