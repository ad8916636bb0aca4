// Rebuilds the mails of the real lock cases from fetched public-inbox archives: for each case of
// manifest.yml the fix mail (blob `m` of the archive commit, its Message-ID checked) and the bug
// mail (the same mail with its diff reversed). Written to bench/.work/lock-cases, never committed.
// Run: npx tsx bench/lock-cases/rebuild.ts [--mirror DIR]   (DIR holds <owner>+<name>/repo git dirs)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runGit } from '../../src/git/run-git.js';
import type { LockCase } from './manifest-types.js';
import { reverseMailDiff } from './reverse-diff.js';

const here = dirname(fileURLToPath(import.meta.url));
export const WORK = join(here, '..', '.work', 'lock-cases');

export function loadManifest(path = join(here, 'manifest.yml')): LockCase[] {
  return (parse(readFileSync(path, 'utf8')) as { cases: LockCase[] }).cases;
}

/** The git directory of a fetched archive (`fetch github:owner/name` puts it at <mirror>/<owner>+<name>/repo). */
export const archiveDir = (mirror: string, archive: string): string => join(mirror, archive.replace('/', '+'), 'repo');

export interface Rebuilt {
  c: LockCase;
  fix: string;
  bug: string;
}

/** The fix mail of a case and its reversal, or a one-line reason it cannot be rebuilt. */
export async function rebuildCase(c: LockCase, mirror: string): Promise<Rebuilt | string> {
  const dir = archiveDir(mirror, c.archive);
  const r = await runGit(dir, ['--git-dir', dir, 'cat-file', 'blob', `${c.commit}:m`]);
  if (r.code !== 0) return `${c.id}: ${c.archive} ${c.commit.slice(0, 12)} not readable in ${dir}: ${r.stderr.split('\n')[0]}`;
  const fix = r.stdout;
  const mid = /^Message-Id:\s*(<[^>]+>)/im.exec(fix)?.[1];
  if (mid !== c.messageId) return `${c.id}: the archive mail has Message-ID ${mid ?? 'none'}, the manifest says ${c.messageId}`;
  const bug = reverseMailDiff(fix);
  if (bug === null) return `${c.id}: the mail has no diff`;
  return { c, fix, bug };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--mirror');
  const mirror = i > 0 ? process.argv[i + 1] : '/work/.mirror';
  mkdirSync(WORK, { recursive: true });
  let ok = 0;
  for (const c of loadManifest()) {
    const r = await rebuildCase(c, mirror);
    if (typeof r === 'string') {
      console.error(r);
      continue;
    }
    writeFileSync(join(WORK, `${c.id}.fix.eml`), r.fix);
    writeFileSync(join(WORK, `${c.id}.bug.eml`), r.bug);
    ok++;
  }
  console.log(`rebuilt ${ok} cases into ${WORK}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
