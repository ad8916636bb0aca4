// re2js (260 KB of JavaScript) is loaded when the first RE2 program is built, not when safe-regex
// is imported: a review that only scans names and never meets a pattern's literal does not load it.
// Seen from a new process, whose module resolutions a loader hook writes down.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kreview-re2load-'));
const log = join(dir, 'resolved');
const hooks = join(dir, 'hooks.mjs');
writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  if (/re2js/.test(spec)) appendFileSync(${JSON.stringify(log)}, spec + '\\n');\n  return next(spec, ctx);\n}\n`);
const safeRegex = pathToFileURL(join(import.meta.dirname, '../../src/core/safe-regex.ts')).href;

/**
 * Run `body` (with LinearRegExp and linearGlob in scope) in a new process: the re2js modules it
 * loaded, by import (seen by the hook) or by require (in the CommonJS cache at the end).
 */
function re2jsLoads(body: string): string[] {
  writeFileSync(log, '');
  const script = [
    `import { createRequire, register } from 'node:module';`,
    `import { appendFileSync } from 'node:fs';`,
    `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
    `const { LinearRegExp, linearGlob } = await import(${JSON.stringify(safeRegex)});`,
    body,
    `for (const k of Object.keys(createRequire(import.meta.url).cache)) if (/re2js/.test(k)) appendFileSync(${JSON.stringify(log)}, 'required ' + k.replace(/.*node_modules./, '') + '\\n');`,
  ].join('\n');
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../..'), stdio: 'pipe' });
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('the RE2 engine is loaded on first use', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('not by importing safe-regex, matching globs, or patterns whose literal the input lacks', () => {
    const loads = re2jsLoads(`
if (!linearGlob('mutex_*').test('mutex_lock')) throw new Error('glob');
if (new LinearRegExp('\\\\bGFP_NOFS\\\\b', false).test('kmalloc(n, GFP_KERNEL)')) throw new Error('literal');`);
    expect(loads).toEqual([]);
  });

  it('by the first pattern that must run, which then matches as RE2 does', () => {
    const loads = re2jsLoads(`
const re = new LinearRegExp('\\\\bGFP_(NOFS|NOIO)\\\\b', false);
if (!re.test('kmalloc(n, GFP_NOFS)') || re.test('kmalloc(n, GFP_NOFSX)')) throw new Error('match');`);
    expect(loads).toEqual(['required re2js/build/index.cjs']);
  });
});
