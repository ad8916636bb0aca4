// A patch that takes away a NOFS/NOIO allocation scope. The kernel's rule for allocations in
// filesystem and I/O paths (Documentation/core-api/gfp_mask-from-fs-io.rst in the tree) is to open
// a memalloc_nofs_save()/memalloc_noio_save() scope where a lock that reclaim may need is taken or
// a transaction starts, so every allocation inside it stays out of filesystem reclaim; a mapping
// whose page cache must not recurse clears __GFP_FS from its gfp mask. Removing either lets
// reclaim run from inside that section again, re-enter the filesystem and wait on what the section
// holds. Read from the diff alone (the removed lines are in the mail), so it works hunk-only too.
//
// Quiet unless: the patch deletes the scope (or the mask), adds nothing that restricts allocations
// again in the same file (a GFP_NOFS/GFP_NOIO, another scope, a mask), and at least one call the
// scope covered still runs after the patch (the section's work is still done, now outside it).
// Whether reclaim can really need what the section holds is not known from the lines: a note of low
// confidence that asks.
import type { FileDiff, Finding, Hunk } from '../../src/core/types.js';

const SCOPE_OPEN = /\bmemalloc_(nofs|noio)_save\s*\(/;
const SCOPE_CLOSE = /\bmemalloc_(nofs|noio)_restore\s*\(/;
/** `mapping_set_gfp_mask(m, gfp & ~__GFP_FS)`: the mapping's page cache kept out of fs reclaim. */
const MASK = /\bmapping_set_gfp_mask\s*\(.*~\s*\(?\s*__GFP_(FS|IO)\b/;
/** An added line that restricts allocations again: the patch moved the protection, not dropped it. */
const RESTRICTS = /\bmemalloc_(nofs|noio)_save\s*\(|\bGFP_NO(FS|IO)\b|~\s*\(?\s*__GFP_(FS|IO)\b|\bmapping_set_gfp_mask\s*\(/;
const CALL = /\b([A-Za-z_]\w*)\s*\(/g;
const NOT_CALLS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', 'likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'BUG_ON']);
/** A definition's first line in kernel style: starts at column 0, names a function, no `;`. */
const DEFINITION = /^[A-Za-z_][^;=]*?\b([A-Za-z_]\w*)\s*\([^;]*$/;

interface OldLine {
  text: string;
  kind: 'ctx' | 'del';
  /** The new-file line a deletion is anchored to (the next line the patch keeps), or the context line's own. */
  anchor: number;
}

/** The old side of the hunks in order (context and deleted lines), each with a line of the new file to point at. */
function oldSide(h: Hunk): OldLine[] {
  const out: OldLine[] = [];
  let pending: OldLine[] = [];
  let last = Math.max(1, h.newStart);
  for (const l of h.lines) {
    if (l.kind === 'add') {
      if (l.newLine !== null) last = l.newLine;
      continue;
    }
    if (l.kind === 'del') {
      const o: OldLine = { text: l.text, kind: 'del', anchor: last };
      pending.push(o);
      out.push(o);
      continue;
    }
    if (l.newLine !== null) {
      for (const p of pending) p.anchor = l.newLine;
      pending = [];
      last = l.newLine;
    }
    out.push({ text: l.text, kind: 'ctx', anchor: l.newLine ?? last });
  }
  return out;
}

/** A line without its comment: `GFP_NOFS` named in a comment restricts nothing. */
const code = (text: string): string => (/^\s*(\*|\/\*|\/\/)/.test(text) ? '' : text.replace(/\/\*.*?(\*\/|$)|\/\/.*$/g, ''));

const callees = (text: string): string[] => [...code(text).matchAll(CALL)].map((m) => m[1]).filter((n) => !NOT_CALLS.has(n) && !SCOPE_OPEN.test(`${n}(`) && !SCOPE_CLOSE.test(`${n}(`));

/** The function a line of the old side belongs to: the nearest definition above it, else the @@ section's. */
function functionOf(lines: OldLine[], at: number, section: string): string | null {
  for (let i = at; i >= 0; i--) {
    const m = DEFINITION.exec(lines[i].text);
    if (m && !/^\s/.test(lines[i].text)) return m[1];
  }
  return /([A-Za-z_]\w*)\s*\(/.exec(section)?.[1] ?? null;
}

/** Findings for one file diff: each scope or mask the patch deletes with nothing in its place. */
export function droppedNofsScopes(diff: FileDiff, path: string): Finding[] {
  // Only a deleted scope or mask can be dropped: a patch that deletes none (most; a new file) is
  // not read further (the calls of every line of a 5,000-line file were collected for nothing).
  if (!diff.hunks.some((h) => h.lines.some((l) => l.kind === 'del' && (MASK.test(code(l.text)) || SCOPE_OPEN.test(code(l.text)))))) return [];
  const added = diff.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').map((l) => l.text));
  if (added.some((t) => RESTRICTS.test(code(t)))) return [];
  // What runs after the patch, as far as the diff shows: the calls of its added and context lines.
  const after = new Set(diff.hunks.flatMap((h) => h.lines.filter((l) => l.kind !== 'del').flatMap((l) => callees(l.text))));
  // A scope opened in one hunk may close in a later one (dquot_acquire): the old side is read as one sequence.
  const lines: OldLine[] = [];
  const sections: string[] = [];
  for (const h of diff.hunks) {
    for (const l of oldSide(h)) {
      lines.push(l);
      sections.push(h.section);
    }
  }
  const out: Finding[] = [];
  const told = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.kind !== 'del') continue;
    const mask = MASK.test(code(l.text));
    if (!mask && !SCOPE_OPEN.test(code(l.text))) continue;
    const fn = functionOf(lines, i, sections[i]);
    // The calls the scope covered: to its restore, or to the end of the function as far as seen.
    const covered: string[] = [];
    if (!mask) {
      for (let j = i + 1; j < lines.length && !SCOPE_CLOSE.test(lines[j].text); j++) {
        if (/^}/.test(lines[j].text) || (j > i + 1 && DEFINITION.test(lines[j].text) && !/^\s/.test(lines[j].text))) break;
        covered.push(...callees(lines[j].text));
      }
    }
    const still = [...new Set(covered.filter((c) => after.has(c)))];
    // A mask covers the mapping's page cache, not calls: it counts while the function that set it still runs.
    const stillRuns = mask ? fn !== null && after.size > 0 : still.length > 0;
    if (!stillRuns || told.has(`${fn}|${mask}`)) continue;
    told.add(`${fn}|${mask}`);
    const where = fn ? `${fn}()` : 'this code';
    const what = mask ? `no longer clears __GFP_FS from the mapping's gfp mask` : `no longer runs under ${/noio/.test(l.text) ? 'memalloc_noio_save()' : 'memalloc_nofs_save()'}`;
    const covers = mask
      ? 'Page cache allocations for this mapping may now enter filesystem reclaim'
      : `The allocations made by ${still.slice(0, 3).map((c) => `${c}()`).join(', ')}${still.length > 3 ? ' and others' : ''} may now enter filesystem reclaim`;
    out.push({
      id: 'lock/nofs-scope-dropped',
      severity: 'note',
      confidence: 'low',
      message: `${where} ${what}, and nothing in the patch restricts those allocations again.`,
      explanation: `${covers}, which can write back or evict through this filesystem and wait on what this path holds (a lock, a transaction, a page). Is the scope no longer needed here, or should the allocations be made with GFP_NOFS instead?`,
      location: { kind: 'file', path, line: l.anchor },
      basis: {
        path: [`the patch deletes \`${l.text.trim()}\` from ${where}`, ...(still.length ? [`${still.map((c) => `${c}()`).join(', ')} still run${still.length === 1 ? 's' : ''} where the scope covered ${still.length === 1 ? 'it' : 'them'}`] : [])],
        inferred: [],
        unknown: ['whether reclaim can need a lock or transaction held here'],
      },
    });
  }
  return out;
}
