// Two processes that open the History of the same new repository at once (a review and a worker,
// two reviews in a terminal) share one index file: both build it, and neither may fail. Each walk
// reads then writes in its transactions; a deferred one that the other process wrote under failed
// at once with "database is locked" instead of waiting its turn. Real git, real child processes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kreview-index-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A repository of `n` commits, each naming the one before it in a Fixes: tag, made by git fast-import. */
function bigRepo(n: number): string {
  const repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'master', repo]);
  let stream = '';
  for (let i = 1; i <= n; i++) {
    const msg = `lib: change ${i}\n\nFixes: ${'0'.repeat(8)}${String(i).padStart(4, '0')} ("lib: change ${i - 1}")\nSigned-off-by: A U Thor <a@example.org>\n`;
    stream += `commit refs/heads/master\nmark :${i}\ncommitter A U Thor <a@example.org> ${1_600_000_000 + i} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
    stream += i > 1 ? `from :${i - 1}\n` : '';
    stream += `M 644 inline lib/a.c\ndata ${String(i).length + 1}\n${i}\n\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream });
  return repo;
}

const OPEN = `
const { openHistory } = await import(${JSON.stringify(new URL('../../src/git/history.ts', import.meta.url).href)});
try {
  const h = await openHistory(process.argv[1], { cacheDir: process.argv[2] });
  await h.close();
  console.log('opened');
} catch (e) {
  console.log('failed: ' + e.message);
}`;

function open(repo: string, cache: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', OPEN, repo, cache], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', () => resolve(out.trim()));
  });
}

describe('the history index', () => {
  it('is built by two processes at once without either failing', { timeout: 180_000 }, async () => {
    const repo = bigRepo(8000);
    for (let round = 0; round < 3; round++) {
      const cache = join(dir, `cache-${round}`);
      expect(await Promise.all([open(repo, cache), open(repo, cache)])).toEqual(['opened', 'opened']);
    }
  });
});
