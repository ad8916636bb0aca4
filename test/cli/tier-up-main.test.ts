// Every command raises V8's tier-up budget before its own code runs (src/core/tier-up.ts, called at
// the top of main()): the real CLI is started with a preload that reports each call of
// v8.setFlagsFromString, and the budget must be set before the command's first output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TIER_UP_BUDGET } from '../../src/core/tier-up.js';

const bin = fileURLToPath(new URL('../../bin/kreview.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kreview-tier-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Reports on stdout, so the order against the command's own output shows.
const preload = join(dir, 'watch-flags.mjs');
writeFileSync(
  preload,
  `import v8 from 'node:v8';
import { syncBuiltinESMExports } from 'node:module';
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { process.stdout.write('v8 flags: ' + flags + '\\n'); return set(flags); };
syncBuiltinESMExports();
`,
);

function run(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', preload, bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('main() and the tier-up budget', { timeout: 120_000 }, () => {
  it('sets it before `--version` answers', () => {
    const lines = run(['--version']).trim().split('\n');
    expect(lines[0]).toBe(`v8 flags: --interrupt-budget=${TIER_UP_BUDGET}`);
    expect(lines.length).toBe(2);
  });

  it('sets it before a command runs', () => {
    const out = run(['review', '--help']);
    expect(out.startsWith(`v8 flags: --interrupt-budget=${TIER_UP_BUDGET}\n`)).toBe(true);
    expect(out).toContain('Usage: kreview review');
  });
});
