// createWorkspace on real repositories: commit images, mail images from the blob or the base,
// hunk-only images, patches that do not apply, series chaining and base resolution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace, postImagesOf } from '../../src/git/workspace.js';
import type { History } from '../../src/git/history-types.js';
import { parseDiff } from '../../src/patch/diff.js';
import { KreviewError, type Patch } from '../../src/core/types.js';

const v1 = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const v2 = v1.replace('line 10\n', 'line 10 changed\nline 10b\n');
const v3 = v2.replace('line 25\n', 'line 25 changed\n');

function patchOf(fields: Partial<Patch>): Patch {
  return {
    id: 'x@example.org', kind: 'mail', source: 'test', subject: 's',
    prefix: { tags: [], isPatch: true, isReply: false, version: 1, index: null, total: null, rfc: false, resend: false, tree: null, summary: 's' },
    author: { name: 'A', email: 'a@example.org' }, date: null, message: 's', trailers: [], notes: '', files: [],
    baseCommit: null, changeId: null, commit: null, parent: null, mail: null, warnings: [],
    ...fields,
  };
}

const mail = (diff: string, baseCommit: string | null = null) => patchOf({ files: parseDiff(diff).files, baseCommit });

const repo = new TestRepo();
let h: History;
let a: string, b: string, c: string, d: string;
let diffAB: string, diffBC: string;

beforeAll(async () => {
  a = repo.commit('fs: add file\n', { files: { 'fs/file.c': v1, 'fs/other.c': 'other\n' } });
  b = repo.commit('fs: change line 10\n', { files: { 'fs/file.c': v2 } });
  c = repo.commit('fs: change line 25\n', { files: { 'fs/file.c': v3 } });
  d = repo.commit('fs: drop other, add new\n', { files: { 'fs/other.c': null, 'fs/new.c': 'new\n' } });
  diffAB = repo.git('diff', a, b) + '\n';
  diffBC = repo.git('diff', b, c) + '\n';
  h = await openHistory(repo.dir);
});

afterAll(async () => {
  await h?.close();
  repo.remove();
});

describe('a commit from the repository', () => {
  it('loads its diff lazily and reads its images from the trees', async () => {
    const p = patchOf({ kind: 'commit', id: c, commit: c, parent: b });
    const ws = await createWorkspace(p, { repo: repo.dir, history: h });
    expect(ws.base).toEqual({ commit: b, source: 'parent', label: `parent ${b.slice(0, 12)}` });
    const files = await ws.files();
    expect(files.map((f) => f.newPath)).toEqual(['fs/file.c']);
    expect(await ws.postImage('fs/file.c')).toEqual({ path: 'fs/file.c', text: v3, complete: true });
    expect((await ws.preImage('fs/file.c'))?.text).toBe(v2);
    expect(await ws.postImage('fs/other.c')).toBeNull();
    expect(await ws.readBaseFile('fs/other.c')).toBe('other\n');
    expect(await ws.listBaseFiles('fs')).toEqual(['fs/file.c', 'fs/other.c']);
    expect(ws.applied).toBeNull();
  });

  it('gives no post-image for a deleted file and an empty pre-image for none', async () => {
    const ws = await createWorkspace(patchOf({ kind: 'commit', id: d, commit: d, parent: c }), { repo: repo.dir, history: h });
    expect(await ws.postImage('fs/other.c')).toBeNull();
    expect((await ws.preImage('fs/other.c'))?.text).toBe('other\n');
    expect((await ws.postImage('fs/new.c'))?.text).toBe('new\n');
    expect(await ws.preImage('fs/new.c')).toBeNull();
  });

  it('handles a root commit', async () => {
    const ws = await createWorkspace(patchOf({ kind: 'commit', id: a, commit: a, parent: null }), { repo: repo.dir, history: h });
    expect(ws.base.source).toBe('none');
    expect((await ws.files()).map((f) => f.newPath).sort()).toEqual(['fs/file.c', 'fs/other.c']);
    expect((await ws.postImage('fs/file.c'))?.text).toBe(v1);
  });
});

describe('a mailed patch', () => {
  it('applies its hunks to the blob named on the index line', async () => {
    const ws = await createWorkspace(mail(diffAB), { repo: repo.dir, history: h });
    expect(ws.base.source).toBe('head');
    expect(await ws.postImage('fs/file.c')).toEqual({ path: 'fs/file.c', text: v2, complete: true });
    expect((await ws.preImage('fs/file.c'))?.text).toBe(v1);
    expect(ws.applied).toBe(true);
  });

  it('falls back to the file at the base when the blob is unknown', async () => {
    const diff = diffAB.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..');
    const ws = await createWorkspace(mail(diff, a), { repo: repo.dir, history: h });
    expect(ws.base).toMatchObject({ commit: a, source: 'base-commit' });
    expect((await ws.postImage('fs/file.c'))?.text).toBe(v2);
    expect(ws.applied).toBe(true);
  });

  it('applies at an offset, like git apply, when the base moved the lines', async () => {
    const diff = diffBC.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..').replace('@@ -22,7 +22,7 @@', '@@ -21,7 +21,7 @@');
    const ws = await createWorkspace(mail(diff, b), { repo: repo.dir, history: h });
    expect((await ws.postImage('fs/file.c'))?.text).toBe(v3);
  });

  it('reads only the hunks without a repository, with blank filler so line numbers stay true', async () => {
    const ws = await createWorkspace(mail(diffAB), { repo: null, history: null });
    const post = (await ws.postImage('fs/file.c'))!;
    expect(post.complete).toBe(false);
    const lines = post.text.split('\n');
    expect(lines[9]).toBe('line 10 changed');
    expect(lines[10]).toBe('line 10b');
    expect(lines[0]).toBe('');
    expect(lines[6]).toBe('line 7');
    expect(ws.applied).toBeNull();
    expect(ws.base).toEqual({ commit: null, source: 'none', label: 'no repository' });
    expect(ws.notes.join('\n')).toMatch(/only the hunks of fs\/file.c were read \(no repository\)/);
    expect(await ws.readBaseFile('fs/file.c')).toBeNull();
  });

  it('reads only the hunks when neither blob nor base file exists', async () => {
    const diff = diffAB.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..').replace(/fs\/file\.c/g, 'fs/gone.c');
    const ws = await createWorkspace(mail(diff), { repo: repo.dir, history: h });
    expect((await ws.postImage('fs/gone.c'))?.complete).toBe(false);
    expect(ws.applied).toBeNull();
  });

  it('says a patch whose hunk counts lie does not apply, without crashing', async () => {
    // The hunk claims one more line than it carries: the blank line after it is read as context
    // (mailers strip a context line's space), which the pre-image does not have there.
    const lying = diffAB.replace(/@@ -7,7 \+7,8 @@/, '@@ -7,8 +7,9 @@');
    expect(lying).not.toBe(diffAB);
    const ws = await createWorkspace(mail(lying), { repo: repo.dir, history: h });
    expect(ws.applied).toBe(false);
    expect(ws.notes.join('\n')).toMatch(/fs\/file.c: the patch does not apply to blob [0-9a-f]+: hunk 1 \(@@ -7,8 \+7,9 @@\)/);
    // git apply --recount -C2 places it without the stray context line; the image says it is a guess.
    expect((await ws.postImage('fs/file.c'))?.assumed).toMatch(/git apply -C2\), 1 context line of the mail set aside/);
  });

  it('says a patch whose context does not match does not apply', async () => {
    const ws = await createWorkspace(mail(diffAB.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..'), c), { repo: repo.dir, history: h });
    expect(ws.applied).toBe(false);
    expect(ws.notes.join('\n')).toMatch(/does not match the pre-image/);
  });

  it('places hunks whose outer context moved on, as git apply -C1 would, and numbers them in the base', async () => {
    // The base (c) has line 25 changed; a mail changing line 23 carries the old line 25 as its last context.
    const old = v1.replace('line 23\n', 'line 23 changed\n');
    const mailRepo = new TestRepo();
    try {
      const m1 = mailRepo.commit('base\n', { files: { 'fs/file.c': v1.replace('line 1\n', 'line 0\nline 0b\nline 1\n') } });
      const m2 = mailRepo.commit('change\n', { files: { 'fs/file.c': old.replace('line 1\n', 'line 0\nline 0b\nline 1\n') } });
      const diff = mailRepo.git('diff', m1, m2).replace(/^index [0-9a-f]+\.\./m, 'index 1234567..') + '\n';
      const ws = await createWorkspace(mail(diff, c), { repo: repo.dir, history: h });
      expect(ws.applied).toBe(false);
      const post = (await ws.postImage('fs/file.c'))!;
      expect(post.text).toBe(v3.replace('line 23\n', 'line 23 changed\n'));
      expect(post.assumed).toMatch(/at least 1 line of context match at each end \(git apply -C1\), 4 context lines of the mail set aside/);
      expect((await ws.preImage('fs/file.c'))?.text).toBe(v3);
      // The checks see the hunk where it went in the base (line 24 there: line 10 gained a line), without the context that did not match.
      const hunk = (await ws.files())[0].hunks[0];
      const added = hunk.lines.find((l) => l.kind === 'add')!;
      expect(post.text.split('\n')[added.newLine! - 1]).toBe('line 23 changed');
      expect(hunk.lines.map((l) => l.text)).not.toContain('line 25');
      // A finding there is told on the mail's own line, 25: the mail's file has two more lines above it, the base one more.
      expect(ws.toPatchLine!('fs/file.c', added.newLine!)).toBe(25);
      // With placing off (the mail daemon, which never mails what a placed file shows), the file is read from its hunks.
      const off = await createWorkspace(mail(diff, c), { repo: repo.dir, history: h, placeUnapplied: false });
      expect((await off.postImage('fs/file.c'))?.assumed).toBeUndefined();
      expect(off.notes.join('\n')).toMatch(/does not apply to .*; only its hunks were read$/m);
    } finally {
      mailRepo.remove();
    }
  });

  it('does not copy a file past the line limit to place hunks in it', async () => {
    // A mail that git apply -C1 would place (as above), with a limit below the base file's 31 lines.
    const mailRepo = new TestRepo();
    try {
      const m1 = mailRepo.commit('base\n', { files: { 'fs/file.c': v1.replace('line 1\n', 'line 0\nline 0b\nline 1\n') } });
      const m2 = mailRepo.commit('change\n', { files: { 'fs/file.c': v1.replace('line 1\n', 'line 0\nline 0b\nline 1\n').replace('line 12\n', 'line 12 changed\n') } });
      const diff = mailRepo.git('diff', m1, m2).replace(/^index [0-9a-f]+\.\./m, 'index 1234567..') + '\n';
      const ws = await createWorkspace(mail(diff, c), { repo: repo.dir, history: h, limits: { linesPerFile: 20 } });
      expect(ws.notes.join('\n')).toMatch(/only its hunks were read \(the base's file has more than 20 lines/);
    } finally {
      mailRepo.remove();
    }
  });

  it('reads both images from the hunks when not even one line of context places them', async () => {
    // Line 25 is both context and changed in the base: the removed line is not there at all.
    const gone = mail(diffBC.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..').replace(/^-line 25$/m, '-line 25 as it never was'), c);
    const ws = await createWorkspace(gone, { repo: repo.dir, history: h });
    expect(ws.applied).toBe(false);
    expect(ws.notes.join('\n')).toMatch(/only its hunks were read \(not even with 1 line of context matching/);
    expect((await ws.preImage('fs/file.c'))?.complete).toBe(false);
    expect((await ws.postImage('fs/file.c'))?.complete).toBe(false);
  });

  it('lets patch 2 of a series apply on patch 1 post-image', async () => {
    const hide = (s: string) => s.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..');
    const ws1 = await createWorkspace(mail(hide(diffAB), a), { repo: repo.dir, history: h });
    const ws2 = await createWorkspace(mail(hide(diffBC), a), { repo: repo.dir, history: h, previous: ws1 });
    expect(ws2.applied).toBe(true);
    expect((await ws2.postImage('fs/file.c'))?.text).toBe(v3);
    expect(await ws2.readBaseFile('fs/file.c')).toBe(v2);
    // Without the previous patch, patch 2 lands on the base, which lacks patch 1.
    const alone = await createWorkspace(mail(hide(diffBC), a), { repo: repo.dir, history: h });
    expect((await alone.postImage('fs/file.c'))?.text).toBe(v1.replace('line 25\n', 'line 25 changed\n'));
  });

  it('lets patch 3 apply on patch 1 post-image of a file patch 2 did not touch', async () => {
    const hide = (s: string) => s.replace(/^index [0-9a-f]+\.\./m, 'index 1234567..');
    const other = (mailRepo: TestRepo) => {
      const o1 = mailRepo.commit('other\n', { files: { 'fs/other.c': 'other\n' } });
      const o2 = mailRepo.commit('other changed\n', { files: { 'fs/other.c': 'other changed\n' } });
      return mailRepo.git('diff', o1, o2) + '\n';
    };
    const scratch = new TestRepo();
    try {
      const diffOther = other(scratch);
      const ws1 = await createWorkspace(mail(hide(diffAB), a), { repo: repo.dir, history: h });
      const after1 = await postImagesOf(ws1);
      const ws2 = await createWorkspace(mail(hide(diffOther), a), { repo: repo.dir, history: h, previous: after1 });
      expect(ws2.applied).toBe(true);
      const after2 = await postImagesOf(ws2, after1);
      const ws3 = await createWorkspace(mail(hide(diffBC), a), { repo: repo.dir, history: h, previous: after2 });
      expect(ws3.applied).toBe(true);
      // Patch 1's change is in patch 3's images: line 10 changed and line 25 changed, not the base with one of them.
      expect((await ws3.postImage('fs/file.c'))?.text).toBe(v3);
      expect(await ws3.readBaseFile('fs/file.c')).toBe(v2);
      expect(await ws3.readBaseFile('fs/other.c')).toBe('other changed\n');
      // A file a later patch deletes is not carried past it.
      const drop = mail(`diff --git a/fs/file.c b/fs/file.c\ndeleted file mode 100644\nindex 1234567..0000000\n--- a/fs/file.c\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n`, a);
      const ws4 = await createWorkspace(drop, { repo: repo.dir, history: h, previous: await postImagesOf(ws3, after2) });
      const after4 = await postImagesOf(ws4, await postImagesOf(ws3, after2));
      expect((await after4.files()).map((f) => f.newPath).filter((p) => p !== null)).toEqual(['fs/other.c']);
    } finally {
      scratch.remove();
    }
  });
});

describe('the base', () => {
  it('prefers --base, then base-commit:, then HEAD', async () => {
    const p = mail(diffAB, b);
    expect((await createWorkspace(p, { repo: repo.dir, history: h, base: 'HEAD~3' })).base).toEqual({
      commit: a, source: 'option', label: `--base HEAD~3 (${a.slice(0, 12)})`,
    });
    expect((await createWorkspace(p, { repo: repo.dir, history: h })).base.source).toBe('base-commit');
    const missing = await createWorkspace(mail(diffAB, 'f'.repeat(40)), { repo: repo.dir, history: h });
    expect(missing.base).toMatchObject({ source: 'head', commit: d });
    expect(missing.notes).toContain(`base-commit ${'f'.repeat(40)} is not in this repository`);
  });

  it('refuses an unknown or hostile --base with one line', async () => {
    await expect(createWorkspace(mail(diffAB), { repo: repo.dir, history: h, base: 'nope' })).rejects.toThrow(KreviewError);
    await expect(createWorkspace(mail(diffAB), { repo: repo.dir, history: h, base: '--output=/tmp/x' })).rejects.toThrow(/refused/);
  });
});
