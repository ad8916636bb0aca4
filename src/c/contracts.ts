// Lock contracts of called functions, read from the tree's own sparse annotations: a prototype or
// definition marked `__acquires(x)`, `__releases(x)` or `__cond_acquires(x)` tells every caller what
// the call does to lock x, even where the body is elsewhere or not C the engine can walk. Which kind
// of lock x is comes from its parameter's type or its field's name (rule data: syntax lock-types and
// lock-fields); `RCU` is the RCU read-side context. What cannot be told is left out, not guessed.
import type { PrimitiveSpec, SyntaxSpec } from './lock-model.js';

/**
 * The kind of a lock the annotation does not tell: the walk matches it by expression, a release to
 * the held lock, an acquire to the lock of that expression the caller held before (taken back).
 */
export const ANY_KIND = 'any';

const ANNOTATION = /\b(__acquires|__releases|__cond_acquires)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g;

interface Param {
  name: string;
  type: string;
}

/** Split a parameter list at the commas outside parentheses. */
function splitParams(list: string): Param[] {
  const out: Param[] = [];
  let depth = 0;
  let start = 0;
  const push = (s: string): void => {
    const t = s.trim();
    const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\])?$/.exec(t);
    if (m && t !== 'void') out.push({ name: m[1], type: t.slice(0, m.index).replace(/\s+/g, ' ').trim() });
    else out.push({ name: '', type: t });
  };
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      push(list.slice(start, i));
      start = i + 1;
    }
  }
  push(list.slice(start));
  return out;
}

/** The function a declaration text (ending just before an annotation) declares: its name and parameters. */
function declared(decl: string, skip: Set<string>): { name: string; params: Param[] } | null {
  let best: { name: string; params: Param[] } | null = null;
  for (const m of decl.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
    if (skip.has(m[1])) continue;
    // The balanced parameter list after the name.
    let depth = 0;
    let end = -1;
    for (let i = m.index + m[0].length - 1; i < decl.length; i++) {
      if (decl[i] === '(') depth++;
      else if (decl[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) continue;
    best = { name: m[1], params: splitParams(decl.slice(m.index + m[0].length, end)) };
  }
  return best;
}

/** The kind of the lock an annotation names, from its parameter's type or its field's name. */
function kindOf(param: Param, suffix: string, syntax: SyntaxSpec): string | null {
  if (suffix) {
    const field = /(\w+)$/.exec(suffix)?.[1] ?? '';
    return syntax.lockFields?.[field] ?? null;
  }
  const type = param.type.replace(/\*/g, '').replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  return syntax.lockTypes?.[type] ?? null;
}

const lineAt = (text: string, offset: number): number => {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * Lock primitives the annotated functions of one C text amount to. `path` names where each was
 * read (shown in notes as inferred). A function defined or declared more than once keeps its
 * first contract per lock.
 */
export function annotationContracts(path: string, text: string, syntax: SyntaxSpec): PrimitiveSpec[] {
  if (!/__(acquires|releases|cond_acquires)\b/.test(text)) return [];
  const skip = new Set([...syntax.ignoreCalls, ...syntax.acquires, ...syntax.releases, ...syntax.mustHold, '__cond_acquires', '__attribute__']);
  const out: PrimitiveSpec[] = [];
  const seen = new Set<string>();
  // Locks a function is annotated to drop and take again (`__releases(t->lock) __acquires(t->lock)`).
  const retaken = new Set<string>();
  const exprOf = new Map<PrimitiveSpec, string>();
  for (const m of text.matchAll(ANNOTATION)) {
    // The declaration runs from the end of the previous statement, block or directive to the annotation.
    const before = text.slice(Math.max(0, m.index - 600), m.index);
    const cut = Math.max(before.lastIndexOf(';'), before.lastIndexOf('}'), before.lastIndexOf('{'), before.lastIndexOf('#'), before.lastIndexOf('*/'));
    const fn = declared(before.slice(cut + 1), skip);
    if (!fn) continue;
    const expr = m[2].trim().replace(/^&\s*/, '').replace(/\s+/g, '');
    const op = m[1] === '__acquires' ? 'acquire' : m[1] === '__releases' ? 'release' : 'conditional';
    if (op === 'acquire') retaken.add(`${fn.name}\0${expr}`);
    const inferred = `${path}:${lineAt(text, m.index)} (${m[1]}(${m[2].trim()}))`;
    let spec: PrimitiveSpec | null = null;
    if (/^RCU$/i.test(expr)) {
      const kind = syntax.lockTypes?.RCU;
      if (!kind) continue;
      spec = { kind, op, name: fn.name, arg: null, key: 'rcu', unordered: true, inferred };
    } else {
      const at = /^\(?\*?([A-Za-z_]\w*)\)?((?:->|\.)[\w.>-]*)?$/.exec(expr);
      if (!at) continue;
      const arg = fn.params.findIndex((p) => p.name === at[1]);
      if (arg < 0) continue;
      // A release needs no kind: it drops whichever held lock has that expression (`fiq->lock`, a
      // field too generic to type by name). An acquire neither: it takes back the caller's lock of
      // that expression, dropped before the call (orangefs's wait for a reply returns with
      // op->lock held again); a lock the caller never held is not made up. A conditional one is left out.
      const kind = kindOf(fn.params[arg], at[2] ?? '', syntax) ?? (op !== 'conditional' ? ANY_KIND : null);
      if (!kind) continue;
      spec = { kind, op, name: fn.name, arg, inferred };
      if (at[2]) spec.suffix = at[2];
    }
    if (op === 'conditional') spec.success = 'true';
    const sig = `${fn.name}\0${op}\0${spec.arg}\0${spec.suffix ?? ''}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(spec);
    exprOf.set(spec, `${fn.name}\0${expr}`);
  }
  // Dropped and taken again, the caller's lock is held after the call: a release alone, without the
  // acquire of a kind not told, would say it was dropped.
  return out.filter((p) => p.kind !== ANY_KIND || p.op !== 'release' || !retaken.has(exprOf.get(p)!));
}
