// `kreview review --repo` starts opening the repository's History (its first git) before it reads
// the lock rules, so git's answers come while the lock check's modules and rules load. Seen with a
// rule file that is a named pipe, written only once a `git` first on PATH has logged its start:
// when the rules were read first, the review would block on the pipe until the test gave up waiting.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { gitWrapper } from '../helpers/git-wrapper.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';

/** How long the test waits for a git before it writes the rules anyway (so the old order fails, not hangs). */
const WAIT_MS = 20_000;

describe('kreview review --repo: the History opens before the rules are read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kreview-opens-first-'));
  const repo = new TestRepo();
  afterAll(() => {
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first git starts while the rule file is still unwritten, and the review completes', async () => {
    repo.commit('base\n', { files: { 'fs/demo/a.c': 'int demo(void)\n{\n\treturn 0;\n}\n' } });
    repo.commit('demo: return one\n', { files: { 'fs/demo/a.c': 'int demo(void)\n{\n\treturn 1;\n}\n' } });
    const mail = join(dir, 'one.patch');
    writeFileSync(mail, repo.formatPatch('HEAD^!'));
    const { bin, path } = gitWrapper((real, at) => `echo started >> '${at}/gits'\nexec '${real}' "$@"`, dir);
    const log = join(bin, 'gits');
    const rules = join(dir, 'rules.yml');
    execFileSync('mkfifo', [rules]);
    const config = join(dir, 'kreview.yml');
    writeFileSync(config, `lock:\n  ruleFiles: [${rules}]\n`);

    const child = spawn(process.execPath, [KREVIEW_BIN, 'review', '--repo', repo.dir, '--config', config, '--format', 'json', mail], {
      env: { ...process.env, PATH: path, KREVIEW_CACHE: join(dir, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    const t0 = Date.now();
    while (!(existsSync(log) && readFileSync(log, 'utf8').length) && Date.now() - t0 < WAIT_MS) await new Promise((r) => setTimeout(r, 50));
    const gitFirst = existsSync(log) && readFileSync(log, 'utf8').length > 0;
    // Blocks (in the thread pool) until the review opens the pipe to read it.
    await writeFile(rules, 'rules: []\n');
    const code = await exited;

    expect(gitFirst).toBe(true);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).series[0].patches[0].applied).toBe(true);
  }, 120_000);
});
