// Release tags of a repository: names matching a glob (`v*`), peeled to commits, oldest first.
import { LinearRegExp } from '../core/safe-regex.js';
import { KreviewError } from '../core/types.js';
import { runGit } from './run-git.js';

export interface ReleaseTag {
  name: string;
  commit: string;
}

/** A git-style glob (`*`, `?`, `[...]`) on a whole tag name, as a RegExp matched in linear time (the glob may come from a repository's settings). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += '[' + (body.startsWith('!') ? '^' + body.slice(1) : body) + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new LinearRegExp(`^${re}$`);
}

/** Every tag of the repository that points (through tag objects) at a commit. */
export async function listTags(repo: string): Promise<ReleaseTag[]> {
  const r = await runGit(repo, ['for-each-ref', '--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)', 'refs/tags']);
  if (r.code !== 0) throw new KreviewError(`cannot list the tags of ${repo}: ${r.stderr.split('\n')[0]}`);
  const tags: ReleaseTag[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [name, type, oid, peeledType, peeled] = line.split('\0');
    if (type === 'commit') tags.push({ name, commit: oid });
    else if (peeledType === 'commit') tags.push({ name, commit: peeled });
  }
  return tags;
}

/** One collator for every comparison: `localeCompare` with options builds a new one per call. Made at the first (10 ms). */
let numeric: Intl.Collator | null = null;

/** Compare tag names the way people read versions: v5.9 < v5.10, v6.1-rc1 < v6.1. */
export function compareVersions(a: string, b: string): number {
  const split = (s: string) => {
    const rc = /^(.*?)-rc(\d+)$/.exec(s);
    return { base: rc ? rc[1] : s, rc: rc ? Number(rc[2]) : Infinity };
  };
  const x = split(a);
  const y = split(b);
  numeric ??= new Intl.Collator('en', { numeric: true });
  const c = numeric.compare(x.base, y.base);
  if (c !== 0) return c;
  return x.rc === y.rc ? a.localeCompare(b) : x.rc - y.rc;
}
