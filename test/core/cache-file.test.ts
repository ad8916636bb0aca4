// The disk caches write each file atomically, also when two threads of one process write the same
// entry at once (`--threads`, `--review-threads`): every write lands whole, none fails, and no
// temporary file is left. Two real worker threads write the same file many times with texts of
// different lengths and check after each write that the file holds a whole text.
import { mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCacheFile } from '../../src/core/cache-file.js';

const dir = mkdtempSync(join(tmpdir(), 'kreview-cache-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
(async () => {
  // A thread does not inherit tsx from its parent: register it here, as src/watch/review-threads.ts does.
  (await import(workerData.tsx)).register();
  const { writeCacheFile } = await import(workerData.module);
  let failed = 0, torn = 0;
  for (let i = 0; i < workerData.rounds; i++) {
    // A text is one letter repeated, ended by its own length: a mix of two writes shows.
    const n = 1000 + ((i * 7919 + workerData.seed) % 200000);
    const text = workerData.letter.repeat(n) + '|' + n;
    if (!writeCacheFile(workerData.file, text)) failed++;
    const got = readFileSync(workerData.file, 'utf8');
    const bar = got.lastIndexOf('|');
    const body = got.slice(0, bar);
    if (bar < 0 || Number(got.slice(bar + 1)) !== body.length || body !== body[0].repeat(body.length)) torn++;
  }
  parentPort.postMessage({ failed, torn });
})();
`;

function run(letter: string, seed: number, file: string): Promise<{ failed: number; torn: number }> {
  const module = new URL('../../src/core/cache-file.ts', import.meta.url).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const w = new Worker(THREAD, { eval: true, workerData: { module, tsx, letter, seed, file, rounds: 400 } });
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('writeCacheFile', () => {
  it('lands every write whole when two threads of one process write the same file', { timeout: 120_000 }, async () => {
    const file = join(dir, 'aa', 'entry.json');
    const [a, b] = await Promise.all([run('a', 1, file), run('b', 104729, file)]);
    expect(a).toEqual({ failed: 0, torn: 0 });
    expect(b).toEqual({ failed: 0, torn: 0 });
    expect(readdirSync(join(dir, 'aa'))).toEqual(['entry.json']);
  });

  it('says false and leaves no temporary file when the directory cannot be written', () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a file standing where the directory should be fails for root too.
      writeFileSync(join(dir, 'blocker'), '');
      expect(writeCacheFile(join(dir, 'blocker', 'x.json'), 'x')).toBe(false);
      return;
    }
    const ro = join(dir, 'ro');
    writeCacheFile(join(ro, 'first'), '1');
    chmodSync(ro, 0o500);
    try {
      expect(writeCacheFile(join(ro, 'x.json'), 'x')).toBe(false);
      expect(readdirSync(ro)).toEqual(['first']);
    } finally {
      chmodSync(ro, 0o700);
    }
  });
});
