// The check `npm test` makes first: a missing system tool is installed when root, else a one-line
// refusal that names it and the command to run.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSystemTools, missingTools, SYSTEM_TOOLS } from './system-tools.js';

const fake = [{ pkg: 'kreview-test-pkg', bin: 'kreview-no-such-tool' }];

describe('system tools for the tests', () => {
  it('all of them are on this machine (the suite ran its global setup)', () => {
    expect(missingTools(SYSTEM_TOOLS)).toEqual([]);
  });

  it('a data file of a package (a tarball) is there when readable, not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kreview-data-'));
    const file = join(dir, 'linux-source-x.tar.xz');
    const tool = [{ pkg: 'linux-source-x', bin: file, data: true }];
    expect(missingTools(tool)).toEqual(tool);
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    expect(missingTools(tool)).toEqual([]);
  });

  it('not root: fails at once with one line naming the tool and the exact command', () => {
    let installed = false;
    const run = () => ensureSystemTools({ tools: fake, path: '/nonexistent', isRoot: false, install: () => (installed = true) });
    expect(run).toThrow(
      new Error('the tests need kreview-no-such-tool (kreview-test-pkg), not installed: run `sudo sh .ci/setup-system.sh` (or: sudo apt-get install -y kreview-test-pkg), then npm test again'),
    );
    expect(installed).toBe(false);
  });

  it('root: installs, then checks again; still missing is an error, never a skip', () => {
    const bin = mkdtempSync(join(tmpdir(), 'kreview-bin-'));
    ensureSystemTools({
      tools: fake,
      path: bin,
      isRoot: true,
      install: () => {
        writeFileSync(join(bin, 'kreview-no-such-tool'), '#!/bin/sh\n');
        chmodSync(join(bin, 'kreview-no-such-tool'), 0o755);
      },
    });
    expect(() => ensureSystemTools({ tools: fake, path: '/nonexistent', isRoot: true, install: () => {} })).toThrow(
      /^\.ci\/setup-system\.sh ran, but kreview-no-such-tool \(kreview-test-pkg\) is still missing: install it by hand \(apt-get install -y kreview-test-pkg\)$/,
    );
  });
});
