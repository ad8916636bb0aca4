// Runs the lock check the way the pipeline does: a real repository (TestRepo), the commit read
// back with readRange, a real History and Workspace. Also the hunk-only path from a bare mbox.
import { lockCheck } from '../../checks/lock/index.js';
import { defaultConfig, type KreviewConfig } from '../../src/core/config.js';
import type { Finding, Patch, Series } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { parseMail } from '../../src/patch/mail.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../helpers/git-repo.js';
import { caseTexts } from './rule-cases.js';

const seriesOf = (patch: Patch): Series => ({ id: patch.id, version: 1, subject: patch.subject, cover: null, patches: [patch], total: 1, missing: [], complete: true });

export interface LockCase {
  /** Files of the base tree. */
  before: Record<string, string>;
  /** Files the patch changes (path -> new content). */
  after: Record<string, string>;
  config?: Partial<KreviewConfig['lock']>;
}

/** Commit `before`, then `after` as the patch, and run the lock check on that commit. */
export async function runLockCase(c: LockCase): Promise<Finding[]> {
  const repo = new TestRepo();
  try {
    repo.commit('base\n', { files: c.before });
    repo.commit('change under review\n', { files: c.after });
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    try {
      const workspace = await createWorkspace(patches[0], { repo: repo.dir, history });
      const config = defaultConfig();
      config.lock = { ...config.lock, ...c.config };
      return await lockCheck.run({ patch: patches[0], series: seriesOf(patches[0]), workspace, config });
    } finally {
      await history.close();
    }
  } finally {
    repo.remove();
  }
}

/** Make the patch in a repository, mail it with format-patch, and review the mail with no repository. */
export async function runHunkOnly(c: LockCase, ...formatArgs: string[]): Promise<{ findings: Finding[]; mbox: string }> {
  const repo = new TestRepo();
  try {
    repo.commit('base\n', { files: c.before });
    repo.commit('btrfs: change under review\n', { files: c.after });
    const mbox = repo.formatPatch('HEAD~1..HEAD', ...formatArgs);
    const patch = await parseMail(mbox, 'test.mbox');
    const workspace = await createWorkspace(patch, { repo: null, history: null });
    const findings = await lockCheck.run({ patch, series: seriesOf(patch), workspace, config: defaultConfig() });
    return { findings, mbox };
  } finally {
    repo.remove();
  }
}

/**
 * Make the patch in one repository and mail it; review the mail against another repository whose
 * tree is `base` (the code as it later became, or as another tree has it), at its HEAD, as the
 * pipeline does for a mail whose base-commit is unknown.
 */
export async function runOnOtherBase(c: LockCase & { base: Record<string, string> }): Promise<{ findings: Finding[]; applied: boolean | null; notes: string[] }> {
  const { mbox } = await runHunkOnly({ before: c.before, after: c.after });
  const repo = new TestRepo();
  try {
    repo.commit('base\n', { files: c.base });
    const history = await openHistory(repo.dir);
    try {
      const patch = await parseMail(mbox, 'test.mbox');
      const workspace = await createWorkspace(patch, { repo: repo.dir, history });
      const findings = await lockCheck.run({ patch, series: seriesOf(patch), workspace, config: defaultConfig() });
      return { findings, applied: workspace.applied, notes: workspace.notes };
    } finally {
      await history.close();
    }
  } finally {
    repo.remove();
  }
}

/**
 * A table of cases through the real check in one repository: each case's `code` becomes its own file
 * (at `pathOf(i)`, before and after as caseTexts makes them), one commit changes them all. Findings
 * come back grouped by file, with each file's after-text for anchors.
 */
export async function runCaseTable(cases: readonly { code: string }[], pathOf: (i: number) => string): Promise<{ byPath: Map<string, Finding[]>; afterTexts: Map<string, string> }> {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  const afterTexts = new Map<string, string>();
  cases.forEach((c, i) => {
    const t = caseTexts(c.code, `case_${i}`);
    before[pathOf(i)] = t.before;
    after[pathOf(i)] = t.after;
    afterTexts.set(pathOf(i), t.after);
  });
  const byPath = new Map<string, Finding[]>();
  for (const f of await runLockCase({ before, after })) {
    const path = f.location.kind === 'file' ? f.location.path : '(patch)';
    byPath.set(path, [...(byPath.get(path) ?? []), f]);
  }
  return { byPath, afterTexts };
}
