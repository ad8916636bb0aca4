// bin/kreview.js chooses between the JavaScript built into dist/ and the TypeScript sources. The real
// launcher runs in a small package laid out as kreview's is, whose dist/ and src/ entry points say which
// one ran, so each case takes a fraction of a second instead of a build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { KREVIEW_BIN } from '../helpers/run-cli.js';

const ROOT = join(dirname(KREVIEW_BIN), '..');
let dirs: string[] = [];

afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A package with bin/kreview.js, a build made at `builtAt` (seconds) and sources last edited at `editedAt`. */
function pkg(opts: { builtAt: number | null; editedAt: number; gitCheckout: boolean }): string {
  const d = mkdtempSync(join(tmpdir(), 'kreview-bin-'));
  dirs.push(d);
  mkdirSync(join(d, 'bin'));
  copyFileSync(KREVIEW_BIN, join(d, 'bin', 'kreview.js'));
  symlinkSync(join(ROOT, 'node_modules'), join(d, 'node_modules'));
  writeFileSync(join(d, 'package.json'), '{"type":"module"}\n');
  for (const sub of ['src/cli', 'checks/locking']) mkdirSync(join(d, sub), { recursive: true });
  writeFileSync(join(d, 'src/cli/main.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
  writeFileSync(join(d, 'checks/locking/rule.ts'), 'export const rule = 1;\n');
  for (const f of ['src/cli/main.ts', 'checks/locking/rule.ts']) utimesSync(join(d, f), opts.editedAt, opts.editedAt);
  if (opts.builtAt !== null) {
    mkdirSync(join(d, 'dist/src/cli'), { recursive: true });
    writeFileSync(join(d, 'dist/src/cli/main.js'), "console.log('dist');\n");
    writeFileSync(join(d, 'dist/.built'), '');
    utimesSync(join(d, 'dist/.built'), opts.builtAt, opts.builtAt);
  }
  if (opts.gitCheckout) new TestRepo(d);
  return d;
}

function ran(d: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [join(d, 'bin', 'kreview.js')], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

const T = 1_700_000_000;

describe('bin/kreview.js', () => {
  it('in a git checkout, runs the sources when one of them was edited after the build', () => {
    expect(ran(pkg({ builtAt: T, editedAt: T + 60, gitCheckout: true }))).toBe('sources');
  });

  it('in a git checkout, notices an edit deep under checks/ too', () => {
    const d = pkg({ builtAt: T, editedAt: T - 60, gitCheckout: true });
    expect(ran(d)).toBe('dist');
    utimesSync(join(d, 'checks/locking/rule.ts'), T + 1, T + 1);
    expect(ran(d)).toBe('sources');
  });

  it('runs the sources when there is no build, or when asked to', () => {
    expect(ran(pkg({ builtAt: null, editedAt: T, gitCheckout: false }))).toBe('sources');
    expect(ran(pkg({ builtAt: T, editedAt: T - 60, gitCheckout: true }), { KREVIEW_FROM_SOURCES: '1' })).toBe('sources');
  });

  it('an installed package (no git checkout) starts its build without looking at the sources', () => {
    // An install is never edited; its files' times are whatever the unpacking left (npm sets them all
    // to one date), and looking at them costs every start a walk of the source tree.
    expect(ran(pkg({ builtAt: T, editedAt: T + 60, gitCheckout: false }))).toBe('dist');
  });
});

describe('kreview --version', () => {
  it('prints the package version, from the sources as from a build', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [KREVIEW_BIN, flag], { encoding: 'utf8', env: { ...process.env, KREVIEW_FROM_SOURCES: '1' } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});
