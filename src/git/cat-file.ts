// A long-lived `git cat-file` process: many requests pipelined through one child, replies parsed
// in order; restarted if git dies, stopped by close(). It runs `--batch-command --buffer` (git 2.36+):
// git holds its answers until the `flush` that ends each write, and writes them together. Plain
// `--batch`/`--batch-check` flush every answer on its own (17,000 writes by git on DPDK's
// whole-history Fixes review, and the reader woke for each). An older git that refuses the option is
// run the plain way, found out once per process.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { KreviewError } from '../core/types.js';
import { spawnGit } from './run-git.js';

export type CatFileReply =
  | { query: string; status: 'found'; oid: string; type: string; size: number; content: Buffer | null }
  | { query: string; status: 'missing' | 'ambiguous' };

interface Pending {
  query: string;
  resolve: (r: CatFileReply) => void;
  reject: (e: Error) => void;
}

const MAX_RESTARTS = 3;

/** Does this machine's git take `--batch-command`? Unknown until a process says no (then plain for the rest of the run). */
let batchCommand = true;
/** git before 2.36 refusing the option: `error: unknown option `batch-command'`, exit 129. */
const NO_BATCH_COMMAND = /unknown option.*batch-command/;
/** A process that lived this long since the last restart was healthy: the restart budget starts again. */
const HEALTHY_MS = 30_000;

export class CatFile {
  private child: ChildProcessWithoutNullStreams | null = null;
  /** Requests written to the current child, oldest first. */
  private inFlight: Pending[] = [];
  /** Queries accepted but not yet written to the child. */
  private outgoing: string[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the oldest reply still needs before parsing is worth trying (large blobs). */
  private need = 0;
  private restarts = 0;
  private lastRestart = 0;
  private closed = false;
  private watchdog: NodeJS.Timeout | null = null;
  /** When the last request was made or answer came (performance.now()). */
  private lastActivity = 0;
  /** The current child speaks `--batch-command` (else plain --batch/--batch-check, one answer per line). */
  private commands = false;

  constructor(
    readonly repo: string,
    readonly mode: 'batch' | 'batch-check',
    private readonly timeoutMs = 60_000,
    private readonly healthyMs = HEALTHY_MS,
  ) {}

  /** Ask about one object name (`<oid>`, a prefix, `<rev>:<path>`, `HEAD^{commit}`). */
  request(query: string): Promise<CatFileReply> {
    if (this.closed) return Promise.reject(new KreviewError(`git cat-file for ${this.repo} is closed`));
    // The protocol is line based: a newline would become a second request.
    if (/[\n\r\0]/.test(query)) return Promise.reject(new KreviewError(`object name ${JSON.stringify(query)} contains a line break; refused`));
    return new Promise((resolve, reject) => {
      const p: Pending = { query, resolve, reject };
      this.ensureChild();
      this.inFlight.push(p);
      this.outgoing.push(query);
      // Requests made in the same turn of the event loop (every review in flight) go to git in one write, not one syscall each.
      if (this.outgoing.length === 1) setImmediate(() => this.sendOutgoing());
      this.armWatchdog();
    });
  }

  private sendOutgoing(): void {
    const lines = this.outgoing;
    this.outgoing = [];
    if (lines.length && this.child) this.child.stdin.write(this.wire(lines));
  }

  /** Queries as the current child reads them: one write, ended by a flush of git's answers. */
  private wire(queries: string[]): string {
    if (!this.commands) return queries.join('\n') + '\n';
    const verb = this.mode === 'batch' ? 'contents ' : 'info ';
    return verb + queries.join('\n' + verb) + '\nflush\n';
  }

  /** Is a git process running (started by an earlier request and not stopped)? */
  get running(): boolean {
    return this.child !== null;
  }

  /** Ask about many names; replies in the same order. */
  requestAll(queries: string[]): Promise<CatFileReply[]> {
    return Promise.all(queries.map((q) => this.request(q)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop(new KreviewError(`git cat-file for ${this.repo} was closed`));
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    this.commands = batchCommand;
    const child = spawnGit(this.repo, ['cat-file', ...(this.commands ? ['--batch-command', '--buffer'] : [`--${this.mode}`])]);
    this.child = child;
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
    child.stdout.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.buffered += b.length;
      if (this.buffered >= this.need) this.parse();
      this.armWatchdog();
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => this.died(child, `cannot run git cat-file in ${this.repo}: ${e.message}`));
    child.on('close', (code) => {
      if (this.commands && code === 129 && NO_BATCH_COMMAND.test(stderr)) this.plainAgain(child);
      else this.died(child, `git cat-file in ${this.repo} exited (${code}): ${stderr.split('\n')[0] ?? ''}`.trim());
    });
    return child;
  }

  /**
   * The child went away. git answers in order and flushes each answer, and all it printed has been
   * parsed by now: the oldest unanswered query is the one it died on (`HEAD:./x` in a bare
   * repository). That one fails and is never sent again; the rest go to a fresh child, within a
   * restart budget that a healthy period renews.
   */
  private died(child: ChildProcessWithoutNullStreams, why: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.clearWatchdog();
    const owed = this.inFlight;
    this.inFlight = [];
    this.outgoing = [];
    const culprit = owed.shift();
    culprit?.reject(new KreviewError(`${why} (asked for ${JSON.stringify(culprit.query)})`));
    if (this.closed || owed.length === 0) {
      for (const p of owed) p.reject(new KreviewError(why));
      return;
    }
    const now = Date.now();
    if (now - this.lastRestart >= this.healthyMs) this.restarts = 0;
    this.lastRestart = now;
    if (++this.restarts > MAX_RESTARTS) {
      for (const p of owed) p.reject(new KreviewError(why));
      return;
    }
    const fresh = this.ensureChild();
    this.inFlight = owed;
    fresh.stdin.write(this.wire(owed.map((p) => p.query)));
    this.armWatchdog();
  }

  /** A git too old for --batch-command refused it before answering: every query again, the plain way. */
  private plainAgain(child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    batchCommand = false;
    this.child = null;
    const owed = this.inFlight;
    this.inFlight = [];
    this.outgoing = [];
    if (owed.length === 0) return;
    const fresh = this.ensureChild();
    this.inFlight = owed;
    fresh.stdin.write(this.wire(owed.map((p) => p.query)));
    this.armWatchdog();
  }

  private stop(err: Error): void {
    this.clearWatchdog();
    const child = this.child;
    this.child = null;
    const owed = this.inFlight;
    this.inFlight = [];
    this.outgoing = [];
    for (const p of owed) p.reject(err);
    if (child) {
      child.stdin.end();
      child.kill();
    }
  }

  /**
   * git has timeoutMs from the last request or answer to answer again. Every request and every
   * chunk of answers moves that point; one timer, set again only when it fires early, checks it
   * (a timer cancelled and set per request was 17,000 of each on DPDK's whole history).
   */
  private armWatchdog(): void {
    this.lastActivity = performance.now();
    if (this.inFlight.length === 0) this.clearWatchdog();
    else if (!this.watchdog) this.startWatchdog(this.timeoutMs);
  }

  private startWatchdog(ms: number): void {
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      if (this.inFlight.length === 0) return;
      const quiet = performance.now() - this.lastActivity;
      if (quiet < this.timeoutMs) this.startWatchdog(this.timeoutMs - quiet);
      else this.stop(new KreviewError(`git cat-file in ${this.repo} did not answer within ${this.timeoutMs} ms`));
    }, ms);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private parse(): void {
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    let pos = 0;
    this.need = 0;
    while (this.inFlight.length > 0) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const header = buf.toString('utf8', pos, nl);
      const p = this.inFlight[0];
      const reply = this.parseHeader(p.query, header);
      if (reply.status === 'found' && this.mode === 'batch') {
        const end = nl + 1 + reply.size;
        // Content plus its trailing newline must be complete before we answer.
        if (buf.length < end + 1) {
          this.need = end + 1 - pos;
          break;
        }
        reply.content = buf.subarray(nl + 1, end);
        pos = end + 1;
      } else {
        pos = nl + 1;
      }
      this.inFlight.shift();
      p.resolve(reply);
    }
    if (pos > 0) {
      // Copy the remainder so answered replies' content does not pin a huge buffer.
      buf = Buffer.from(buf.subarray(pos));
    }
    this.chunks = buf.length ? [buf] : [];
    this.buffered = buf.length;
    if (this.inFlight.length === 0) this.clearWatchdog();
  }

  private parseHeader(query: string, header: string): CatFileReply {
    if (header.endsWith(' missing')) return { query, status: 'missing' };
    if (header.endsWith(' ambiguous')) return { query, status: 'ambiguous' };
    const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
    if (!m) return { query, status: 'missing' };
    return { query, status: 'found', oid: m[1], type: m[2], size: Number(m[3]), content: null };
  }
}
