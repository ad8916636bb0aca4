// Every commit object of a list known in advance (a range from rev-list), read by ONE
// `git cat-file --batch --buffer` that is given the whole list at once. Without --buffer git
// writes each object with three system calls and the reader wakes for each (on iproute2's 7,015
// commits: 21,000 writes by git; with it, git fills its output buffer and writes a few hundred).
// The reader pauses git's output while enough parsed commits wait to be taken, so a long range
// is never held whole in memory.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { KreviewError, type Person } from '../core/types.js';
import { parseCommitHead } from './commit-object.js';
import { spawnGit } from './run-git.js';

/** A commit object as a range reader needs it. */
export interface StreamedCommit {
  oid: string;
  parents: string[];
  author: Person;
  /** Author date, seconds since the epoch. */
  adate: number;
  message: string;
}

/** Parsed commits waiting to be taken before git's output is paused. */
const HIGH_WATER = 512;
/** No byte from git for this long while a commit is awaited: it is stopped. */
const STALL_MS = 60_000;

export class CommitStream {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly ready: StreamedCommit[] = [];
  private head = 0;
  /** Replies parsed so far (the index of the next query answered). */
  private answered = 0;
  /** Bytes received and not parsed yet, and how many (a commit larger than a chunk spans several). */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the reply being received needs before parsing is tried again (a huge message is joined once, not per chunk). */
  private need = 0;
  private failure: KreviewError | null = null;
  private ended = false;
  private paused = false;
  private stderr = '';
  private wake: (() => void) | null = null;

  /** `label` names the range in messages (`commit X of <label> cannot be read`). */
  constructor(
    readonly repo: string,
    private readonly oids: string[],
    private readonly label: string,
    private readonly stallMs = STALL_MS,
  ) {
    this.child = spawnGit(repo, ['cat-file', '--batch', '--buffer']);
    this.child.stdout.on('data', (b: Buffer) => this.take(b));
    this.child.stderr.on('data', (b: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += b.toString('utf8');
    });
    // git stops reading its input when it fails; that is told by its exit, not by the pipe.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (e) => this.fail(`cannot run git cat-file in ${repo}: ${e.message}`));
    this.child.on('close', (code) => {
      this.ended = true;
      if (!this.failure && this.answered < this.oids.length) {
        this.fail(`git cat-file in ${repo} exited (${code}) after ${this.answered} of ${this.oids.length} commits of ${label}: ${this.stderr.split('\n')[0] ?? ''}`.trim());
      }
      this.notify();
    });
    this.child.stdin.end(oids.length ? oids.join('\n') + '\n' : '');
  }

  /** The next commit in the order of the list; null after the last. Throws at a commit that cannot be read (those before it were handed out). */
  async next(): Promise<StreamedCommit | null> {
    for (;;) {
      if (this.head < this.ready.length) {
        const c = this.ready[this.head++];
        if (this.head === this.ready.length) {
          this.ready.length = 0;
          this.head = 0;
        } else if (this.head >= HIGH_WATER) {
          // A caller slower than git never empties the queue: the commits it took are let go here,
          // or a whole range's commits would stay behind `head`.
          this.ready.splice(0, this.head);
          this.head = 0;
        }
        if (this.paused && this.ready.length - this.head < HIGH_WATER / 2) {
          this.paused = false;
          this.child.stdout.resume();
        }
        return c;
      }
      if (this.failure) throw this.failure;
      if (this.answered === this.oids.length) return null;
      if (this.ended) throw new KreviewError(`git cat-file in ${this.repo} ended before the commits of ${this.label} were read`);
      if (this.paused) {
        this.paused = false;
        this.child.stdout.resume();
      }
      await this.waitForData();
    }
  }

  /** Stops git (if still running); commits not taken are dropped. */
  close(): void {
    this.ended = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private waitForData(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.fail(`git cat-file in ${this.repo} sent nothing for ${this.stallMs} ms while reading ${this.label}; stopped`);
        this.close();
        this.notify();
      }, this.stallMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private fail(why: string): void {
    this.failure ??= new KreviewError(why);
    this.notify();
  }

  /** Parses every complete reply of the bytes so far; the incomplete tail waits for more. */
  private take(chunk: Buffer): void {
    if (this.failure) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.need) return;
    const buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    this.need = 0;
    let pos = 0;
    while (this.answered < this.oids.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      // `<oid> commit <size>`, or `<query> missing` (and `ambiguous`, never for a full id).
      const header = buf.toString('latin1', pos, nl);
      const sp1 = header.indexOf(' ');
      const sp2 = header.indexOf(' ', sp1 + 1);
      const query = this.oids[this.answered];
      if (sp2 < 0 || header.slice(sp1 + 1, sp2) !== 'commit') {
        this.fail(`commit ${query} of ${this.label} cannot be read from ${this.repo}`);
        this.close();
        return;
      }
      const size = Number(header.slice(sp2 + 1));
      const end = nl + 1 + size;
      // The object and the newline after it.
      if (buf.length < end + 1) {
        this.need = end + 1 - pos;
        break;
      }
      this.ready.push(parseStreamed(header.slice(0, sp1), buf, nl + 1, end));
      this.answered++;
      pos = end + 1;
    }
    // Copied: the tail must not pin a whole chunk.
    const rest = pos >= buf.length ? null : Buffer.from(buf.subarray(pos));
    this.chunks = rest ? [rest] : [];
    this.buffered = rest ? rest.length : 0;
    if (!this.paused && this.ready.length - this.head >= HIGH_WATER) {
      this.paused = true;
      this.child.stdout.pause();
    }
    this.notify();
  }
}

/** A commit object's parents, author and message, from its bytes `start..end` of `buf`. */
function parseStreamed(oid: string, buf: Buffer, start: number, end: number): StreamedCommit {
  // The header ends at the first empty line; a message is UTF-8 text after it.
  let split = buf.indexOf('\n\n', start);
  if (split < 0 || split + 1 >= end) split = end;
  const head = parseCommitHead(buf.toString('utf8', start, split));
  const message = split + 2 <= end ? buf.toString('utf8', split + 2, end) : '';
  return { oid, parents: head.parents, author: head.author, adate: head.adate, message };
}
