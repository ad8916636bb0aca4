// The lines of a pull request's diff that GitHub accepts review comments on, read from the
// per-file `patch` text that pulls.listFiles returns (the same diff GitHub anchors comments to).

export interface PrFileDiff {
  path: string;
  status: string;
  /** Head-side lines inside a hunk (added or context): commentable with side RIGHT. */
  right: Set<number>;
  /** Lines added by the PR. */
  added: Set<number>;
  /** Base-side lines inside a hunk (deleted or context): commentable with side LEFT. */
  left: Set<number>;
}

export type PrDiff = Map<string, PrFileDiff>;

/** One entry of pulls.listFiles, as much of it as kreview reads. */
export interface PrFileEntry {
  filename: string;
  status: string;
  patch?: string | null;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function prDiffFromFiles(files: PrFileEntry[]): PrDiff {
  const diff: PrDiff = new Map();
  for (const f of files) {
    const entry: PrFileDiff = { path: f.filename, status: f.status, right: new Set(), added: new Set(), left: new Set() };
    diff.set(f.filename, entry);
    // GitHub leaves `patch` out for binary and very large files: nothing is commentable there.
    if (!f.patch) continue;
    let oldLine = 0;
    let newLine = 0;
    for (const line of f.patch.split('\n')) {
      const h = HUNK_HEADER.exec(line);
      if (h) {
        oldLine = Number(h[1]);
        newLine = Number(h[3]);
        continue;
      }
      if (line.startsWith('+')) {
        entry.right.add(newLine);
        entry.added.add(newLine++);
      } else if (line.startsWith('-')) {
        entry.left.add(oldLine++);
      } else if (line.startsWith(' ') || line === '') {
        if (oldLine === 0 && newLine === 0) continue;
        entry.right.add(newLine++);
        entry.left.add(oldLine++);
      }
      // `\ No newline at end of file` takes no line.
    }
  }
  return diff;
}
