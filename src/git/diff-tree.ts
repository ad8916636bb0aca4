// A long-lived `git diff-tree --stdin -p` process: one commit diff per request, pipelined. diff-tree
// echoes any input line that is not an object id, so a marker line after each request ends its reply.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { KreviewError } from '../core/types.js';
import { isFullOid, spawnGit } from './run-git.js';

// No line of `-p` output starts with ':' (content lines carry a ' ', '+', '-' or '\' first).
const MARKER = ':kreview-diff-end';

interface Pending {
  resolve: (diff: string) => void;
  reject: (e: Error) => void;
}

/** A History that can also hand out commit diffs from its long-lived diff-tree process. */
export interface DiffSource {
  diffOf(commit: string, parent: string | null): Promise<string>;
}

export function isDiffSource(x: unknown): x is DiffSource {
  return typeof (x as Partial<DiffSource> | null)?.diffOf === 'function';
}

export class DiffTree {
  private child: ChildProcessWithoutNullStreams | null = null;
  private inFlight: Pending[] = [];
  private text = '';
  private closed = false;

  constructor(readonly repo: string) {}

  /** The `-p -M` diff of `commit` against `parent` (null: against the empty tree). */
  diff(commit: string, parent: string | null): Promise<string> {
    if (this.closed) return Promise.reject(new KreviewError(`git diff-tree for ${this.repo} is closed`));
    if (!isFullOid(commit) || (parent !== null && !isFullOid(parent))) {
      return Promise.reject(new KreviewError(`diff of ${commit}: not a full commit id`));
    }
    return new Promise((resolve, reject) => {
      const child = this.ensureChild();
      this.inFlight.push({ resolve, reject });
      // A lone root commit id prints its diff against the empty tree (--root).
      child.stdin.write(`${parent ? `${commit} ${parent}` : commit}\n${MARKER}\n`);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new KreviewError(`git diff-tree for ${this.repo} was closed`));
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawnGit(this.repo, ['diff-tree', '--stdin', '--root', '-p', '-M', '--no-color', '--full-index', '--no-commit-id']);
    this.child = child;
    this.text = '';
    // A multi-byte character may be split between two chunks.
    const decoder = new StringDecoder('utf8');
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      this.text += decoder.write(b);
      this.parse();
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      const owed = this.inFlight;
      this.inFlight = [];
      for (const p of owed) p.reject(new KreviewError(why));
    };
    child.on('error', (e) => gone(`cannot run git diff-tree in ${this.repo}: ${e.message}`));
    child.on('close', (code) => gone(`git diff-tree in ${this.repo} exited (${code}): ${stderr.split('\n')[0] ?? ''}`.trim()));
    return child;
  }

  private parse(): void {
    for (;;) {
      const at = this.text.startsWith(MARKER + '\n') ? 0 : this.text.indexOf('\n' + MARKER + '\n');
      if (at < 0) return;
      const end = at === 0 ? 0 : at + 1;
      const diff = this.text.slice(0, end);
      this.text = this.text.slice(end + MARKER.length + 1);
      this.inFlight.shift()?.resolve(diff);
    }
  }

  private fail(err: Error): void {
    const child = this.child;
    this.child = null;
    const owed = this.inFlight;
    this.inFlight = [];
    for (const p of owed) p.reject(err);
    if (child) {
      child.stdin.end();
      child.kill();
    }
  }
}
