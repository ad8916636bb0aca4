// Follows a public-inbox v2 mirror on disk (lore): epochs git/N.git, each message a commit adding
// the file `m`. A cursor per epoch (its last commit read); a purge that rewrites an epoch's history
// is noticed (the cursor is no longer an ancestor) and the epoch is read again, skipping blobs
// already read: a rewrite makes new commits but keeps the blobs of the messages it keeps.
//
// The first time a source is read (no cursor for any of its epochs), it starts at the archive's
// current end: a daemon pointed at years of lore must not answer all of it. With `since`, it starts
// at that date instead (public-inbox dates each commit with the message's Date:). An epoch that is
// empty then, or appears later, is read from its start.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KreviewError } from '../core/types.js';
import { CatFile, type CatFileReply } from '../git/cat-file.js';
import { runGit, isFullOid } from '../git/run-git.js';
import type { CursorStore } from '../state/cursors.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { type BatchHandler, type RawMessage, type WatchSource } from '../watch/raw-message.js';

const BATCH = 1000;
/** Blobs are read in groups of at most this many bytes, so a batch of large mails is not all in memory at once. */
const GROUP_BYTES = 64 << 20;
/** A purge empties `m` in a commit of its own; that blob is no message. */
const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

interface NewMessage {
  commit: string;
  blob: string;
  /** Commit time, seconds (public-inbox: the message's Date:); NaN when the log did not say. */
  time: number;
}

/** Epoch numbers present under `<inbox>/git`, in order. */
export function listEpochs(inbox: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(inbox, 'git'));
  } catch (e) {
    throw new KreviewError(`cannot read public-inbox ${inbox}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} on git/`);
  }
  return names
    .map((n) => /^(\d+)\.git$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Parses `git log --raw --format='C %H %ct'` output: the blob of `m` added or changed by each commit, oldest first. */
export function parseRawLog(text: string): NewMessage[] {
  const out: NewMessage[] = [];
  let commit = '';
  let time = NaN;
  for (const line of text.split('\n')) {
    if (line.startsWith('C ')) {
      const [sha, ct] = line.slice(2).trim().split(' ');
      commit = sha;
      time = ct === undefined ? NaN : Number(ct);
    }
    else if (line.startsWith(':') && commit) {
      const tab = line.indexOf('\t');
      if (tab < 0 || line.slice(tab + 1) !== 'm') continue;
      const f = line.slice(1, tab).split(' ');
      const status = f[4];
      if ((status === 'A' || status === 'M') && isFullOid(f[3]) && f[3] !== EMPTY_BLOB) out.push({ commit, blob: f[3], time });
    }
  }
  return out;
}

export class PublicInboxSource implements WatchSource {
  private readonly readers = new Map<number, CatFile>();
  private readonly checkers = new Map<number, CatFile>();

  constructor(
    readonly inbox: string,
    readonly name: string,
    private readonly cursors: CursorStore,
    private readonly warn: (msg: string) => void = () => {},
    /** First run only: read messages dated from here (ms); null: from the archive's current end. */
    private readonly since: number | null = null,
    private readonly now: () => number = Date.now,
    /** `limits.messageBytes`: a larger message is skipped with one line. */
    public maxBlobBytes: number = DEFAULT_LIMITS.messageBytes,
  ) {}

  private start = 'continued';

  private cursorKey(epoch: number): string {
    return `public-inbox:${this.inbox}:${epoch}`;
  }

  async poll(handle: BatchHandler): Promise<number> {
    const epochs = listEpochs(this.inbox);
    await this.firstRun(epochs);
    let n = 0;
    for (const epoch of epochs) n += await this.pollEpoch(epoch, handle);
    return n;
  }

  private async tipOf(git: string): Promise<string | null> {
    const head = await runGit(git, ['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { timeoutMs: 30_000 });
    return head.code === 0 ? head.stdout.trim() : null;
  }

  /**
   * A source never read before starts at the current end of each epoch (unless `since` says where).
   * Recorded as `end`, `since <ms>` or `continued` (cursors from before there was a start). An
   * epoch skipped to its end also records when (`<epoch key>:floor`), for a later rewrite.
   */
  private async firstRun(epochs: number[]): Promise<void> {
    const key = `public-inbox:${this.inbox}:start`;
    const recorded = this.cursors.get(key);
    if (recorded !== null) {
      this.start = recorded;
      return;
    }
    const known = epochs.some((e) => this.cursors.get(this.cursorKey(e)) !== null);
    const tips = new Map<number, string>();
    if (!known && this.since === null) {
      for (const e of epochs) {
        const tip = await this.tipOf(join(this.inbox, 'git', `${e}.git`));
        if (tip) tips.set(e, tip);
      }
      if (tips.size) this.warn(`${this.name}: first run: starting at the archive's current end (earlier messages are not read; set since: on the source to read back to a date)`);
    }
    this.start = known ? 'continued' : this.since === null ? 'end' : `since ${this.since}`;
    const at = String(this.now());
    this.cursors.atomically(() => {
      for (const [e, tip] of tips) {
        this.cursors.set(this.cursorKey(e), tip);
        this.cursors.set(`${this.cursorKey(e)}:floor`, at);
      }
      this.cursors.set(key, this.start);
    });
  }

  /**
   * The earliest commit time (s) taken when an epoch is read from its start: `since` always; after a
   * first run at the end, only when a rewrite makes an epoch that had a backlog be read again (what
   * is dated before the start is that backlog). An epoch empty at the start, or new, has none.
   */
  private floor(epoch: number, rewritten: boolean): number | null {
    if (this.start.startsWith('since ')) return Number(this.start.slice(6)) / 1000;
    const at = rewritten ? this.cursors.get(`${this.cursorKey(epoch)}:floor`) : null;
    // Whole seconds, as commit times are: a message dated in the second the first run started (at
    // 1000.7 s, dated 1000) is not from before it.
    return at === null ? null : Math.floor(Number(at) / 1000);
  }

  private async pollEpoch(epoch: number, handle: BatchHandler): Promise<number> {
    const git = join(this.inbox, 'git', `${epoch}.git`);
    const tip = await this.tipOf(git);
    if (tip === null) return 0; // an epoch with no message yet
    const key = this.cursorKey(epoch);
    const cursor = this.cursors.get(key);
    if (cursor === tip) return 0;
    let range = [tip];
    let rewritten = false;
    if (cursor) {
      const anc = await runGit(git, ['merge-base', '--is-ancestor', '--end-of-options', cursor, tip], { timeoutMs: 60_000 });
      if (anc.code === 0) range = [tip, `^${cursor}`];
      else {
        rewritten = true;
        this.warn(`${this.name}: epoch ${epoch} was rewritten (a purge?); reading it again, skipping messages already seen`);
      }
    }
    const log = await runGit(git, ['log', '--reverse', '--no-abbrev', '--no-renames', '--raw', '--format=C %H %ct', '--end-of-options', ...range, '--'], {
      timeoutMs: 600_000,
    });
    if (log.code !== 0) throw new KreviewError(`${this.name}: cannot read epoch ${epoch}: ${log.stderr.trim().split('\n')[0]}`);
    // `since` filters here, not with git's --since, which stops at the first commit dated earlier.
    const floor = range.length === 1 ? this.floor(epoch, rewritten) : null;
    const fresh = parseRawLog(log.stdout);
    const reader = this.cached(this.readers, epoch, () => new CatFile(git, 'batch'));
    const checker = this.cached(this.checkers, epoch, () => new CatFile(git, 'batch-check'));
    // A slice's sizes, then its messages grouped by size; `seen` are the blobs of the slice before
    // (read ahead of its cursor's commit, so not yet in the cursors' table).
    type Plan = { slice: NewMessage[]; todo: NewMessage[]; groups: NewMessage[][] };
    const planOf = async (i: number, seen: ReadonlySet<string>): Promise<Plan> => {
      const slice = fresh.slice(i, i + BATCH);
      const todo = slice.filter((m) => !seen.has(m.blob) && !this.cursors.hasBlob(m.blob) && !(floor !== null && m.time < floor));
      // Sizes first (cheap): an oversized blob is never read, and the rest are read a group at a time.
      const sizes = await checker.requestAll(todo.map((m) => m.blob));
      const groups: NewMessage[][] = [[]];
      let groupBytes = 0;
      sizes.forEach((r, j) => {
        const m = todo[j];
        if (r.status !== 'found') this.warn(`${this.name}: message blob ${m.blob} of commit ${m.commit.slice(0, 12)} is missing`);
        else if (r.size > this.maxBlobBytes) this.warn(`${this.name}: the message of commit ${m.commit.slice(0, 12)} in epoch ${epoch} is ${r.size} bytes, larger than ${this.maxBlobBytes}; skipped`);
        else {
          if (groupBytes + r.size > GROUP_BYTES && groups[groups.length - 1].length) {
            groups.push([]);
            groupBytes = 0;
          }
          groups[groups.length - 1].push(m);
          groupBytes += r.size;
        }
      });
      return { slice, todo, groups };
    };
    const read = (group: NewMessage[]) => reader.requestAll(group.map((m) => m.blob));
    // Read ahead: the next group's blobs (the next slice's first group after a slice's last) are asked
    // of git before the group in hand is taken in, so git reads while intake decodes and stores, and
    // intake never waits for the pipe (it did for about a third of its wall time; never more than two
    // groups are held). Warnings of the next slice come before the last batch of this one is taken in.
    let n = 0;
    let plan: Plan | null = fresh.length ? await planOf(0, new Set()) : null;
    let reading: Promise<CatFileReply[]> | null = plan?.groups[0].length ? read(plan.groups[0]) : null;
    for (let i = 0; plan; i += BATCH) {
      const { slice, todo, groups } = plan;
      let next: Plan | null = null;
      let nextReading: Promise<CatFileReply[]> | null = null;
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g];
        const replies = group.length ? await reading! : [];
        if (g + 1 < groups.length) reading = read(groups[g + 1]);
        else if (i + BATCH < fresh.length) {
          next = await planOf(i + BATCH, new Set(todo.map((m) => m.blob)));
          nextReading = next.groups[0].length ? read(next.groups[0]) : null;
        }
        const batch: RawMessage[] = [];
        replies.forEach((r, j) => {
          const m = group[j];
          if (r.status !== 'found' || !r.content) this.warn(`${this.name}: message blob ${m.blob} of commit ${m.commit.slice(0, 12)} is missing`);
          else batch.push({ raw: r.content, origin: `${this.name} ${epoch}.git@${m.commit.slice(0, 12)}`, source: this.name });
        });
        if (batch.length) await handle(batch);
        n += batch.length;
      }
      // The cursor and the blobs read move together; a crash before this re-reads the slice (deduplicated by Message-ID).
      this.cursors.atomically(() => {
        for (const m of todo) this.cursors.addBlob(m.blob);
        this.cursors.set(key, slice[slice.length - 1].commit);
      });
      plan = next;
      reading = nextReading;
    }
    if (!fresh.length) this.cursors.set(key, tip);
    return n;
  }

  private cached(map: Map<number, CatFile>, epoch: number, make: () => CatFile): CatFile {
    let c = map.get(epoch);
    if (!c) map.set(epoch, (c = make()));
    return c;
  }

  async close(): Promise<void> {
    for (const r of [...this.readers.values(), ...this.checkers.values()]) await r.close();
    this.readers.clear();
    this.checkers.clear();
  }
}
