// Builds real git repositories in temporary directories for tests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CommitOptions {
  /** Files to write (path -> content); null deletes. */
  files?: Record<string, string | null>;
  author?: { name: string; email: string };
  /** Seconds since the epoch; defaults to a counter so ids are deterministic. */
  date?: number;
}

export class TestRepo {
  readonly dir: string;
  private clock = 1_600_000_000;

  constructor(dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'kreview-repo-'));
    mkdirSync(this.dir, { recursive: true });
    this.git('init', '-q', '-b', 'master');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', maxBuffer: 256 << 20 }).trimEnd();
  }

  /** Commit `files` with `message`; returns the full commit id. */
  commit(message: string, opts: CommitOptions = {}): string {
    for (const [path, content] of Object.entries(opts.files ?? {})) {
      const abs = join(this.dir, path);
      if (content === null) {
        this.git('rm', '-q', '--', path);
      } else {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, content);
        this.git('add', '--', path);
      }
    }
    const date = `${opts.date ?? (this.clock += 60)} +0000`;
    const env = {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      ...(opts.author ? { GIT_AUTHOR_NAME: opts.author.name, GIT_AUTHOR_EMAIL: opts.author.email } : {}),
    };
    execFileSync('git', ['commit', '-q', '--allow-empty', '-F', '-'], { cwd: this.dir, input: message, env });
    return this.git('rev-parse', 'HEAD');
  }

  tag(name: string, rev = 'HEAD'): void {
    this.git('tag', name, rev);
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  /** A commit on top of HEAD (same tree) whose id starts with `prefix`, found by varying its message: an abbreviation two commits share. */
  commitWithPrefix(prefix: string, subject: string): string {
    const tree = this.git('rev-parse', 'HEAD^{tree}').trim();
    const parent = this.git('rev-parse', 'HEAD').trim();
    const who = 'A U Thor <author@example.org> 1764000000 +0000';
    for (let i = 0; ; i++) {
      const body = `tree ${tree}\nparent ${parent}\nauthor ${who}\ncommitter ${who}\n\n${subject} ${i}\n`;
      const id = createHash('sha1').update(`commit ${Buffer.byteLength(body)}\0${body}`).digest('hex');
      if (!id.startsWith(prefix)) continue;
      const made = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: this.dir, input: body, encoding: 'utf8' }).trim();
      this.git('reset', '-q', '--hard', made);
      return made;
    }
  }

  /** `git format-patch --stdout` of a range, as one mbox string. */
  formatPatch(range: string, ...extra: string[]): string {
    return this.git('format-patch', '--stdout', '--no-signature', ...extra, range) + '\n';
  }

  subject(rev: string): string {
    return this.git('log', '-1', '--format=%s', rev);
  }

  /** The kernel's canonical Fixes: line for a commit. */
  fixesLine(rev: string): string {
    return this.git('log', '-1', '--abbrev=12', '--format=Fixes: %h ("%s")', rev);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
