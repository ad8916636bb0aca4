// Local repositories that already hold most of a GitHub repository's history (a kernel mirror):
// `--mirror URL=PATH` or KREVIEW_MIRRORS. A clone of URL borrows PATH's objects (git alternates),
// so first contact fetches only what the mirror lacks: the pull request's own commits.
import { isAbsolute, resolve } from 'node:path';
import { KreviewError } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import { assertGitRepo, runGit } from '../git/run-git.js';

/** Normalised repository URL -> the mirror's objects directory. */
export type Mirrors = ReadonlyMap<string, string>;

/** The same repository however it is spelled: scheme and host in lower case, no trailing `/` or `.git`. */
export function normaliseRepoUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(trimmed);
  return m ? `${m[1].toLowerCase()}${m[2].toLowerCase()}${m[3]}` : trimmed;
}

/** One `URL=PATH` spec (the URL may itself hold '='; the last one separates). */
export function parseMirrorSpec(spec: string): { url: string; path: string } {
  const at = spec.lastIndexOf('=');
  const url = at > 0 ? spec.slice(0, at) : '';
  const path = at > 0 ? spec.slice(at + 1) : '';
  if (!/^https?:\/\//.test(url) || !path) throw new KreviewError(`--mirror ${JSON.stringify(spec)}: expected https://host/owner/repo=PATH`);
  return { url, path: isAbsolute(path) ? path : resolve(path) };
}

/** KREVIEW_MIRRORS: specs separated by white space. */
export function mirrorSpecsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KREVIEW_MIRRORS ?? '').split(/\s+/).filter(Boolean);
}

/** Check each mirror is a git repository and find its objects directory: a bad one stops start-up with one line. */
export async function resolveMirrors(specs: string[]): Promise<Mirrors> {
  const out = new Map<string, string>();
  for (const spec of specs) {
    const { url, path } = parseMirrorSpec(spec);
    // A mirror owned by another user (a shared /srv/linux.git) needs safe.directory: assertGitRepo says so.
    await assertGitRepo(path).catch((e: unknown) => {
      throw new KreviewError(`--mirror ${url}: ${errorMessage(e)}`);
    });
    const r = await runGit(path, ['rev-parse', '--path-format=absolute', '--git-path', 'objects'], { timeoutMs: 20_000 });
    if (r.code !== 0) throw new KreviewError(`--mirror ${url}: ${path} is not a git repository`);
    out.set(normaliseRepoUrl(url), r.stdout.trim());
  }
  return out;
}

export function mirrorFor(mirrors: Mirrors | undefined, url: string): string | null {
  return mirrors?.get(normaliseRepoUrl(url)) ?? null;
}
