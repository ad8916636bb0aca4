// CommitStream and readCommits on a real repository of 1,500 commits (fast-import): every commit in
// the order asked, parsed as cat-file parses one; bounded read-ahead; a missing commit ends the
// range after the ones before it; and the whole range is read by ONE `git cat-file --batch
// --buffer` (git then writes its answers in a few large writes, not three per commit).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper, withPath } from '../helpers/git-wrapper.js';
import { CommitStream, type StreamedCommit } from '../../src/git/commit-stream.js';
import { parseCommitObject } from '../../src/git/commit-object.js';
import { readCommits } from '../../src/sources/git-range.js';

const N = 1500;
const repo = new TestRepo();
let oids: string[] = [];

beforeAll(() => {
  // Messages of every shape the parser meets: a body, trailing blank lines, non-ASCII, a CRLF, none at all.
  const messages = (i: number): string =>
    [`subsys: change ${i}\n\nBody of ${i}, naïve café.\n\nFixes: ${'0'.repeat(12)} ("x")\n`, `only a subject ${i}\n\n\n`, `crlf ${i}\r\n\r\nbody\r\n`, ''][(i - 1) % 4];
  let stream = '';
  for (let i = 1; i <= N; i++) {
    const msg = Buffer.from(messages(i), 'utf8');
    stream += `commit refs/heads/master\nmark :${i}\nauthor Ann Example <ann${i % 7}@example.org> ${1_600_000_000 + i} +0100\ncommitter C <c@example.org> ${1_600_000_000 + i} +0000\ndata ${msg.length}\n${msg.toString('utf8')}\n`;
    if (i > 1) stream += `from :${i - 1}\n`;
    stream += `M 644 inline f${i % 50}.c\ndata ${String(i).length}\n${i}\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: stream, maxBuffer: 64 << 20 });
  oids = repo.git('rev-list', '--reverse', 'master').split('\n');
});
afterAll(() => repo.remove());

async function all(s: CommitStream): Promise<StreamedCommit[]> {
  const out: StreamedCommit[] = [];
  try {
    for (let c = await s.next(); c; c = await s.next()) out.push(c);
  } finally {
    s.close();
  }
  return out;
}

describe('CommitStream', () => {
  it('reads every commit in the order given, as parseCommitObject reads it', async () => {
    expect(oids).toHaveLength(N);
    // Out of history order too: the list decides the order.
    const order = [...oids.slice(700), ...oids.slice(0, 700)];
    const got = await all(new CommitStream(repo.dir, order, 'test'));
    expect(got.map((c) => c.oid)).toEqual(order);
    for (const i of [0, 1, 2, 3, 799, 1499]) {
      const raw = execFileSync('git', ['cat-file', 'commit', order[i]], { cwd: repo.dir });
      const want = parseCommitObject(raw);
      expect(got[i]).toEqual({ oid: order[i], parents: want.parents, author: want.author, adate: want.adate, message: want.message });
    }
    expect(got[0].message).toContain('naïve café');
  });

  it('keeps reading correctly when the caller takes commits slowly (git is paused and resumed)', async () => {
    const s = new CommitStream(repo.dir, oids, 'test');
    const got: string[] = [];
    try {
      for (let c = await s.next(); c; c = await s.next()) {
        got.push(c.oid);
        if (got.length % 100 === 0) await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      s.close();
    }
    expect(got).toEqual(oids);
  });

  it('ends the range at a commit that cannot be read, after handing out the ones before it', async () => {
    const missing = 'f'.repeat(40);
    const s = new CommitStream(repo.dir, [oids[0], oids[1], missing, oids[2]], 'A..B');
    expect((await s.next())?.oid).toBe(oids[0]);
    expect((await s.next())?.oid).toBe(oids[1]);
    await expect(s.next()).rejects.toThrow(`commit ${missing} of A..B cannot be read from ${repo.dir}`);
    s.close();
    // A tree is no commit either.
    const tree = repo.git('rev-parse', `${oids[0]}^{tree}`);
    await expect(all(new CommitStream(repo.dir, [tree], 'A..B'))).rejects.toThrow(`commit ${tree} of A..B cannot be read`);
  });

  it('joins a commit larger than many chunks once, not once per chunk', async () => {
    // An 8 MB message arrives in over a hundred pipe reads; joining the tail with each new chunk
    // copied it again each time (quadratic: a 64 MB message, the messageBytes limit, is 32 GB of copying).
    const big = new TestRepo();
    try {
      const body = 'x'.repeat(99) + '\n';
      const msg = `big: one\n\n${body.repeat(80_000)}`;
      const stream = `commit refs/heads/master\nauthor A <a@example.org> 1600000000 +0000\ncommitter A <a@example.org> 1600000000 +0000\ndata ${msg.length}\n${msg}\nM 644 inline a\ndata 2\na\n\n`;
      execFileSync('git', ['fast-import', '--quiet'], { cwd: big.dir, input: stream, maxBuffer: 64 << 20 });
      const oid = big.git('rev-parse', 'master');
      const concat = vi.spyOn(Buffer, 'concat');
      try {
        const [c] = await all(new CommitStream(big.dir, [oid], 'big'));
        expect(c.message).toBe(msg);
        expect(concat.mock.calls.length).toBeLessThan(5);
      } finally {
        concat.mockRestore();
      }
    } finally {
      big.remove();
    }
  });

  it('stops a git that sends nothing within the stall limit, in one line', async () => {
    // A git that never answers: a wrapper that sleeps instead.
    await withPath(gitWrapper(() => 'exec sleep 30').path, async () => {
      const s = new CommitStream(repo.dir, oids.slice(0, 3), 'A..B', 300);
      await expect(s.next()).rejects.toThrow(/sent nothing for 300 ms while reading A\.\.B; stopped/);
      s.close();
    });
  });
});

describe('readCommits', () => {
  it('reads a whole range with one `git cat-file --batch --buffer`', async () => {
    const { bin, path } = gitWrapper((real, dir) => `for a in "$@"; do case "$a" in cat-file|--batch*|--buffer) printf '%s ' "$a" >> "${dir}/calls";; esac; done\necho >> "${dir}/calls"\nexec ${real} "$@"`);
    const log = join(bin, 'calls');
    const subjects: string[] = [];
    await withPath(path, async () => {
      for await (const p of readCommits(repo.dir, oids, 'master')) subjects.push(p.subject);
    });
    expect(subjects).toHaveLength(N);
    expect(subjects[0]).toBe('subsys: change 1');
    expect(subjects[2]).toBe('crlf 3');
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('cat-file'))).toEqual(['cat-file --batch --buffer ']);
  });
});
