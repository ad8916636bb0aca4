// A directory whose facts are past the memory budget (fs/ of the 6.1 tree: 1,900 files, 49 MB of
// facts) is read back from the disk cache at each of its patches, as new objects: what its own
// files amount to alone (the derived lock primitives over 35,000 functions) was derived again each
// time. It is kept by the files' content keys now. And the names of a tree that no glob of the
// lock model can match no longer fill the name memos (which emptied them all, several times per
// fs/ patch). Generated data.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { NameMatcher } from '../../src/c/lock-model.js';
import { clearFactsMemory, factsFor, SummaryIndex, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';
import { nameMemosKept, setNameMemosBudget } from '../../src/core/name-memo.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';

const model = loadRules().model;

const dirA = `void unlock_it(struct page *page)
{
	unlock_page(page);
}

void wrap(struct page *page)
{
	unlock_it(page);
}

int deep(struct inode *i)
{
	return btrfs_delalloc_reserve_space(BTRFS_I(i), NULL, 0, 4096);
}
`;
const dirB = `struct page *grab(struct inode *i)
{
	struct page *p = find_page(i);
	lock_page(p);
	return p;
}

void finish(struct page *page)
{
	wrap(page);
}
`;
const dirBChanged = dirB.replace('wrap(page);', 'put_page(page);');
// Headers that take, drop and return no lock, and call nothing a drop reaches: they add nothing.
const headerOne = 'static inline int idle_one(int x)\n{\n\treturn x + 1;\n}\n';
const headerTwo = 'static inline int idle_two(int x)\n{\n\treturn x - 1;\n}\n';

const tagger: Tagger = (callee) => (callee === 'btrfs_delalloc_reserve_space' ? ['reserve'] : []);
const known = (): boolean => false;

describe("a directory's derived primitives", () => {
  it('are derived once for its content, though its facts come back as new objects', () => {
    clearFactsMemory();
    const dir = () => [factsFor('fs/x/a.c', dirA, model, 'test', null), factsFor('fs/x/b.c', dirB, model, 'test', null)];
    const first = dir();
    const one = [factsFor('include/one.h', headerOne, model, 'test', null)];
    const derived = summaryIndexFor([...first, ...one], tagger, 3, null, first.length).derivedPrimitives(known);
    expect(derived.map((d) => d.name).sort()).toEqual(['finish', 'grab', 'unlock_it', 'wrap']);
    // Past the memory budget: the same content read again is other objects.
    clearFactsMemory();
    const again = dir();
    expect(again[0]).not.toBe(first[0]);
    const two = [factsFor('include/two.h', headerTwo, model, 'test', null)];
    const files = [...again, ...two];
    const reused = summaryIndexFor(files, tagger, 3, null, again.length).derivedPrimitives(known);
    // Not derived again (the same list), and what a derivation from scratch says.
    expect(reused).toBe(derived);
    expect(reused).toEqual(new SummaryIndex(files, tagger, 3).derivedPrimitives(known));
    // Another content is derived for itself.
    clearFactsMemory();
    const changed = [factsFor('fs/x/a.c', dirA, model, 'test', null), factsFor('fs/x/b.c', dirBChanged, model, 'test', null)];
    const other = summaryIndexFor([...changed, ...two], tagger, 3, null, changed.length).derivedPrimitives(known);
    expect(other).not.toBe(derived);
    expect(other.map((d) => d.name).sort()).toEqual(['grab', 'unlock_it', 'wrap']);
  });
});

// A header's non-static stub of a directory's function (fs.h's fcntl_getlk() for a configuration
// without file locking, in nearly every fs/ patch): the name is then ambiguous.
const stubOfDeep = 'inline int deep(struct inode *i)\n{\n\treturn 0;\n}\n';
const stubOfWrap = 'inline void wrap(struct page *page)\n{\n}\n';

describe('a header stub that makes a directory name ambiguous', () => {
  it("leaves the directory's primitives as they were when that function gave its callers nothing, and only then", () => {
    clearFactsMemory();
    const dir = [factsFor('fs/y/a.c', dirA, model, 'test', null), factsFor('fs/y/b.c', dirB, model, 'test', null)];
    const alone = summaryIndexFor([...dir, factsFor('include/one.h', headerOne, model, 'test', null)], tagger, 3, null, dir.length).derivedPrimitives(known);
    // deep() takes, drops and returns no lock, and no drop passes through it: the same list, not derived again.
    const withDeep = [...dir, factsFor('include/deep.h', stubOfDeep, model, 'test', null)];
    const stubbed = summaryIndexFor(withDeep, tagger, 3, null, dir.length).derivedPrimitives(known);
    expect(stubbed).toBe(alone);
    expect(stubbed).toEqual(new SummaryIndex(withDeep, tagger, 3).derivedPrimitives(known));
    // wrap() passes unlock_it()'s drop on to finish(): ambiguous, it no longer does.
    const withWrap = [...dir, factsFor('include/wrap.h', stubOfWrap, model, 'test', null)];
    const ambiguous = summaryIndexFor(withWrap, tagger, 3, null, dir.length).derivedPrimitives(known);
    expect(ambiguous).toEqual(new SummaryIndex(withWrap, tagger, 3).derivedPrimitives(known));
    expect(ambiguous.map((d) => d.name).sort()).toEqual(['grab', 'unlock_it']);
  });
});

describe('the name matcher of a lock model', () => {
  it('keeps no memo entry for a name no glob prefix starts, and answers the same', () => {
    setNameMemosBudget(DEFAULT_LIMITS.cacheBytes);
    const m = new NameMatcher<string>();
    m.add('spin_lock*', 'glob');
    m.add('mutex_lock', 'exact');
    m.add('*_unlock_all', 'any');
    const noAny = new NameMatcher<string>();
    noAny.add('spin_lock*', 'glob');
    noAny.add('mutex_lock', 'exact');
    const before = nameMemosKept().count;
    for (let i = 0; i < 1000; i++) expect(noAny.match(`helper_number_${i}`)).toEqual([]);
    expect(nameMemosKept().count).toBe(before);
    expect(noAny.match('spin_lock_irqsave')).toEqual(['glob']);
    expect(noAny.match('spin_loop')).toEqual([]);
    expect(noAny.match('mutex_lock')).toEqual(['exact']);
    // A glob with no prefix may match any name: those are still matched (and memoised).
    expect(m.match('tree_unlock_all')).toEqual(['any']);
    expect(m.match('spin_lock_unlock_all')).toEqual(['glob', 'any']);
    expect(m.match('helper')).toEqual([]);
  });
});
