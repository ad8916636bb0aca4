// Sleeping calls known from the tree rather than from a list: a function in another part of the
// tree that sleeps every time it runs (through a chain of calls, down to a call the rules list),
// called inside rcu_read_lock() or under a spinlock, is a note with the chain; what sleeps only for
// some flags, through a pointer, or after dropping the caller's lock is not. Re-told from the shape
// of kern_path() (the lookup allocates its name buffer with a GFP_KERNEL macro) under RCU.
import { describe, expect, it } from 'vitest';
import { runLockCase } from '../../test/c/lock-harness.js';

const TREE: Record<string, string> = {
  'include/linux/namei.h': `#define __grab_name() kmem_cache_alloc(names_cachep, GFP_KERNEL)
int path_by_name(const char *name, unsigned int flags, struct path *path);
`,
  'fs/namei.c': `#include <linux/namei.h>

struct filename *name_from_kernel(const char *s)
{
	struct filename *result = __grab_name();

	if (!result)
		return ERR_PTR(-ENOMEM);
	memcpy(result->iname, s, strlen(s) + 1);
	return result;
}

int path_by_name(const char *name, unsigned int flags, struct path *path)
{
	return walk_filename(AT_FDCWD, name_from_kernel(name), flags, path);
}

int maybe_blocking(struct path *path, unsigned int flags)
{
	if (flags & LOOKUP_BLOCK)
		might_sleep();
	return 0;
}

void *alloc_for(size_t n, gfp_t gfp)
{
	return kmalloc(n, gfp);
}

int relock_wait(spinlock_t *lock)
{
	spin_unlock(lock);
	msleep(10);
	spin_lock(lock);
	return 0;
}
`,
};

const user = (body: string): string => `#include <linux/namei.h>

int watch_check(struct watch *w, const char *name)
{
	struct path path;
	int err = 0;

	rcu_read_lock();
	w->seen++;
${body}	rcu_read_unlock();
	return err;
}
`;

const run = (body: string) => runLockCase({ before: { ...TREE, 'drivers/watch/check.c': user('') }, after: { 'drivers/watch/check.c': user(body) }, config: { treeSleepIndex: true } });

describe('sleeping functions inferred from the tree', () => {
  it('a lookup that sleeps three calls down, added inside rcu_read_lock(), is a note with the chain', async () => {
    const findings = await run('\terr = path_by_name(name, 0, &path);\n');
    const f = findings.find((x) => x.id === 'lock/sleep-in-atomic');
    expect(f).toBeDefined();
    expect(f).toMatchObject({ severity: 'note', confidence: 'medium', location: { path: 'drivers/watch/check.c', line: 10 } });
    expect(f!.basis!.inferred.join('\n')).toMatch(/path_by_name -> name_from_kernel -> __grab_name -> kmem_cache_alloc/);
    expect(f!.basis!.inferred.join('\n')).toMatch(/fs\/namei\.c:13/);
  });

  it('stays quiet on a function that sleeps only for a flag, on a gfp mask passed through, on a helper that drops the lock, and through a pointer', async () => {
    for (const body of [
      '\terr = maybe_blocking(&path, 0);\n',
      '\tw->buf = alloc_for(16, GFP_ATOMIC);\n',
      '\terr = relock_wait(&w->lock);\n',
      '\terr = w->ops->path_by_name(name, 0, &path);\n',
    ]) {
      const findings = await run(body);
      expect(findings.filter((x) => x.id !== 'lock/unparsed'), body).toEqual([]);
    }
  });

  it('stays quiet when the call moves out of the RCU section', async () => {
    const before = { ...TREE, 'drivers/watch/check.c': user('\terr = path_by_name(name, 0, &path);\n') };
    const moved = user('').replace('\trcu_read_lock();', '\terr = path_by_name(name, 0, &path);\n\trcu_read_lock();');
    const findings = await runLockCase({ before, after: { 'drivers/watch/check.c': moved }, config: { treeSleepIndex: true } });
    expect(findings.filter((x) => x.id === 'lock/sleep-in-atomic' && !/looks like a fix/.test(x.message))).toEqual([]);
  });
});
