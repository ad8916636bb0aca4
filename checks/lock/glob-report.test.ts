// A rule glob that matches a function the tree defines without any call the rule is about is
// reported (once per process) when that part of the tree is summarised: the pattern needs review.
// The line is for the rule file's owner: it goes to the operator's report (stderr, the daemon's
// log), never into the notes of the patch that happened to meet the file first.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config.js';
import { PatchBudget } from '../../src/core/limits.js';
import type { Patch } from '../../src/core/types.js';
import { openHistory } from '../../src/git/history.js';
import { createWorkspace } from '../../src/git/workspace.js';
import { readRange } from '../../src/sources/git-range.js';
import { TestRepo } from '../../test/helpers/git-repo.js';
import { lockCheck } from './index.js';
import { matcherFor } from './match.js';
import { loadRules } from './rules-load.js';
import { sleepingGlobs, sleepRulesOf, startupGlobReport } from './tree-sleep.js';
import { sleepIndexFor } from '../../src/c/sleep-index.js';
import { defaultCacheDir, factsFor, summaryIndexFor } from '../../src/c/summaries.js';
import { nameMemosKept } from '../../src/core/name-memo.js';
import { globOverreach } from './glob-report.js';
import { setOperatorSink } from '../../src/core/operator-notes.js';

// Re-told from the `schedule*` lesson: a helper whose name fits a sleeping-call pattern
// (`wait_for_completion*`) but which only tests a flag and never waits.
const HELPERS = `#include <linux/completion.h>

bool wait_for_completion_done_flag(struct completion *x)
{
	return READ_ONCE(x->done) != 0;
}

void wait_for_completion_gad(struct completion *x)
{
	might_sleep();
	gad_wait_slowpath(x);
}
`;

const user = (extra: string): string => `void gad_poll(struct gad *g)
{
	spin_lock(&g->lock);
	g->polls++;${extra}
	spin_unlock(&g->lock);
}
`;

/** The operator's lines of one review, and the notes of its patch. */
async function notesOf(files: Record<string, string>, after: Record<string, string>): Promise<{ operator: string[]; patch: string[] }> {
  const repo = new TestRepo();
  const operator: string[] = [];
  const restore = setOperatorSink((line) => operator.push(line));
  try {
    repo.commit('base\n', { files });
    repo.commit('change\n', { files: after });
    const patches: Patch[] = [];
    for await (const p of readRange(repo.dir, ['HEAD~1..HEAD'])) patches.push(p);
    const history = await openHistory(repo.dir);
    try {
      const workspace = await createWorkspace(patches[0], { repo: repo.dir, history });
      const config = defaultConfig();
      config.lock.treeSleepIndex = true;
      const budget = new PatchBudget(config.limits);
      const series = { id: patches[0].id, version: 1, subject: patches[0].subject, cover: null, patches, total: 1, missing: [], complete: true };
      await lockCheck.run({ patch: patches[0], series, workspace, config, budget });
      return { operator, patch: budget.notes };
    } finally {
      await history.close();
    }
  } finally {
    restore();
    repo.remove();
  }
}

describe('rule globs checked against the tree', () => {
  it('names a tree function a sleeping-call glob matches though it never sleeps, and not one that does', async () => {
    const notes = await notesOf({ 'kernel/gad/helpers.c': HELPERS, 'kernel/gad/poll.c': user('') }, { 'kernel/gad/poll.c': user('\n\tg->last = jiffies;') });
    const globs = notes.operator.filter((n) => n.startsWith('lock rule pattern'));
    expect(globs).toHaveLength(1);
    expect(notes.patch.filter((n) => n.startsWith('lock rule pattern'))).toEqual([]);
    expect(globs[0]).toMatch(/'wait_for_completion\*' \(sleep-in-atomic, checks\/rules\/atomic\.yml\) matches wait_for_completion_done_flag\(\) at kernel\/gad\/helpers\.c:3/);
  });
});

// The whole tree, not only the summarised directory: the helper lives in another part of the tree.
const ELSEWHERE = HELPERS.replace(/wait_for_completion_done_flag/g, 'wait_for_completion_peek_flag').replace(/gad_wait_slowpath/g, 'elsewhere_slowpath');

describe('rule globs checked against the whole tree', () => {
  it('names a function anywhere in the tree that a sleeping glob matches and the tree defines as not sleeping', async () => {
    const notes = await notesOf({ 'kernel/sched/gad-helpers.c': ELSEWHERE, 'drivers/gad/poll.c': user('') }, { 'drivers/gad/poll.c': user('\n\tg->last = jiffies;') });
    expect(notes.patch.filter((n) => n.startsWith('lock rule pattern'))).toEqual([]);
    const globs = notes.operator.filter((n) => n.startsWith('lock rule pattern'));
    expect(globs).toEqual([
      "lock rule pattern 'wait_for_completion*' (sleep-in-atomic, checks/rules/atomic.yml) matches wait_for_completion_peek_flag() at kernel/sched/gad-helpers.c:3, which the tree defines as not sleeping (no sleeping call made every time it runs): review the pattern",
    ]);
  });

  it('reports them at start-up from the index a review of that tree left on disk', async () => {
    const repo = new TestRepo();
    try {
      repo.commit('base\n', { files: { 'kernel/sched/gad-helpers.c': ELSEWHERE.replace(/peek_flag/g, 'poll_flag') } });
      const history = await openHistory(repo.dir);
      try {
        expect(await startupGlobReport(history, 'HEAD', [])).toEqual([]);
        const rules = loadRules([]);
        const ids = await history.listFileIds('HEAD', '');
        await sleepIndexFor({ ids, read: (p) => history.readFile('HEAD', p) }, sleepRulesOf(rules, matcherFor(rules)), { cacheDir: defaultCacheDir(), patterns: sleepingGlobs(rules).map((g) => g.re) });
        const lines = await startupGlobReport(history, 'HEAD', []);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/matches wait_for_completion_poll_flag\(\) at kernel\/sched\/gad-helpers\.c:3, which the tree defines as not sleeping/);
      } finally {
        await history.close();
      }
    } finally {
      repo.remove();
    }
  });

  it('answers the names no glob can match without keeping them in a name memo, and finds the ones that do', () => {
    const rules = loadRules([]);
    const tagger = matcherFor(rules).tagger();
    const many = Array.from({ length: 200 }, (_, i) => `static int quiet_helper_number_${i}(int x)\n{\n\treturn x + ${i};\n}\n`).join('\n');
    const facts = [factsFor('drivers/gad/many.c', many, rules.model, rules.hash, null), factsFor('kernel/sched/gad-helpers.c', HELPERS, rules.model, rules.hash, null)];
    const index = summaryIndexFor(facts, tagger, 3);
    const before = nameMemosKept().count;
    const found = globOverreach(rules, facts, index, tagger);
    expect(found.map((o) => `${o.glob} ${o.fn}`)).toEqual(['wait_for_completion* wait_for_completion_done_flag']);
    // The 200 quiet helpers start with no glob's letters: none of them is kept.
    expect(nameMemosKept().count - before).toBeLessThan(10);
  });
});

describe("patterns reviewed against the tree (checks/rules/reviewed.yml)", () => {
  it("stays quiet for the matches a pattern was reviewed to mean and names a new one (re-told from mm/gup.c)", () => {
    const rules = loadRules([]);
    const tagger = matcherFor(rules).tagger();
    // fault_in_readable() faults through a helper no rule names: it is the primitive 'fault_in_*' means.
    const GUP = `size_t fault_in_readable(const char __user *uaddr, size_t size)\n{\n\treturn gad_touch_user_range(uaddr, size);\n}\n\nsize_t fault_in_gad_cookie(struct gad *g)\n{\n\treturn READ_ONCE(g->cookie);\n}\n`;
    const facts = [factsFor('mm/gad-gup.c', GUP, rules.model, rules.hash, null)];
    const found = globOverreach(rules, facts, summaryIndexFor(facts, tagger, 3), tagger);
    expect(found.map((o) => `${o.glob} ${o.fn}`)).toEqual(['fault_in_* fault_in_gad_cookie']);
  });
});

describe("the rules' own patterns against the kernel's wrappers", () => {
  it("reports no pattern for inode_lock() and its variants, whose bodies take i_rwsem, nor for the rwsem calls an argument gates (re-told from include/linux/fs.h and kernel/locking/rwsem.c)", () => {
    const rules = loadRules([]);
    const tagger = matcherFor(rules).tagger();
    const RWSEM_H = ['down_read', 'down_write', 'down_read_killable', 'down_write_nested']
      .map((name) => `void ${name}(struct rw_semaphore *sem)\n{\n\tmight_sleep();\n\t__${name}(sem);\n}\n`)
      .join('\n');
    const FS_H = ['inode_lock', 'inode_lock_shared', 'inode_lock_nested', 'inode_lock_shared_nested']
      .map((name) => `static inline void ${name}(struct inode *inode${name.endsWith('nested') ? ', unsigned subclass' : ''})\n{\n\t${name.includes('shared') ? 'down_read' : 'down_write'}(&inode->i_rwsem);\n}\n`)
      .join('\n');
    const facts = [factsFor('include/linux/fs.h', FS_H, rules.model, rules.hash, null), factsFor('kernel/locking/rwsem.c', RWSEM_H, rules.model, rules.hash, null)];
    const found = globOverreach(rules, facts, summaryIndexFor(facts, tagger, 3), tagger);
    expect(found.filter((o) => o.fn.startsWith('inode_lock'))).toEqual([]);
    // `down_read*` and `down_write*` count only for an mmap_lock or invalidate_lock argument: not judged by a body.
    expect(found.filter((o) => o.fn.startsWith('down_'))).toEqual([]);
    // They are still what order-under-page-lock is about.
    const rule = rules.rules.find((r) => r.id === 'order-under-page-lock')!;
    for (const name of ['inode_lock', 'inode_lock_shared', 'inode_lock_nested', 'inode_lock_shared_nested']) expect(rule.calls.some((c) => c.name === name)).toBe(true);
  });
});
