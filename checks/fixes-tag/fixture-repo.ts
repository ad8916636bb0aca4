// A small kernel-shaped history for the Fixes: checker's tests: releases, a merge, a revert, a
// fix already in the tree, a side branch, stable branches with backports, and real ambiguous ids.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { TestRepo } from '../../test/helpers/git-repo.js';

export const ALICE = { name: 'Alice Maintainer', email: 'alice@example.org' };
export const BOB = { name: 'Bob Developer', email: 'bob@example.org' };

const FOO = Array.from({ length: 10 }, (_, i) => `int foo${i + 1};\n`).join('');

export interface Fixture {
  repo: TestRepo;
  /** Named commits (and `blob`, `tree`: non-commit objects). */
  c: Record<string, string>;
  /** Ambiguous prefixes: commit/commit and commit/blob. */
  amb: { twoCommits: string; commitBlob: string };
  /** The kernel's canonical Fixes: line of a named commit. */
  line(name: string): string;
}

export function buildFixture(): Fixture {
  const repo = new TestRepo();
  const c: Record<string, string> = {};
  c.init = repo.commit('foo: add foo\n', { files: { 'foo.c': FOO }, author: ALICE });
  c.bug = repo.commit('foo: add the frobnicator\n\nFrobnicate on every foo.\n', {
    files: { 'foo.c': FOO.replace('int foo5;', 'int foo5 = frob();') },
    author: BOB,
  });
  repo.tag('v1.0');
  c.upstream = repo.commit('up: add the up helper\n', { files: { 'up.c': 'int up;\n' } });
  // A merge of a topic branch.
  repo.git('checkout', '-q', '-b', 'topic');
  c.topic = repo.commit('bar: add bar\n', { files: { 'bar.c': 'int bar;\n' } });
  repo.git('checkout', '-q', 'master');
  c.baz = repo.commit('baz: add baz\n', { files: { 'baz.c': 'int baz;\n' } });
  repo.git('merge', '-q', '--no-ff', '-m', "Merge branch 'topic'", 'topic');
  c.merge = repo.head();
  // A commit that is already fixed, and its fix.
  c.fixed = repo.commit('qux: add qux\n', { files: { 'qux.c': 'int qux;\n' } });
  c.fixer = repo.commit(`qux: fix qux\n\n${repo.fixesLine(c.fixed)}\nSigned-off-by: A <a@example.org>\n`, {
    files: { 'qux.c': 'int qux = 1;\n' },
  });
  // A commit that was reverted.
  c.reverted = repo.commit('zap: add zap\n', { files: { 'zap.c': 'int zap;\n' } });
  repo.git('revert', '--no-edit', c.reverted);
  c.revert = repo.head();
  repo.tag('v1.1');
  // After v1.1: only in a release candidate.
  c.rcOnly = repo.commit('rc: add rc\n', { files: { 'rc.c': 'int rc;\n' } });
  repo.tag('v1.2-rc1');
  const amb = ambiguousCommits(repo, c);
  // First in a release candidate, then in its final release.
  c.rcFinal = repo.commit('rc2: add rc2\n', { files: { 'rc2.c': 'int rc2;\n' } });
  repo.tag('v1.3-rc1');
  repo.commit('rc2: tidy\n', { files: { 'rc2.c': 'int rc2 = 0;\n' } });
  repo.tag('v1.3');
  c.head = repo.head();
  // Unmerged side branch.
  repo.git('checkout', '-q', '-b', 'side', 'v1.0');
  c.side = repo.commit('side: unmerged change\n', { files: { 'side.c': 'int side;\n' } });
  // Stable branches off v1.0 carrying the upstream commit: with -x, and as the same patch.
  repo.git('checkout', '-q', '-b', 'stable-x', 'v1.0');
  repo.git('cherry-pick', '-x', c.upstream);
  c.backportX = repo.head();
  repo.git('checkout', '-q', '-b', 'stable-same', 'v1.0');
  repo.git('cherry-pick', c.upstream);
  c.backportSame = repo.head();
  repo.git('checkout', '-q', 'master');
  c.blob = repo.git('rev-parse', 'HEAD:foo.c');
  c.tree = repo.git('rev-parse', 'HEAD^{tree}');
  return { repo, c, amb, line: (name) => repo.fixesLine(c[name]) };
}

const sha1 = (type: string, body: string): string => {
  const buf = Buffer.from(body);
  return createHash('sha1').update(`${type} ${buf.length}\0`).update(buf).digest('hex');
};

const write = (repo: TestRepo, type: string, body: string): string =>
  execFileSync('git', ['hash-object', '-t', type, '-w', '--stdin'], { cwd: repo.dir, input: body, encoding: 'utf8' }).trim();

/**
 * Real ambiguous 5-digit prefixes: two commits (found by the birthday paradox among candidate
 * messages), and a commit and a blob. The first commit of each pair goes on master.
 */
function ambiguousCommits(repo: TestRepo, c: Record<string, string>): { twoCommits: string; commitBlob: string } {
  const tree = repo.git('rev-parse', 'HEAD^{tree}');
  const ident = 'Test Author <author@example.org> 1700000000 +0000';
  const object = (parent: string, msg: string) => `tree ${tree}\nparent ${parent}\nauthor ${ident}\ncommitter ${ident}\n\n${msg}`;
  const advance = (oid: string) => repo.git('update-ref', 'refs/heads/master', oid);

  let parent = repo.head();
  const seen = new Map<string, string>();
  for (let i = 0; ; i++) {
    const msg = `amb: variant ${i}\n`;
    const p = sha1('commit', object(parent, msg)).slice(0, 5);
    // A bare token of five letters (`abcde`) is a word, not an id, unless a quoted subject follows
    // it (parse-line.ts), and one case names this prefix alone: about 1 run in 140 met such a pair.
    if (!/\d/.test(p)) continue;
    const other = seen.get(p);
    if (other !== undefined) {
      c.amb1 = write(repo, 'commit', object(parent, other));
      c.amb2 = write(repo, 'commit', object(parent, msg));
      repo.git('update-ref', 'refs/heads/amb-other', c.amb2);
      advance(c.amb1);
      break;
    }
    seen.set(p, msg);
  }
  parent = c.amb1;
  const commits = new Map<string, string>();
  for (let i = 0; i < 4096; i++) {
    const msg = `amb: blob twin ${i}\n`;
    commits.set(sha1('commit', object(parent, msg)).slice(0, 5), msg);
  }
  for (let i = 0; ; i++) {
    const body = `filler ${i}\n`;
    const msg = commits.get(sha1('blob', body).slice(0, 5));
    if (msg !== undefined) {
      c.ambBlob = write(repo, 'blob', body);
      c.ambCommit = write(repo, 'commit', object(parent, msg));
      advance(c.ambCommit);
      break;
    }
  }
  repo.git('reset', '-q', '--hard', 'master');
  return { twoCommits: c.amb1.slice(0, 5), commitBlob: c.ambCommit.slice(0, 5) };
}
