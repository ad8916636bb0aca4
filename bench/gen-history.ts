// Generates a kernel-like history with `git fast-import` (200,000 commits in well under a minute):
// subsystem subjects, files under fs/ mm/ net/..., release tags, merges, a side branch, and Fixes:
// tags of every kind with the findings each should produce. Deterministic by seed.
// CLI: tsx bench/gen-history.ts <dir> [--commits N] [--fixes N] [--seed N] [--release-every N]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runGit, gitEnv } from '../src/git/run-git.js';
import { rng } from './rng.js';

export type FixesKind =
  | 'good'
  | 'short-sha'
  | 'wrong-subject'
  | 'missing'
  | 'not-ancestor'
  | 'target-reverted'
  | 'already-fixed'
  | 'target-merge'
  | 'not-a-commit';

export const FIXES_KINDS: readonly FixesKind[] = [
  'good', 'short-sha', 'wrong-subject', 'missing', 'not-ancestor', 'target-reverted', 'already-fixed', 'target-merge', 'not-a-commit',
];

/** The finding ids a Fixes: checker should report for each kind of planted tag. */
export const EXPECTED_FINDINGS: Record<FixesKind, string[]> = {
  good: [],
  'short-sha': ['fixes/short-sha'],
  'wrong-subject': ['fixes/subject-mismatch'],
  missing: ['fixes/unknown-sha'],
  'not-ancestor': ['fixes/not-ancestor'],
  'target-reverted': ['fixes/target-reverted'],
  'already-fixed': ['fixes/already-fixed'],
  'target-merge': ['fixes/target-merge'],
  'not-a-commit': ['fixes/not-a-commit'],
};

export interface PlantedFixesTag {
  /** The commit whose message carries the tag (on master). */
  commit: string;
  /** The line as written. */
  line: string;
  /** 1-based line of the tag in the commit message. */
  lineNo: number;
  kind: FixesKind;
  /** Full id of the object the tag names (null for `missing`). */
  target: string | null;
  /** Finding ids a checker should report (besides none for `good`). */
  expected: string[];
}

export interface GeneratedHistory {
  dir: string;
  /** master's tip. */
  head: string;
  /** Every commit id, in the order they were made. */
  commits: string[];
  releases: { name: string; commit: string }[];
  tags: PlantedFixesTag[];
}

export interface GenerateOptions {
  commits: number;
  fixesTags: number;
  seed: number;
  /** Mainline commits between release tags (default: commits / 20). */
  releaseEvery?: number;
}

const SUBSYSTEMS = ['mm', 'fs', 'fs/btrfs', 'fs/ext4', 'net', 'net/ipv4', 'kernel', 'kernel/sched', 'drivers/gpu', 'drivers/net', 'block', 'sound'];
const VERBS = ['fix', 'add', 'remove', 'rework', 'simplify', 'avoid', 'handle', 'use', 'convert', 'document'];
const NOUNS = ['leak', 'race', 'deadlock', 'overflow', 'refcount', 'locking', 'error path', 'NULL check', 'warning', 'helper', 'tracepoint', 'sysctl'];
const FUNCS = ['alloc', 'free', 'init', 'exit', 'lookup', 'insert', 'flush', 'writeback', 'reserve', 'release', 'probe', 'submit'];
const AUTHORS = ['Ada Lovelace', 'Linus Example', 'Grace Hopper', 'Ken Sample', 'Dennis Rich', 'Barbara Liskov', 'Edsger Dijk', 'Alan Turing'];


interface Made {
  mark: number;
  subject: string;
}

/** Writes the fast-import stream with backpressure and answers `get-mark` requests. */
class FastImport {
  private child;
  private replies: ((oid: string) => void)[] = [];
  private oids = new Map<number, Promise<string>>();
  private buffered = '';
  private out = '';
  readonly done: Promise<number>;
  private stderr = '';

  constructor(dir: string, marksFile: string) {
    this.child = spawn('git', ['-C', dir, 'fast-import', '--quiet', '--done', `--export-marks=${marksFile}`], {
      // fast-import grows its heap in tiny steps; where brk is slow (150 us a call on some VMs)
      // that alone took 13 s for 2,000 commits. A top pad makes glibc grow it in big steps.
      env: { MALLOC_TOP_PAD_: String(256 << 20), ...gitEnv() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (b: Buffer) => {
      this.out += b.toString('latin1');
      for (let nl = this.out.indexOf('\n'); nl >= 0; nl = this.out.indexOf('\n')) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        this.replies.shift()?.(line.trim());
      }
    });
    this.child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => (code === 0 ? resolve(0) : reject(new Error(`git fast-import failed (${code}): ${this.stderr.trim()}`))));
    });
  }

  write(s: string): Promise<void> | void {
    this.buffered += s;
    if (this.buffered.length < 1 << 16) return;
    return this.flush();
  }

  flush(): Promise<void> | void {
    const chunk = this.buffered;
    this.buffered = '';
    if (!chunk) return;
    if (!this.child.stdin.write(chunk)) return new Promise((r) => this.child.stdin.once('drain', () => r()));
  }

  /**
   * Ask for a mark's id now, without waiting: the answer arrives while later commits stream in,
   * so a Fixes: line naming an old commit never stalls the pipe.
   */
  requestOid(mark: number): void {
    this.oids.set(mark, new Promise<string>((resolve) => this.replies.push(resolve)));
    this.buffered += `get-mark :${mark}\n`;
  }

  async oidOf(mark: number): Promise<string> {
    if (!this.oids.has(mark)) this.requestOid(mark);
    await this.flush();
    return this.oids.get(mark) as Promise<string>;
  }

  async end(): Promise<void> {
    this.buffered += 'done\n';
    await this.flush();
    this.child.stdin.end();
    await this.done;
  }
}

const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;

export async function generateHistory(dir: string, opts: GenerateOptions): Promise<GeneratedHistory> {
  const rand = rng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
  mkdirSync(dir, { recursive: true });
  const init = await runGit(dir, ['init', '-q', '-b', 'master']);
  if (init.code !== 0) throw new Error(`git init ${dir}: ${init.stderr}`);
  const marksFile = join(tmpdir(), `kreview-marks-${process.pid}-${Date.now()}`);
  const fi = new FastImport(dir, marksFile);

  const releaseEvery = opts.releaseEvery ?? Math.max(10, Math.floor(opts.commits / 20));
  let mark = 0;
  let clock = 1_200_000_000;
  let serial = 0;
  let mainCount = 0;
  let releaseNo = 0;
  const mainline: Made[] = [];
  const side: Made[] = [];
  const merges: Made[] = [];
  const blobs: number[] = [];
  const fixedOnce = new Set<number>();
  const commitMarks: number[] = [];
  const releases: { name: string; mark: number }[] = [];
  const planted: (Omit<PlantedFixesTag, 'commit' | 'target'> & { mark: number; targetMark: number | null; targetOid?: string })[] = [];
  let sideStarted = false;
  let lastMain = 0;

  const subjectFor = () => {
    serial++;
    return `${pick(SUBSYSTEMS)}: ${pick(VERBS)} ${pick(NOUNS)} in ${pick(FUNCS)}_${serial.toString(36)}()`;
  };
  const person = () => {
    const name = pick(AUTHORS);
    return `${name} <${name.toLowerCase().replace(/ /g, '.')}@example.org>`;
  };
  // Merges and reverts have no subsystem prefix: they touch a random subsystem's file.
  const fileFor = (subject: string) => {
    const sub = SUBSYSTEMS.find((s) => subject.startsWith(`${s}: `)) ?? pick(SUBSYSTEMS);
    return `${sub}/file${Math.floor(rand() * 16)}.c`;
  };

  /** One commit on `ref`; returns its mark. */
  const commit = async (ref: string, message: string, extra = ''): Promise<number> => {
    const m = ++mark;
    clock += 60 + Math.floor(rand() * 600);
    const who = person();
    const subject = message.slice(0, message.indexOf('\n'));
    const content = `// ${subject}\nint v${m} = ${m};\n`;
    await fi.write(
      `commit ${ref}\nmark :${m}\nauthor ${who} ${clock} +0000\ncommitter ${who} ${clock} +0000\n${data(message)}${extra}` +
        `M 100644 inline ${fileFor(subject)}\n${data(content)}\n`,
    );
    commitMarks.push(m);
    fi.requestOid(m);
    return m;
  };

  const mainCommit = async (message: string, extra = ''): Promise<Made> => {
    const m = await commit('refs/heads/master', message, extra);
    lastMain = m;
    const made = { mark: m, subject: message.slice(0, message.indexOf('\n')) };
    mainline.push(made);
    mainCount++;
    if (mainCount % releaseEvery === 0) {
      const name = `v1.${releaseNo++}`;
      await fi.write(`tag ${name}\nfrom :${m}\ntagger Release Bot <release@example.org> ${clock} +0000\n${data(`Linux ${name}`)}`);
      releases.push({ name, mark: m });
    }
    return made;
  };

  const fixerMessage = (tagLine: string) => {
    const subject = subjectFor().replace(/: \w+ /, ': fix ');
    return {
      subject,
      message: `${subject}\n\nThe previous change got this wrong; correct it.\n\n${tagLine}\nCc: stable@vger.kernel.org\nSigned-off-by: ${person()}\n`,
    };
  };

  // Plan which mainline positions carry a Fixes: tag, spread over the last 90% of the history.
  const fixerAt = new Set<number>();
  const span = Math.floor(opts.commits * 0.9);
  for (let i = 0; i < opts.fixesTags; i++) fixerAt.add(opts.commits - span + Math.floor(((i + rand()) * span) / Math.max(1, opts.fixesTags)));

  let kindNo = 0;
  const plant = async (kind: FixesKind): Promise<void> => {
    const target = choose(kind);
    if (!target && kind !== 'missing') return plant('good');
    const oid = target ? await fi.oidOf(target.mark) : null;
    const quoted = target?.subject || subjectFor();
    let sha = oid ? oid.slice(0, 12) : hex(12);
    let subj = quoted;
    if (kind === 'short-sha') sha = oid!.slice(0, 8);
    if (kind === 'wrong-subject') subj = pick(mainline).subject === quoted ? `${quoted} again` : pick(mainline).subject;
    if (kind === 'target-reverted') {
      await mainCommit(`Revert "${quoted}"\n\nThis reverts commit ${oid}.\n\nSigned-off-by: ${person()}\n`);
    }
    if (kind === 'already-fixed') {
      const first = fixerMessage(`Fixes: ${sha} ("${quoted}")`);
      await mainCommit(first.message);
    }
    const line = `Fixes: ${sha} ("${subj}")`;
    const { message } = fixerMessage(line);
    const made = await mainCommit(message);
    planted.push({ mark: made.mark, line, lineNo: 5, kind, targetMark: target?.mark ?? null, targetOid: oid ?? undefined, expected: EXPECTED_FINDINGS[kind] });
    if (target && kind === 'good') fixedOnce.add(target.mark);
  };

  /** A target for a kind: fresh mainline commits nobody fixed yet, so kinds do not overlap. */
  const choose = (kind: FixesKind): Made | null => {
    if (kind === 'missing') return null;
    // Each target is named by one planted tag only, so one tag's kind never leaks into another's.
    const fresh = (pool: Made[]) => {
      const left = pool.filter((m) => !fixedOnce.has(m.mark));
      const t = left.length ? pick(left) : null;
      if (t) fixedOnce.add(t.mark);
      return t;
    };
    if (kind === 'not-ancestor') return fresh(side);
    if (kind === 'target-merge') return fresh(merges);
    if (kind === 'not-a-commit') return fresh(blobs.map((mark) => ({ mark, subject: '' })));
    for (let tries = 0; tries < 20 && mainline.length > 20; tries++) {
      // Not the newest commits: a fix usually lands a while after the bug.
      const t = mainline[Math.floor(rand() * (mainline.length - Math.min(200, mainline.length >> 1)))];
      if (!fixedOnce.has(t.mark) && !t.subject.startsWith('Revert') && !/: fix /.test(t.subject)) {
        fixedOnce.add(t.mark);
        return t;
      }
    }
    return null;
  };

  await mainCommit(`${subjectFor()}\n\nInitial import.\n`);
  while (commitMarks.length < opts.commits) {
    const at = commitMarks.length;
    if (fixerAt.has(at)) {
      await plant(FIXES_KINDS[kindNo++ % FIXES_KINDS.length]);
      continue;
    }
    const r = rand();
    if (r < 0.01 && at > 10) {
      // A side branch forked early and never merged: home of not-ancestor targets.
      const from = sideStarted ? '' : `from :${mainline[Math.min(5, mainline.length - 1)].mark}\n`;
      sideStarted = true;
      const subject = subjectFor();
      side.push({ mark: await commit('refs/heads/side', `${subject}\n\nSide work.\n`, from), subject });
    } else if (r < 0.02 && at > 10) {
      // A topic branch of two commits merged into master.
      const base = lastMain;
      const s1 = subjectFor();
      await commit('refs/heads/topic', `${s1}\n\nTopic work.\n`, `from :${base}\n`);
      const s2 = subjectFor();
      const tip = await commit('refs/heads/topic', `${s2}\n\nTopic work.\n`);
      const merge = await mainCommit(`Merge branch 'topic-${serial.toString(36)}'\n\nPull ${s1.split(':')[0]} updates.\n`, `merge :${tip}\n`);
      merges.push(merge);
    } else if (r < 0.025) {
      const b = ++mark;
      await fi.write(`blob\nmark :${b}\n${data(`firmware ${b}\n`)}`);
      fi.requestOid(b);
      blobs.push(b);
    } else {
      await mainCommit(`${subjectFor()}\n\nSome change.\n\nSigned-off-by: ${person()}\n`);
    }
  }
  await fi.end();

  const marks = new Map<number, string>();
  for (const line of readFileSync(marksFile, 'utf8').split('\n')) {
    const [m, oid] = line.split(' ');
    if (m && oid) marks.set(Number(m.slice(1)), oid);
  }
  rmSync(marksFile, { force: true });
  await runGit(dir, ['update-ref', '-d', 'refs/heads/topic']);
  await runGit(dir, ['reset', '-q', '--hard', 'master']);
  return {
    dir,
    head: marks.get(lastMain) as string,
    commits: commitMarks.map((m) => marks.get(m) as string),
    releases: releases.map((r) => ({ name: r.name, commit: marks.get(r.mark) as string })),
    tags: planted.map((p) => ({
      commit: marks.get(p.mark) as string,
      line: p.line,
      lineNo: p.lineNo,
      kind: p.kind,
      target: p.targetOid ?? null,
      expected: p.expected,
    })),
  };
}

async function main(argv: string[]): Promise<void> {
  const dir = argv[0];
  if (!dir) {
    console.error('usage: tsx bench/gen-history.ts <dir> [--commits N] [--fixes N] [--seed N] [--release-every N]');
    process.exit(2);
  }
  const num = (flag: string, dflt: number) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const t0 = Date.now();
  const commits = num('--commits', 200_000);
  const g = await generateHistory(dir, {
    commits,
    fixesTags: num('--fixes', 2000),
    seed: num('--seed', 1),
    releaseEvery: argv.includes('--release-every') ? num('--release-every', 0) : undefined,
  });
  const byKind = new Map<string, number>();
  for (const t of g.tags) byKind.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
  console.log(`${dir}: ${g.commits.length} commits, ${g.releases.length} releases, ${g.tags.length} Fixes: tags in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log([...byKind].map(([k, n]) => `${k}=${n}`).join(' '));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
