// Locks a function asserts to lockdep before it takes them (`lockdep_assert_held(&nn->client_lock)`):
// include/linux/lockdep.h makes that a runtime check that the caller holds the lock, the same
// contract as sparse's __must_hold(). The function then starts with the lock held.
import type { LockModel } from '../../src/c/lock-model.js';
import type { Held } from '../../src/c/lock-state.js';
import type { CFunction } from '../../src/c/parse.js';
import { lockClass, normaliseLockExpr } from '../../src/c/walk.js';
import { ANY_KIND } from '../../src/c/contracts.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `nn->client_lock` as a pattern that allows spaces between tokens and one leading `&`. */
function exprPattern(key: string): string {
  const tokens = key.match(/->|[A-Za-z_]\w*|\S/g) ?? [];
  return `&?\\s*${tokens.map(escape).join('\\s*')}`;
}

/**
 * The kind of lock `key` is, from the primitives that take or drop it by that name in `text`
 * (the function's file, or the hunks seen): `spin_lock(&nn->client_lock)` makes it a spinlock.
 * Null when no primitive names it, or two name it as different kinds.
 */
export function kindByUse(key: string, text: string, model: LockModel): { kind: string; acquiredAt: number[] } | null {
  const re = new RegExp(`\\b([A-Za-z_]\\w*)\\s*\\(\\s*(${exprPattern(key)})\\s*[,)]`, 'g');
  const kinds = new Set<string>();
  const acquiredAt: number[] = [];
  for (const m of text.matchAll(re)) {
    for (const p of model.lookup(m[1], [m[2]])) {
      if (p.arg !== 0 || p.key !== undefined || p.kind === ANY_KIND || model.kinds.get(p.kind)?.pseudo) continue;
      if (p.op !== 'acquire' && p.op !== 'release' && p.op !== 'conditional') continue;
      kinds.add(p.kind);
      if (p.op !== 'release') acquiredAt.push(text.slice(0, m.index).split('\n').length);
    }
  }
  return kinds.size === 1 ? { kind: [...kinds][0], acquiredAt } : null;
}

/**
 * Locks held on entry by the function's own lockdep assertions: a statement of the body's top
 * level (not under a condition) that no acquire of the same lock in the function comes before.
 */
export function assertedEntry(fn: CFunction, fileText: string, model: LockModel): Held[] {
  const names = model.syntax.assertHeld ?? [];
  if (names.length === 0 || !names.some((n) => fn.text.includes(n))) return [];
  const out: Held[] = [];
  for (const st of fn.body.namedChildren) {
    if (st.type !== 'expression_statement') continue;
    const call = st.namedChildren[0];
    if (call?.type !== 'call_expression') continue;
    const callee = call.childForFieldName('function')?.text ?? '';
    const arg = call.childForFieldName('arguments')?.namedChildren[0];
    if (!names.includes(callee) || !arg) continue;
    const key = normaliseLockExpr(arg.text, model.syntax.unwrap);
    if (out.some((h) => h.key === key)) continue;
    const line = st.startPosition.row + 1;
    const own = kindByUse(key, fn.text, model);
    if (own?.acquiredAt.some((l) => fn.startLine + l - 1 < line)) continue;
    const kind = own?.kind ?? kindByUse(key, fileText, model)?.kind;
    if (!kind) continue;
    const spec = model.kinds.get(kind);
    out.push({ key, kind, cls: lockClass(kind, key, spec?.sameClass ?? false, undefined, model.syntax.genericFields), line: fn.startLine, via: 'entry', status: 'held', definite: true, entry: true, origin: `${callee}(${arg.text}) at line ${line}` });
  }
  return out;
}
