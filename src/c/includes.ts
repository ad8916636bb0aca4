// The headers a C file includes, as paths of the tree: where the static inline helpers and the
// annotated prototypes of the functions it calls are. One level only (a header's own includes are
// not followed), so the set stays small and bounded.

/** Most headers taken from one file: the first ones included are the file's own subsystem's. */
export const MAX_INCLUDES = 48;

/**
 * Paths of the headers `text` (the file at `path`) includes: `"foo.h"` relative to the file's
 * directory, `<linux/foo.h>` under the tree's `include/`. Paths that leave the tree are dropped.
 */
export function includedHeaders(path: string, text: string, max = MAX_INCLUDES): string[] {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]/gm)) {
    const rel = m[2].trim();
    if (!rel.endsWith('.h')) continue;
    const joined = m[1] === '"' ? (dir ? `${dir}/${rel}` : rel) : `include/${rel}`;
    const p = normalise(joined);
    if (p === null || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    if (out.length >= max) break;
  }
  return out;
}

/** `a/b/../c.h` -> `a/c.h`; null when it climbs above the tree's root. */
function normalise(p: string): string | null {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}
