// Builds the example history once, deterministically (fixed authors, dates and contents,
// so the same commit ids everywhere), with git fast-import into a cache directory.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../git/run-git.js';
import { KreviewError } from '../core/types.js';
import { story, type StoryCommit } from './story.js';

export const EXAMPLE_VERSION = 1;

export interface ExampleRepo {
  dir: string;
  /** Story name -> full commit id. */
  ids: Record<string, string>;
}

export function cacheDir(): string {
  return process.env.KREVIEW_CACHE ?? join(homedir(), '.cache', 'kreview');
}

/** `{{sha:name}}` -> full id, `{{sha12:name}}` -> 12 digits. */
export function expand(text: string, ids: Record<string, string>): string {
  return text.replace(/\{\{sha(12|8)?:([a-z0-9.-]+)\}\}/g, (_, len: string | undefined, name: string) => {
    const id = ids[name];
    if (!id) throw new Error(`example story: unknown commit ${name}`);
    return len ? id.slice(0, Number(len)) : id;
  });
}

function data(s: string): string {
  return `data ${Buffer.byteLength(s)}\n${s}\n`;
}

/** Adds one commit on `ref` with `parent` (a commit id) and returns its id. */
export async function importCommit(dir: string, c: Omit<StoryCommit, 'name'>, ref: string, parent: string | null, ids: Record<string, string>): Promise<string> {
  let stream = `commit ${ref}\nmark :1\n`;
  stream += `author ${c.author.name} <${c.author.email}> ${c.date} +0000\n`;
  stream += `committer ${c.author.name} <${c.author.email}> ${c.date} +0000\n`;
  stream += data(expand(c.message, ids));
  if (parent) stream += `from ${parent}\n`;
  for (const [path, content] of Object.entries(c.files)) stream += `M 100644 inline ${path}\n${data(content)}`;
  stream += `\nget-mark :1\n`;
  // One fast-import per commit lets later messages cite earlier ids; the story is short.
  const r = await runGit(dir, ['fast-import', '--quiet', '--cat-blob-fd=1'], { input: stream });
  if (r.code !== 0) throw new KreviewError(`cannot build the example history: ${r.stderr.trim().split('\n')[0]}`);
  return r.stdout.trim();
}

/** The example repository, built on first use. */
export async function buildExample(root = cacheDir()): Promise<ExampleRepo> {
  const dir = join(root, `example-v${EXAMPLE_VERSION}`);
  const done = join(dir, 'kreview-example.json');
  if (existsSync(done)) return { dir, ids: JSON.parse(readFileSync(done, 'utf8')) as Record<string, string> };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const init = await runGit(dir, ['init', '-q', '-b', 'master']);
  if (init.code !== 0) throw new KreviewError(`cannot create the example repository in ${dir}: ${init.stderr.trim()}`);
  const ids: Record<string, string> = {};
  let parent: string | null = null;
  for (const c of story) parent = ids[c.name] = await importCommit(dir, c, 'refs/heads/master', parent, ids);
  for (const c of story) if (c.tag) await runGit(dir, ['tag', c.tag, ids[c.name]]);
  await runGit(dir, ['reset', '-q', '--hard', 'master']);
  writeFileSync(done, JSON.stringify(ids, null, 2));
  return { dir, ids };
}
