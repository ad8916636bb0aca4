// Paths in diff headers: git's C-style quoting, the `a/` `b/` prefixes, and the safety rules a path
// from a stranger's mail must pass before anyone joins it to a repository directory.

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * Reads one C-quoted string (`"a/f\303\266o"`) at the start of `s`; returns the decoded text and what follows,
 * or null when `s` does not start with a well-formed quoted string.
 */
function readQuoted(s: string): { value: string; rest: string } | null {
  if (!s.startsWith('"')) return null;
  const bytes: number[] = [];
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), rest: s.slice(i + 1) };
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = s[++i];
    if (next === undefined) return null;
    if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next]);
    } else {
      return null;
    }
  }
  return null;
}

/** A path as written after `---`/`+++`/`rename from`: unquoted, timestamps (after a tab) removed. */
export function headerPath(field: string): string {
  const quoted = readQuoted(field);
  if (quoted) return quoted.value;
  const tab = field.indexOf('\t');
  return (tab === -1 ? field : field.slice(0, tab)).trimEnd();
}

/** Drops the first path component (`patch -p1`, what `git am` does); /dev/null stays as it is. */
export function stripComponent(path: string): string {
  if (path === '/dev/null') return path;
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

/** Why a path may not be used, or null when it is a safe relative path. */
export function unsafePathReason(path: string): string | null {
  if (path === '') return 'empty path';
  if (/[\x00-\x1f\x7f]/.test(path)) return 'control character in path';
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return 'absolute path';
  if (path.split(/[\\/]/).some((part) => part === '..')) return '".." in path';
  // git reads `<rev>:./x` as relative to a work tree (a bare repository's cat-file dies on it); git
  // itself never writes `.` or empty components, so such a path was made by hand.
  if (path.split('/').some((part) => part === '.')) return '"." in path';
  if (path.split('/').some((part) => part === '')) return 'empty component in path';
  if (path.split('/').some((part) => part.toLowerCase() === '.git')) return '".git" in path';
  return null;
}

/** The two paths of `diff --git a/x b/y`, when they can be told apart (quoted, or the same path twice). */
export function gitHeaderPaths(rest: string): [string, string] | null {
  const q1 = readQuoted(rest);
  if (q1) {
    const tail = q1.rest.trimStart();
    const q2 = readQuoted(tail);
    return [q1.value, q2 ? q2.value : tail];
  }
  const q2At = rest.indexOf(' "');
  if (q2At !== -1) {
    const q2 = readQuoted(rest.slice(q2At + 1));
    if (q2) return [rest.slice(0, q2At), q2.value];
  }
  // Unquoted names may hold spaces; the halves agree after the prefix unless the file was renamed.
  for (let i = rest.indexOf(' '); i !== -1; i = rest.indexOf(' ', i + 1)) {
    const a = rest.slice(0, i);
    const b = rest.slice(i + 1);
    if (stripComponent(a) === stripComponent(b)) return [a, b];
  }
  const at = rest.indexOf(' b/');
  return at === -1 ? null : [rest.slice(0, at), rest.slice(at + 1)];
}
