// The `kreview review` command end to end: real repositories, real format-patch output.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

let repo: TestRepo;
let target: string;
let good: string;
let bad: string;
let work: string;

beforeAll(() => {
  repo = new TestRepo();
  target = repo.commit('ext4: add the overhead cache\n\nSigned-off-by: A <a@example.org>\n', { files: { 'fs/ext4/super.c': 'int a;\n' } });
  repo.tag('v6.1');
  good = repo.commit(`ext4: fix the overhead cache\n\nThe cache was wrong.\n\n${repo.fixesLine(target)}\nCc: stable@vger.kernel.org\nSigned-off-by: A <a@example.org>\n`, { files: { 'fs/ext4/super.c': 'int a;\nint b;\n' } });
  bad = repo.commit(`ext4: fix more of it\n\nMore.\n\nFixes: ${target.slice(0, 8)} ("ext4: add the overhead")\nSigned-off-by: A <a@example.org>\n`, { files: { 'fs/ext4/super.c': 'int a;\nint b;\nint c;\n' } });
  work = mkdtempSync(join(tmpdir(), 'kreview-cli-'));
});

afterAll(() => repo.remove());

const json = (s: string) => JSON.parse(s) as { series: { patches: { id: string; subject: string; base: { source: string; commit: string }; findings: { id: string; suggestion?: string }[] }[] }[]; errors: string[] };

describe('kreview review', () => {
  it('reviews a range of commits and reports every commit, with the short id and its correction', () => {
    const r = runCli(['review', '--repo', repo.dir, `${target}..HEAD`, '--format', 'json']);
    expect(r.stderr).toBe('');
    const patches = json(r.stdout).series.flatMap((s) => s.patches);
    expect(patches.map((p) => p.id)).toEqual([good, bad]);
    expect(patches[0].findings).toEqual([]);
    expect(patches[0].base).toEqual({ commit: target, source: 'parent', label: expect.any(String) });
    const short = patches[1].findings.find((f) => f.id === 'fixes/short-sha');
    expect(short?.suggestion).toBe(repo.fixesLine(target));
    expect(r.code).toBe(0); // short ids are warnings; --fail-on defaults to error
  });

  it('exits 1 when a finding reaches --fail-on', () => {
    expect(runCli(['review', '--repo', repo.dir, `${bad}^!`, '--fail-on', 'warning']).code).toBe(1);
    expect(runCli(['review', '--repo', repo.dir, `${good}^!`, '--fail-on', 'note']).code).toBe(0);
  });

  it('reads format-patch output on stdin', () => {
    const mbox = repo.formatPatch(`${target}..HEAD`);
    const r = runCli(['review', '-', '--repo', repo.dir, '--format', 'json'], { input: mbox });
    const patches = json(r.stdout).series.flatMap((s) => s.patches);
    expect(patches).toHaveLength(2);
    expect(patches[1].findings.map((f) => f.id)).toContain('fixes/short-sha');
  });

  it('prints checkpatch-shaped text with a summary line', () => {
    const r = runCli(['review', '--repo', repo.dir, `${bad}^!`]);
    expect(r.stdout).toMatch(/^WARNING: (Fixes tag: )?SHA1 should be at least 12 digits long \[fixes\/short-sha\]$/m);
    expect(r.stdout).toContain(`#5: COMMIT MESSAGE:5:\nFixes: ${target.slice(0, 8)} ("ext4: add the overhead")\n`);
    expect(r.stdout).toMatch(/^kreview: 1 patch reviewed, /m);
  });

  it('previews the mail replies it would send, threaded under each patch', () => {
    const file = join(work, 'mail.patch');
    writeFileSync(file, repo.formatPatch(`${bad}^!`, '--thread', '--to=list@example.org'));
    const r = runCli(['review', file, '--repo', repo.dir, '--format', 'email']);
    expect(r.stdout).toMatch(/^Subject: Re: \[PATCH\] ext4: fix more of it$/m);
    expect(r.stdout).toMatch(/^In-Reply-To: <.+>$/m);
    expect(r.stdout).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(r.stdout).toContain(`> Fixes: ${target.slice(0, 8)} ("ext4: add the overhead")\n`);
    expect(r.stdout).toContain(repo.fixesLine(target));
  });

  it('a plain format-patch file without problems exits 0 with no error', () => {
    const file = join(work, 'clean.patch');
    writeFileSync(file, repo.formatPatch(`${good}^!`));
    const r = runCli(['review', file, '--repo', repo.dir, '--base', target, '--format', 'json']);
    expect(r.code).toBe(0);
    const p = json(r.stdout).series[0].patches[0] as unknown as { errors: string[]; findings: unknown[] };
    expect(p.errors).toEqual([]);
    expect(p.findings).toEqual([]);
  });

  it('a latin1 mail is a note, not an input error: exit 0, and the note says how it was read', () => {
    const file = join(work, 'latin1.patch');
    // format-patch output with the charset line taken out and the body's UTF-8 turned into latin1 bytes.
    const utf8 = repo.formatPatch(`${good}^!`).replace(/^Content-Type: .*\n/m, '').replace(/^Content-Transfer-Encoding: .*\n/m, '');
    const [head, ...rest] = utf8.split('\n\n');
    writeFileSync(file, Buffer.concat([Buffer.from(head + '\n\n'), Buffer.from(`Grüße aus München.\n\n${rest.join('\n\n')}`, 'latin1')]));
    const r = runCli(['review', file, '--repo', repo.dir, '--base', target, '--format', 'json']);
    const p = json(r.stdout).series[0].patches[0] as unknown as { errors: string[]; notes: string[] };
    expect(p.errors).toEqual([]);
    expect(p.notes.join(' ')).toMatch(/not UTF-8 and names no charset; read it as latin1/);
    expect(r.code).toBe(0);
  });

  it('works without a repository, checking the form only and saying so', () => {
    const file = join(work, 'one.patch');
    writeFileSync(file, repo.formatPatch(`${bad}^!`));
    const r = runCli(['review', file, '--format', 'json']);
    const p = json(r.stdout).series[0].patches[0] as unknown as { notes: string[]; findings: { id: string }[] };
    expect(p.findings.map((f) => f.id)).toContain('fixes/short-sha');
    expect(p.notes.join(' ')).toMatch(/no repository/);
  });
});

describe('bad input', () => {
  it('hostile revisions are refused with one line each, run nothing, and the other inputs are still reviewed', () => {
    const victim = join(work, 'pwned');
    const r = runCli(['review', '--repo', repo.dir, '--format', 'json', '--', `${bad}^!`, `--output=${victim}`, '$(touch ' + victim + ')', 'HEAD\n--all']);
    expect(existsSync(victim)).toBe(false);
    expect(r.code).toBe(2);
    const out = json(r.stdout);
    expect(out.series.flatMap((s) => s.patches).map((p) => p.id)).toEqual([bad]);
    expect(out.errors).toHaveLength(3);
    for (const e of out.errors) expect(e).not.toContain('\n');
  });

  it('a directory that is not a repository is one line and exit 2', () => {
    const r = runCli(['review', '--repo', work, 'HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a git repository/);
  });

  it('a broken rule file stops kreview at start-up with its file and line', () => {
    const rules = join(work, 'bad-rules.yml');
    writeFileSync(rules, 'rules:\n  - id: reserve-under-page-lock\n    calls: [unclosed\n');
    const config = join(work, 'kreview.yml');
    writeFileSync(config, `lock:\n  ruleFiles: [${rules}]\n`);
    const r = runCli(['review', '--repo', repo.dir, '--config', config, `${bad}^!`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad-rules.yml:');
  });

  it('a review without the lock check does not read the lock rules (a broken file included)', () => {
    const rules = join(work, 'bad-rules-unread.yml');
    writeFileSync(rules, 'rules:\n  - id: reserve-under-page-lock\n    calls: [unclosed\n');
    const config = join(work, 'kreview-fixes-only.yml');
    writeFileSync(config, `lock:\n  ruleFiles: [${rules}]\n`);
    const r = runCli(['review', '--repo', repo.dir, '--config', config, '--checks', 'fixes', '--format', 'json', `${bad}^!`]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).summary.patches).toBe(1);
  });

  it('a missing base is one line and exit 2', () => {
    const r = runCli(['review', '--repo', repo.dir, '--base', 'no-such-branch', `${bad}^!`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base no-such-branch: no such revision/);
  });

  it('a missing file is named, and the other files are still reviewed', () => {
    const file = join(work, 'two.patch');
    writeFileSync(file, repo.formatPatch(`${bad}^!`));
    const r = runCli(['review', join(work, 'nope.mbox'), file, '--format', 'json']);
    expect(r.code).toBe(2);
    const out = json(r.stdout);
    expect(out.errors[0]).toContain('nope.mbox');
    expect(out.series).toHaveLength(1);
  });

  it('a truncated mbox and a patch with a hostile path: named in one line each, the sane patch still reviewed', () => {
    const [first, second] = repo.formatPatch(`${target}..HEAD`).split(/\n(?=From [0-9a-f]{40} )/);
    const hostile = second.replace(/fs\/ext4\/super\.c/g, '../../etc/passwd');
    const file = join(work, 'hostile.mbox');
    const midLine = hostile.lastIndexOf('\n', hostile.length - 20) + 5; // cut four characters into a line
    writeFileSync(file, `${first}\n${hostile.slice(0, midLine)}`);
    const r = runCli(['review', file, '--repo', repo.dir, '--format', 'json']);
    expect(r.code).toBe(2);
    const out = json(r.stdout);
    expect(out.series.flatMap((s) => s.patches).map((p) => p.subject)).toEqual(['[PATCH 1/2] ext4: fix the overhead cache']);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/hostile\.mbox#2: .*not reviewed: no diff in it .*truncated.*etc\/passwd/);
  });
});

describe('code findings on commits of a range', () => {
  it('quote the added line, though a commit\'s diff is only loaded when a finding needs it', () => {
    const r2 = new TestRepo();
    try {
      r2.commit('btrfs: add f', { files: { 'fs/btrfs/inode.c': 'static void f(struct page *page)\n{\n\tlock_page(page);\n\tset_page_dirty(page);\n\tunlock_page(page);\n}\n' } });
      r2.commit('btrfs: reserve in f', {
        files: { 'fs/btrfs/inode.c': 'static void f(struct page *page, struct inode *inode)\n{\n\tlock_page(page);\n\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);\n\tset_page_dirty(page);\n\tunlock_page(page);\n}\n' },
      });
      const r = runCli(['review', '--repo', r2.dir, 'HEAD^!', '--terse']);
      expect(r.stdout).toContain('[lock/reserve-under-page-lock]\n#4: FILE: fs/btrfs/inode.c:4:\n+\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);\n');
      expect(r.code).toBe(1);
    } finally {
      r2.remove();
    }
  });

  it('a mailed patch that applies to the base at an offset: the finding names the line of the patch as sent, and quotes it', () => {
    const author = new TestRepo();
    const r2 = new TestRepo();
    try {
      const f = 'static void f(struct page *page, struct inode *inode)\n{\n\tlock_page(page);\n\tset_page_dirty(page);\n\tunlock_page(page);\n}\n';
      const tail = Array.from({ length: 10 }, (_, i) => `/* tail ${i + 1} */`).join('\n') + '\n';
      // The author's tree: its blob is not in the reviewer's repository, so the base's file is the pre-image.
      author.commit('btrfs: add f', { files: { 'fs/btrfs/inode.c': f + tail } });
      author.commit('btrfs: reserve in f', { files: { 'fs/btrfs/inode.c': f.replace('\tlock_page(page);\n', '\tlock_page(page);\n\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);\n') + tail } });
      const file = join(work, 'offset.patch');
      writeFileSync(file, author.formatPatch('HEAD^!'));
      // The tree it is reviewed against has 30 more lines above f().
      const header = Array.from({ length: 30 }, (_, i) => `/* line ${i + 1} */`).join('\n') + '\n';
      r2.commit('btrfs: add f, under a header comment', { files: { 'fs/btrfs/inode.c': header + f + '/* another tail */\n' } });
      const r = runCli(['review', file, '--repo', r2.dir, '--base', 'HEAD', '--terse']);
      // Line 4 of the patch (its hunk says +1,7), not line 34 of the base's file.
      expect(r.stdout).toContain('[lock/reserve-under-page-lock]\n#4: FILE: fs/btrfs/inode.c:4:\n+\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);\n');
      expect(r.code).toBe(1);
      const mail = runCli(['review', file, '--repo', r2.dir, '--base', 'HEAD', '--format', 'email']);
      expect(mail.stdout).toContain('> @@ -1,6 +1,7 @@');
      expect(mail.stdout).toContain('> +\tbtrfs_delalloc_reserve_space(inode, NULL, 0, 4096);');
    } finally {
      author.remove();
      r2.remove();
    }
  });
});
