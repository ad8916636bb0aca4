// What grew between two heap snapshots (e.g. from `bench/range-memory.ts --snapshots 1000,3000`):
// self size and count by constructor, the largest growth first, and for each of the top ones the
// retainer chains (a few levels up, weak edges skipped) that hold most of the later snapshot's
// bytes of it. Reads V8's .heapsnapshot JSON; nothing is run.
//
//   node --max-old-space-size=6000 --import tsx bench/heap-diff.ts early.heapsnapshot late.heapsnapshot [--top 15] [--depth 6]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

class Heap {
  readonly nf: number;
  readonly ef: number;
  readonly count: number;
  private readonly types: string[];
  private readonly edgeTypes: string[];
  /** First edge of each node (edges are stored node by node). */
  private readonly firstEdge: Uint32Array;
  /** Reverse edges: for each node, the edge indexes pointing at it. */
  private readonly revStart: Uint32Array;
  private readonly revEdges: Uint32Array;
  private readonly owner: Uint32Array;

  constructor(private readonly s: Snapshot) {
    const m = s.snapshot.meta;
    this.nf = m.node_fields.length;
    this.ef = m.edge_fields.length;
    this.types = m.node_types[0];
    this.edgeTypes = m.edge_types[0];
    this.count = s.nodes.length / this.nf;
    const ec = m.node_fields.indexOf('edge_count');
    this.firstEdge = new Uint32Array(this.count + 1);
    const edgeCount = s.edges.length / this.ef;
    this.owner = new Uint32Array(edgeCount);
    for (let i = 0, e = 0; i < this.count; i++) {
      this.firstEdge[i] = e;
      const n = s.nodes[i * this.nf + ec];
      for (let k = 0; k < n; k++) this.owner[e + k] = i;
      e += n;
    }
    this.firstEdge[this.count] = edgeCount;
    const to = (e: number) => s.edges[e * this.ef + 2] / this.nf;
    const counts = new Uint32Array(this.count + 1);
    for (let e = 0; e < edgeCount; e++) counts[to(e) + 1]++;
    for (let i = 0; i < this.count; i++) counts[i + 1] += counts[i];
    this.revStart = counts.slice();
    this.revEdges = new Uint32Array(edgeCount);
    const fill = counts.slice();
    for (let e = 0; e < edgeCount; e++) this.revEdges[fill[to(e)]++] = e;
  }

  type(i: number): string {
    return this.types[this.s.nodes[i * this.nf]];
  }
  name(i: number): string {
    return this.s.strings[this.s.nodes[i * this.nf + 1]];
  }
  self(i: number): number {
    return this.s.nodes[i * this.nf + 3];
  }
  /** Constructor-like key: strings and code are lumped by type, objects by name. */
  key(i: number): string {
    const t = this.type(i);
    if (t === 'string' || t === 'concatenated string' || t === 'sliced string' || t === 'number' || t === 'code' || t === 'hidden') return `(${t})`;
    if (t === 'array') return `(array) ${this.name(i).slice(0, 40)}`;
    return `${t} ${this.name(i).slice(0, 60)}`;
  }
  edgeLabel(e: number): string {
    const t = this.edgeTypes[this.s.edges[e * this.ef]];
    const n = this.s.edges[e * this.ef + 1];
    return t === 'element' || t === 'hidden' ? `[${t === 'hidden' ? 'h' : n}]` : `.${this.s.strings[n]}`;
  }
  /** The node an edge named `name` of node `i` points at, or -1. */
  child(i: number, name: string): number {
    for (let e = this.firstEdge[i]; e < this.firstEdge[i + 1]; e++) {
      const t = this.edgeType(e);
      if (t !== 'element' && t !== 'hidden' && this.s.strings[this.s.edges[e * this.ef + 1]] === name) return this.s.edges[e * this.ef + 2] / this.nf;
    }
    return -1;
  }
  edgeType(e: number): string {
    return this.edgeTypes[this.s.edges[e * this.ef]];
  }
  /** The first strong retainer of a node (weak and shortcut edges skipped), or -1. */
  retainer(i: number): { from: number; edge: number } | null {
    for (let r = this.revStart[i]; r < this.revStart[i + 1]; r++) {
      const e = this.revEdges[r];
      const t = this.edgeType(e);
      if (t === 'weak' || t === 'shortcut') continue;
      const from = this.owner[e];
      if (this.type(from) === 'synthetic') continue;
      return { from, edge: e };
    }
    return null;
  }
}

function bySelf(h: Heap): Map<string, { bytes: number; n: number }> {
  const out = new Map<string, { bytes: number; n: number }>();
  for (let i = 0; i < h.count; i++) {
    const k = h.key(i);
    const e = out.get(k) ?? { bytes: 0, n: 0 };
    e.bytes += h.self(i);
    e.n++;
    out.set(k, e);
  }
  return out;
}

const [a, b] = process.argv.slice(2).filter((x) => x.endsWith('.heapsnapshot'));
if (!a || !b) throw new Error('give two .heapsnapshot files, earlier first');
const top = Number(arg('--top', '15'));
const depth = Number(arg('--depth', '6'));
const earlyHeap = new Heap(JSON.parse(readFileSync(a, 'utf8')) as Snapshot);
const early = bySelf(earlyHeap);
const late = new Heap(JSON.parse(readFileSync(b, 'utf8')) as Snapshot);
const lateBy = bySelf(late);
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
const growth = [...lateBy].map(([k, v]) => ({ k, d: v.bytes - (early.get(k)?.bytes ?? 0), dn: v.n - (early.get(k)?.n ?? 0), v })).sort((x, y) => y.d - x.d);
const total = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((s, v) => s + v.bytes, 0);
console.log(`self bytes: ${kb(total(early))} -> ${kb(total(lateBy))}`);
for (const g of growth.slice(0, top)) console.log(`${kb(g.d).padStart(10)} ${String(g.dn).padStart(8)} objects  ${g.k}  (now ${kb(g.v.bytes)}, ${g.v.n})`);

/** Node `i`'s retainers, `depth` levels up, as one line: where it is held. */
function retainerChain(h: Heap, i: number): string {
  const parts: string[] = [];
  let at = i;
  for (let d = 0; d < depth; d++) {
    const r = h.retainer(at);
    if (!r) break;
    const label = h.edgeLabel(r.edge);
    // Entries of one container are one place: indexes (and a map's keys) are dropped.
    parts.push(`${h.key(r.from)}${/^(\[|\.\d)/.test(label) || (label.startsWith('.') && /part of key/.test(label)) ? '[]' : label}`);
    at = r.from;
    // A closure's variable or a module's binding names the place: no need to go further up.
    if (h.edgeType(r.edge) === 'context') break;
  }
  return parts.join(' <- ');
}

/** Self bytes of the nodes of `key`, by retainer chain. */
function chains(h: Heap, key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < h.count; i++) {
    if (h.key(i) !== key) continue;
    const chain = retainerChain(h, i);
    out.set(chain, (out.get(chain) ?? 0) + h.self(i));
  }
  return out;
}

for (const g of growth.slice(0, Number(arg('--chains', '4')))) {
  const before = chains(earlyHeap, g.k);
  const after = chains(late, g.k);
  const grew = [...after].map(([c, n]) => [c, n - (before.get(c) ?? 0), n] as const).sort((x, y) => y[1] - x[1]);
  console.log(`\n${g.k}: grew where held by`);
  for (const [c, d, n] of grew.slice(0, 8)) console.log(`  ${kb(d).padStart(10)} (now ${kb(n)})  ${c}`);
}

/**
 * Texts kept alive through sliced strings: V8 makes a substring of 13 characters or more a view
 * into its parent, so a short name kept in a memo can hold a whole file's text. Parent bytes by
 * the chain holding the slice (each parent counted once, for the first slice met).
 */
function slicedParents(h: Heap): Map<string, number> {
  const out = new Map<string, number>();
  const claimed = new Set<number>();
  for (let i = 0; i < h.count; i++) {
    if (h.type(i) !== 'sliced string') continue;
    const parent = h.child(i, 'parent');
    if (parent < 0 || claimed.has(parent)) continue;
    claimed.add(parent);
    const chain = retainerChain(h, i);
    out.set(chain, (out.get(chain) ?? 0) + h.self(parent));
  }
  return out;
}

if (process.argv.includes('--sliced')) {
  const before = slicedParents(earlyHeap);
  const after = slicedParents(late);
  console.log(`\ntexts held through sliced strings: ${kb([...before.values()].reduce((s, n) => s + n, 0))} -> ${kb([...after.values()].reduce((s, n) => s + n, 0))}`);
  const grew = [...after].map(([c, n]) => [c, n - (before.get(c) ?? 0), n] as const).sort((x, y) => y[2] - x[2]);
  for (const [c, d, n] of grew.slice(0, 12)) console.log(`  ${kb(n).padStart(10)} (grew ${kb(d)})  ${c}`);
}
