// Placing a mail's hunks in a base file they do not apply to exactly, the way a maintainer would
// with `git apply -C<n>`: git is asked to apply them with less context matching, in a scratch
// directory (never the repository), and the file it writes is the post-image. The strict applier
// then locates each hunk again with the same reduced context, only to number the lines; the two
// must agree to the byte, or the placement is not used.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileDiff, Hunk } from '../core/types.js';
import { applyHunks } from './apply-hunks.js';
import { diffText } from './route.js';
import { runGit } from './run-git.js';

/** Context lines that must still match at each end of a hunk, tried in this order (git apply -C). */
export const FUZZ_CONTEXTS = [2, 1] as const;

const APPLY_TIMEOUT_MS = 30_000;

export interface Placement {
  /** The post-image git wrote. */
  text: string;
  /** The hunks as placed (patch numbering, dropped context removed) and their shifts to the images. */
  hunks: Hunk[];
  shifts: { old: number; new: number }[];
  /** The `-C` it took: context lines that matched at each end of every hunk, at least. */
  context: number;
  /** Context lines of the mail that did not match the base and were dropped. */
  dropped: number;
}

/**
 * `f`'s hunks placed in `pre` with reduced context, or a one-line reason they cannot be. The file
 * is written under a fixed name in a fresh scratch directory: nothing of the mail names a path there.
 */
export async function placeWithReducedContext(pre: string, f: FileDiff, maxLines: number): Promise<Placement | string> {
  if (f.binary || !f.oldPath || !f.newPath || !f.hunks.length) return 'only a modified text file can be placed';
  // A file past the line limit is not built by the strict applier either: no copy, no git for it.
  let lines = 0;
  for (let i = pre.indexOf('\n'); i >= 0 && lines <= maxLines; i = pre.indexOf('\n', i + 1)) lines++;
  if (lines > maxLines) return `the base's file has more than ${maxLines} lines (limits.linesPerFile)`;
  const dir = mkdtempSync(join(tmpdir(), 'kreview-place-'));
  try {
    const file = join(dir, 'f');
    const patch = diffText([{ ...f, oldPath: 'f', newPath: 'f', status: 'modified', oldBlob: null, newBlob: null }]);
    let last = '';
    for (const context of FUZZ_CONTEXTS) {
      writeFileSync(file, pre);
      const r = await runGit(dir, ['apply', `-C${context}`, '--recount', '-'], { input: patch, timeoutMs: APPLY_TIMEOUT_MS });
      if (r.code !== 0) {
        last = r.stderr.trim().split('\n').find((l) => l.startsWith('error:')) ?? r.stderr.trim().split('\n')[0] ?? `git apply exited ${r.code}`;
        continue;
      }
      const text = readFileSync(file, 'utf8');
      const ours = applyHunks(pre, f.hunks, maxLines, context);
      if (!ours.ok || !ours.placed) return `git apply -C${context} placed the hunks, but they could not be located to number their lines: ${ours.ok ? 'no placement' : ours.reason}`;
      if (ours.text !== text) return `git apply -C${context} placed the hunks elsewhere than the strict applier finds them`;
      return { text, hunks: ours.placed.hunks, shifts: ours.shifts, context, dropped: ours.placed.dropped };
    }
    return `not even with ${FUZZ_CONTEXTS.at(-1)} line of context matching (${last})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
