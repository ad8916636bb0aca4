// `kreview review --format json` loads JSON's writer only: the text, SARIF, b4 and rdjsonl renderers
// (and their dependencies) stay unloaded. Which modules loaded is seen by a module resolve hook that
// logs every URL the real CLI (its sources, through tsx) asks for.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');
let dirs: string[] = [];

afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** The src/ and checks/ modules a CLI run of `args` loaded (paths relative to the project). */
function modulesLoaded(args: string[]): string[] {
  return [...new Set(urlsLoaded(args).map((u) => /\/((?:src|checks)\/.*)\.[jt]s$/.exec(u)?.[1]).filter((m): m is string => m !== undefined))];
}

/** Every URL a CLI run of `args` resolved (Node's own modules as `node:name`). */
function urlsLoaded(args: string[]): string[] {
  const d = mkdtempSync(join(tmpdir(), 'kreview-modules-'));
  dirs.push(d);
  const log = join(d, 'resolved.txt');
  writeFileSync(join(d, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`);
  writeFileSync(join(d, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(d, 'register.mjs'), MAIN, ...args], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('kreview review --format json', () => {
  it('loads no other renderer', () => {
    const repo = new TestRepo();
    repo.commit('one');
    repo.commit('two\n\nFixes: 0123456789ab ("nothing")\n');
    const loaded = modulesLoaded(['review', '--repo', repo.dir, '--checks', 'fixes', '--format', 'json', '-o', join(repo.dir, 'out.json'), 'HEAD']);
    expect(loaded).toContain('src/review/render-json');
    expect(loaded).toContain('checks/fixes-tag/index');
    for (const m of ['render-text', 'render-sarif', 'render-b4', 'render-rdjsonl', 'render-mail-preview']) expect(loaded).not.toContain(`src/review/${m}`);
  });

  it('loads no zlib when nothing is fetched from lore', () => {
    const repo = new TestRepo();
    repo.commit('one');
    const urls = urlsLoaded(['review', '--repo', repo.dir, '--checks', 'fixes', '--format', 'json', '-o', join(repo.dir, 'out.json'), 'HEAD']);
    expect(urls).toContain('node:child_process');
    expect(urls).not.toContain('node:zlib');
  });

  it('still loads the text renderer for text', () => {
    const repo = new TestRepo();
    repo.commit('one');
    expect(modulesLoaded(['review', '--repo', repo.dir, '--checks', 'fixes', '-o', join(repo.dir, 'out.txt'), 'HEAD'])).toContain('src/review/render-text');
  });
});
