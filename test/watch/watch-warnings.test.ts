// A malformed but reviewable patch (its hunk counts do not match its lines, as a mailer that
// rewraps or an author who edits a patch by hand leaves it) is reviewed, and what its decoding met
// is a warning: `kreview watch --once` exits 0, says the warning, and --status keeps it; the JSON of
// `kreview review` has it under `warnings`, not `errors`.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'kreview-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kreview(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One patch to a vger list with a line after its hunk's counts ran out (dropped, with a warning). */
const MAIL = `From: Jo Developer <jo@example.org>
To: linux-ext4@vger.kernel.org
Subject: [PATCH] ext4: say why the mount failed
Date: Tue, 11 Nov 2025 10:07:20 +0100
Message-Id: <20251111090720.1234-1-jo@example.org>
List-Id: <linux-ext4.vger.kernel.org>
Precedence: bulk
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

A failed mount says nothing today; print the reason.

Signed-off-by: Jo Developer <jo@example.org>
---
 fs/ext4/super.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/fs/ext4/super.c b/fs/ext4/super.c
index 1111111..2222222 100644
--- a/fs/ext4/super.c
+++ b/fs/ext4/super.c
@@ -10,3 +10,4 @@ static int ext4_fill_super(struct super_block *sb)
 	err = ext4_load_journal(sb);
 	if (err)
+		ext4_msg(sb, KERN_ERR, "cannot load the journal: %d", err);
 		goto out;
+	pr_err("ext4: mount failed\\n");
-- 
2.43.0
`;

const WARNING = /fs\/ext4\/super\.c: 1 line\(s\) after a hunk's counts ran out were ignored \(hunk counts do not match the lines\)/;

describe('a patch decoded with warnings', { timeout: 240_000 }, () => {
  it('is reviewed by watch --once, which exits 0, says the warning, and keeps it for --status', async () => {
    const maildir = join(dir, 'md');
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    writeFileSync(join(maildir, 'new', 'm1'), MAIL);
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      `bot: { name: kreview, address: kreview@bots.example.org }
state: ${join(dir, 'state.db')}
sink: { type: directory, dir: ${join(dir, 'outbox')} }
sources: [ { type: maildir, path: ${maildir}, name: md } ]
timing: { settleSeconds: 0, partialWaitMinutes: 0 }
lists: [ { id: linux-ext4.vger.kernel.org, mode: enabled } ]
`,
    );
    const r = await kreview(['watch', '--once', '--config', policy]);
    expect(r.stdout).toMatch(/reviewed 1 series/);
    expect(r.stderr).toMatch(WARNING);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const status = await kreview(['watch', '--status', '--config', policy]);
    expect(status.stdout).toMatch(new RegExp(`warning: md .*${WARNING.source}`));
    expect(status.stdout).not.toMatch(/ error: /);
  });

  it('is in the JSON of kreview review under warnings, not errors', async () => {
    const file = join(dir, 'patch.eml');
    writeFileSync(file, MAIL);
    const r = await kreview(['review', file, '--format', 'json']);
    const patch = (JSON.parse(r.stdout) as { series: { patches: { errors: string[]; warnings: string[] }[] }[] }).series[0].patches[0];
    expect(patch.errors).toEqual([]);
    expect(patch.warnings).toHaveLength(1);
    expect(patch.warnings[0]).toMatch(WARNING);
    // For `kreview review` the input itself is faulty: still exit 2, as for any input error.
    expect(r.code).toBe(2);
  });
});
