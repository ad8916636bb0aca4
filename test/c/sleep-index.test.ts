// The tree's sleeping-call index on its own: the lexical scan (what happens every time a function
// runs), and the inference over a small tree given as path -> text (re-told kernel shapes).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { matcherFor } from '../../checks/lock/match.js';
import { loadRules } from '../../checks/lock/rules-load.js';
import { sleepingGlobs, sleepRulesOf } from '../../checks/lock/tree-sleep.js';
import { rememberCommit, sleepIndexFor, sleepIndexOfCommit, type SleepIndex } from '../../src/c/sleep-index.js';
import { scanFunctions } from '../../src/c/sleep-scan.js';

const rules = loadRules([]);
const sleepRules = sleepRulesOf(rules, matcherFor(rules));

const scan = (text: string) => scanFunctions(text, sleepRules.syntax);
const always = (text: string, fn: string): string[] => scan(text).find((f) => f.name === fn)!.calls.filter((c) => !c.conditional).map((c) => c.callee);

describe('the lexical scan', () => {
  it('keeps the calls made every time, and leaves out conditions, loops, labels, #if blocks and pointers', () => {
    const text = `/* a comment with foo(bar) */
static int __init helper(struct thing *t, gfp_t gfp) __releases(t->lock)
{
	int err = first(t, "string with second(x)");

	if (t->flag)
		cond_one(t);
	else
		cond_two(t);
	while (more(t))
		in_loop(t);
	t->ops->through_pointer(t);
	err = t->ok ? ternary(t) : 0;
#ifdef CONFIG_X
	configured(t);
#endif
	last(t, gfp);
	return err;
out:
	after_label(t);
	return -EIO;
}
`;
    const [fn] = scan(text);
    expect(fn).toMatchObject({ name: 'helper', line: 2, isStatic: true });
    expect(always(text, 'helper')).toEqual(['first', 'last']);
    const calls = fn.calls.map((c) => c.callee);
    expect(calls).toEqual(expect.arrayContaining(['cond_one', 'cond_two', 'more', 'in_loop', 'ternary', 'configured', 'after_label']));
    expect(calls).not.toContain('through_pointer');
    expect(calls).not.toContain('foo');
    expect(calls).not.toContain('second');
    expect(fn.calls.find((c) => c.callee === 'last')!.args).toEqual(['t', 'gfp']);
  });

  it('reads function-like macros, the first branch of #if/#else, and not initialisers or prototypes', () => {
    const text = `#define __grab_name() kmem_cache_alloc(names_cachep, GFP_KERNEL)
#define wrap(x) do { lock_it(x); use_it(x); } while (0)
struct ops table = { .fn = helper, };
int proto(int a);
#if 0
void dead(void) { mutex_lock(&m); }
#endif
#ifdef CONFIG_Y
void twice(void) {
#else
void twice(int unused) {
#endif
	real();
}
`;
    const fns = scan(text);
    expect(fns.map((f) => f.name)).toEqual(['__grab_name', 'wrap', 'twice']);
    expect(fns[0]).toMatchObject({ macro: true, isStatic: true, calls: [{ callee: 'kmem_cache_alloc', args: ['names_cachep', 'GFP_KERNEL'], conditional: false }] });
    expect(always(text, 'wrap')).toEqual(['lock_it', 'use_it']);
    expect(fns[2]).toMatchObject({ line: 9, calls: [{ callee: 'real', line: 13, conditional: false }] });
  });
});

// A path lookup re-told: the lookup allocates the name buffer with a macro that passes GFP_KERNEL.
const TREE: Record<string, string> = {
  'include/linux/fs.h': `#define __grab_name() kmem_cache_alloc(names_cachep, GFP_KERNEL)
static inline void stub_sleeper(void) { }
`,
  'fs/namei.c': `struct filename *name_from_kernel(const char *s)
{
	struct filename *result = __grab_name();

	if (!result)
		return ERR_PTR(-ENOMEM);
	return result;
}

int path_by_name(const char *name, unsigned int flags, struct path *path)
{
	return walk_filename(AT_FDCWD, name_from_kernel(name), flags, path);
}

static int only_sometimes(struct path *p, unsigned int flags)
{
	if (flags & LOOKUP_BLOCK)
		might_sleep();
	return 0;
}

static inline gfp_t io_gfp_mask(void)
{
	return current_gfp_context(GFP_KERNEL);
}

int alloc_with(gfp_t gfp)
{
	return do_alloc(kmalloc(64, gfp));
}

int drops_caller_lock(spinlock_t *lock)
{
	spin_unlock(lock);
	msleep(10);
	spin_lock(lock);
	return 0;
}

void stub_sleeper(void)
{
	mutex_lock(&big_mutex);
}
`,
  'arch/a/flush.c': `void flush_things(void)
{
	might_sleep();
}
`,
  'arch/b/flush.c': `void flush_things(void)
{
	barrier_only();
}
`,
  'kernel/other.c': `static struct filename *name_from_kernel(const char *s)
{
	return NULL;
}

int local_user(void)
{
	return name_from_kernel("x") != NULL;
}
`,
  'tools/lib/user.c': `void tool_sleeps(void) { usleep_range(1, 2); }
`,
};

let cacheDir: string | null = null;
afterEach(() => {
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  cacheDir = null;
});

async function build(files: Record<string, string>, reads?: string[]): Promise<SleepIndex> {
  cacheDir ??= mkdtempSync(join(tmpdir(), 'sleep-index-'));
  const ids = new Map(Object.keys(files).map((p) => [p, `blob-of-${p}-${files[p].length}`]));
  const index = await sleepIndexFor({ ids, read: async (p) => (reads?.push(p), files[p] ?? null) }, sleepRules, { cacheDir, patterns: sleepingGlobs(rules).map((g) => g.re) });
  return index!;
}

describe('the tree index', () => {
  it('finds a function that sleeps through a chain of calls made every time, with the chain', async () => {
    const index = await build(TREE);
    expect(index.sleeps('path_by_name', 'drivers/x.c')).toMatchObject({ chain: ['name_from_kernel', '__grab_name', 'kmem_cache_alloc'], path: 'fs/namei.c', line: 10 });
  });

  it('does not claim a conditional sleep, a gfp passed through, a dropped caller lock, arch variants that disagree, or user-space tools', async () => {
    const index = await build(TREE);
    expect(index.sleeps('only_sometimes', 'fs/namei.c')).toBeNull();
    expect(index.sleeps('alloc_with', 'drivers/x.c')).toBeNull();
    // A function that returns a gfp mask computes it from GFP_KERNEL: it allocates nothing.
    expect(index.sleeps('io_gfp_mask', 'fs/namei.c')).toBeNull();
    expect(index.sleeps('drops_caller_lock', 'drivers/x.c')).toBeNull();
    expect(index.sleeps('flush_things', 'drivers/x.c')).toBeNull();
    expect(index.sleeps('tool_sleeps', 'drivers/x.c')).toBeNull();
    // A stub with no body left by a config does not outvote the real definition.
    expect(index.sleeps('stub_sleeper', 'drivers/x.c')?.chain).toEqual(['mutex_lock']);
  });

  it('resolves a static function of the caller\'s own file before a global one of that name', async () => {
    const index = await build(TREE);
    expect(index.sleeps('name_from_kernel', 'kernel/other.c')).toBeNull();
    expect(index.sleeps('name_from_kernel', 'drivers/x.c')?.chain).toEqual(['__grab_name', 'kmem_cache_alloc']);
  });

  it('rescans only the directories whose files changed when the tree changes', async () => {
    await build(TREE);
    const reads: string[] = [];
    const changed = { ...TREE, 'arch/b/flush.c': 'void flush_things(void)\n{\n\tmsleep(1);\n}\n' };
    const index = await build(changed, reads);
    expect(reads).toEqual(['arch/b/flush.c']);
    // Both arch variants sleep now: the name does, through the shorter chain found first.
    expect(index.sleeps('flush_things', 'drivers/x.c')?.chain).toEqual(['might_sleep']);
    // The new tree's index is on disk for the next process.
    expect(readdirSync(join(cacheDir!, 'sleep-index')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('is found again by the base commit, without listing the tree', async () => {
    const index = await build(TREE);
    expect(sleepIndexOfCommit('c0ffee', sleepRules.salt, cacheDir)).toBeNull();
    rememberCommit('c0ffee', sleepRules.salt, index, cacheDir);
    expect(sleepIndexOfCommit('c0ffee', sleepRules.salt, cacheDir)?.key).toBe(index.key);
    expect(sleepIndexOfCommit('c0ffee', 'other rules', cacheDir)).toBeNull();
  });
});
