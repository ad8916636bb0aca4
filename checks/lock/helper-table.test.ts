// A directory's helpers, scanned for the callers check, are kept on disk (helper-table.ts): a new
// process finds them without reading the directory's files again, and says the same. The shape is
// callers.test.ts's ext2 case (a lookup that now complains, and the complaint writes the superblock
// out), with the complaint's helpers in a file of their own that no call site is in.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCheck } from './index.js';
import { forgetCallerScans } from './callers.js';
import { demofsTable, DEMOFS_HELPERS, DEMOFS_STATFS, FAIL_COMPLAINT, WARN_COMPLAINT } from '../../test/c/demofs-case.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Finding, Patch } from '../../src/core/types.js';
import { defaultCacheDir } from '../../src/c/summaries.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../../test/helpers/git-repo.js';

const FAIL = `#include "demofs.h"\n\n${DEMOFS_HELPERS}`;
const SUPER = `#include "demofs.h"\n\n${DEMOFS_STATFS}`;

describe("a directory's helpers kept on disk for the callers check", () => {
  const repo = new TestRepo();
  let patch: Patch;

  beforeAll(async () => {
    repo.commit('base\n', { files: { 'fs/demofs/table.c': demofsTable(WARN_COMPLAINT), 'fs/demofs/fail.c': FAIL, 'fs/demofs/super.c': SUPER } });
    repo.commit('complain loudly\n', { files: { 'fs/demofs/table.c': demofsTable(FAIL_COMPLAINT) } });
    for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patch = p;
  });
  afterAll(() => repo.remove());

  /** The lock check's sleep-in-atomic findings as a new process makes them, and the base files it read. */
  async function review(): Promise<{ findings: Finding[]; reads: string[] }> {
    forgetCallerScans();
    const history = await openHistory(repo.dir);
    try {
      const workspace = await createWorkspace(patch, { repo: repo.dir, history });
      const reads: string[] = [];
      const read = workspace.readBaseFile.bind(workspace);
      workspace.readBaseFile = async (p: string) => {
        reads.push(p);
        return read(p);
      };
      const series = { id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true };
      const findings = await lockCheck.run({ patch, series, workspace, config: defaultConfig() });
      return { findings: findings.filter((f) => f.id === 'lock/sleep-in-atomic'), reads };
    } finally {
      await history.close();
    }
  }

  it('a second process reads no file of the directory for its helpers, and finds the same', async () => {
    const first = await review();
    expect(first.findings).toHaveLength(1);
    expect(first.findings[0].message).toContain('demofs_fail -> demofs_commit_super -> sync_dirty_buffer');
    // The helpers' file holds no call site: only the helpers' scan reads it.
    expect(first.reads).toContain('fs/demofs/fail.c');
    const second = await review();
    expect(second.findings).toEqual(first.findings);
    expect(second.reads).not.toContain('fs/demofs/fail.c');
  });

  it('a torn or foreign table file is not believed: the directory is scanned again, with the same finding', async () => {
    const first = await review();
    const dir = join(defaultCacheDir(), 'lock-callers');
    for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) writeFileSync(join(dir, sub, f), 'kreview-caller-helpers 0\ndemofs_fail\t{"name":"demofs_fail","calls":[]}\n');
    const second = await review();
    expect(second.reads).toContain('fs/demofs/fail.c');
    expect(second.findings).toEqual(first.findings);
  });
});
