// Reads a kernel MAINTAINERS file (sections of `X:\tvalue` lines) and answers which sections cover
// a path: F: patterns (a trailing `/` takes everything below, `*` and `?` stay within one path
// component), X: exclusions of the same form, N: regular expressions matched anywhere in the path.
// The file comes from a repository, so N: expressions run in RE2 (linear time, no backtracking).
import { stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { RE2JS } from 're2js';
import { KreviewError } from '../core/types.js';
import { runGit } from './run-git.js';
import { readAllLimited } from '../sources/ingest.js';

export interface MaintainersSection {
  name: string;
  /** `T:` lines as written: `git git://git.kernel.org/.../linux.git for-next`. */
  trees: string[];
  lists: string[];
  /** `F: *` and `F: *\/` (THE REST): covers any path, so says nothing about one. */
  catchAll: boolean;
}

interface Pattern {
  section: number;
  /** Literal pattern: exact file, or the directory it names and everything below. */
  literal: string | null;
  glob: RegExp | null;
}

export interface Maintainers {
  sections: MaintainersSection[];
  /** The sections (not THE REST) that cover `path`, in file order. */
  sectionsFor(path: string): MaintainersSection[];
  /**
   * Is the path's top directory one the file names (`drivers/`, `fs/`)? A new file in a new
   * directory is covered by no section yet and is still a kernel path; `tests/` or `cmds/` is not.
   */
  knowsTop(path: string): boolean;
}

const MAX_LINES = 200_000;
const MEMO_MAX = 8192;

function globToRegExp(pattern: string): RegExp {
  const dir = pattern.endsWith('/');
  const body = pattern
    .replace(/\/$/, '')
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // A directory pattern takes everything below it; a file pattern only itself.
  return new RegExp(`^${body}${dir ? '/' : '$'}`);
}

export function parseMaintainers(text: string): Maintainers {
  const sections: MaintainersSection[] = [];
  const byTop = new Map<string, Pattern[]>();
  const wild: Pattern[] = [];
  const tops = new Set<string>();
  const excludes = new Map<number, Pattern[]>();
  const regexes: { section: number; re: RE2JS }[] = [];
  let current = -1;
  const lines = text.split('\n', MAX_LINES);
  const toPattern = (section: number, value: string): Pattern => {
    const hasGlob = /[*?]/.test(value);
    return { section, literal: hasGlob ? null : value.replace(/\/$/, ''), glob: hasGlob ? globToRegExp(value) : null };
  };
  for (const raw of lines) {
    const line = raw.trimEnd();
    const m = /^([A-Z]):\s*(.*)$/.exec(line);
    if (!m) {
      // A section starts with its name on a line of its own; preamble lines make sections without patterns.
      if (line && !/^\s/.test(line)) {
        sections.push({ name: line.trim(), trees: [], lists: [], catchAll: false });
        current = sections.length - 1;
      }
      continue;
    }
    if (current < 0) continue;
    const [, tag, value] = m;
    const s = sections[current];
    if (tag === 'T') s.trees.push(value);
    else if (tag === 'L') s.lists.push(value.split(/\s/)[0]);
    else if (tag === 'F') {
      if (value === '*' || value === '*/') {
        s.catchAll = true;
        continue;
      }
      const p = toPattern(current, value);
      const top = value.split('/')[0];
      if (value.includes('/') && !/[*?]/.test(top)) tops.add(top);
      if (p.literal !== null || !/[*?]/.test(top)) byTop.set(top, [...(byTop.get(top) ?? []), p]);
      else wild.push(p);
    } else if (tag === 'X') excludes.set(current, [...(excludes.get(current) ?? []), toPattern(current, value)]);
    else if (tag === 'N') {
      try {
        regexes.push({ section: current, re: RE2JS.compile(value) });
      } catch {
        // A pattern RE2 cannot read covers nothing; the rest of the file still counts.
      }
    }
  }
  const hit = (p: Pattern, path: string): boolean =>
    p.literal !== null ? path === p.literal || path.startsWith(`${p.literal}/`) : p.glob!.test(path);
  // Patches of one area touch the same files again and again; a bounded memo keeps lookups cheap.
  const memo = new Map<string, MaintainersSection[]>();
  return {
    sections,
    knowsTop: (path) => path.includes('/') && tops.has(path.split('/')[0]),
    sectionsFor(path: string): MaintainersSection[] {
      const known = memo.get(path);
      if (known) return known;
      if (memo.size >= MEMO_MAX) memo.clear();
      const found = new Set<number>();
      for (const p of [...(byTop.get(path.split('/')[0]) ?? []), ...wild]) if (hit(p, path)) found.add(p.section);
      for (const r of regexes) if (r.re.matcher(path).find()) found.add(r.section);
      const out = [...found]
        .filter((i) => !(excludes.get(i) ?? []).some((x) => hit(x, path)))
        .sort((a, b) => a - b)
        .map((i) => sections[i]);
      memo.set(path, out);
      return out;
    },
  };
}

const loaded = new Map<string, { stamp: string; m: Maintainers }>();

/** The kernel's MAINTAINERS is under 1 MB; a file past this is not one (a device, a runaway log). */
const MAX_MAINTAINERS_BYTES = 32 << 20;

/**
 * The file read without blocking the event loop: a worker reads it at the start of a review, and a
 * file that is slow to read (a network mount, a pipe) must not stop it renewing its job's lock, or
 * the job is taken from it and run a second time. Bounded, so /dev/zero is one line, not a crash.
 */
async function readMaintainersFile(file: string): Promise<string> {
  try {
    return (await readAllLimited(createReadStream(file), MAX_MAINTAINERS_BYTES, (n) => `MAINTAINERS file ${file} is larger than ${n >> 20} MB; not read`)).toString('utf8');
  } catch (e) {
    if (e instanceof KreviewError) throw e;
    throw new KreviewError(`cannot read MAINTAINERS file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The MAINTAINERS to route by: a file the policy names, else the repository's at HEAD; parsed
 * once and again only when the file (its mtime and size, or its blob at HEAD) changed.
 * Null when there is neither.
 */
export async function loadMaintainers(file: string | null, repo: string | null): Promise<Maintainers | null> {
  if (file) {
    let stamp: string;
    try {
      const st = await stat(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch (e) {
      throw new KreviewError(`cannot read MAINTAINERS file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const hit = loaded.get(file);
    if (hit?.stamp === stamp) return hit.m;
    const m = parseMaintainers(await readMaintainersFile(file));
    loaded.set(file, { stamp, m });
    return m;
  }
  if (!repo) return null;
  const blob = await runGit(repo, ['rev-parse', '--verify', '-q', 'HEAD:MAINTAINERS'], { timeoutMs: 30_000 });
  if (blob.code !== 0) return null;
  const stamp = blob.stdout.trim();
  const hit = loaded.get(`repo:${repo}`);
  if (hit?.stamp === stamp) return hit.m;
  const text = await runGit(repo, ['cat-file', 'blob', stamp], { timeoutMs: 60_000 });
  if (text.code !== 0) return null;
  const m = parseMaintainers(text.stdout);
  loaded.set(`repo:${repo}`, { stamp, m });
  return m;
}
