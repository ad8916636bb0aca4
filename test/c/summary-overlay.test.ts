// A directory's callers are indexed once and shared by the indexes of its patches (each adds the
// headers its file includes on top): those indexes must say exactly what an index built from
// scratch says, tags and chains, derived primitives and lock-order edges alike.
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import type { FileFacts } from '../../src/c/facts.js';
import { clearFactsMemory, factsFor, SummaryIndex, summaryIndexFor, type Tagger } from '../../src/c/summaries.js';

const model = loadRules().model;

// A helper that drops its caller's lock (unlock_it), one that passes it on two calls deep
// (finish -> wrap -> unlock_it), a tagged call climbing up two levels, an order edge, and a helper
// unrelated to either (idle), which the shared callers let the index skip.
const dirA = `void unlock_it(struct page *page)
{
	unlock_page(page);
}

void wrap(struct page *page)
{
	unlock_it(page);
}

void finish(struct page *page)
{
	wrap(page);
}

int deep(struct inode *i)
{
	return btrfs_delalloc_reserve_space(BTRFS_I(i), NULL, 0, 4096);
}
`;
const dirB = `int middle(struct inode *i)
{
	return deep(i);
}

int top(struct inode *i)
{
	return middle(i);
}

void order(struct foo *f)
{
	mutex_lock(&f->big);
	spin_lock(&f->small);
	spin_unlock(&f->small);
	mutex_unlock(&f->big);
}

int idle(int x)
{
	return x + 1;
}

int uses_header(struct inode *i)
{
	return hdr_sleepy(i);
}

int above_header(struct inode *i)
{
	return uses_header(i);
}

static void drop_static(struct page *page)
{
	unlock_page(page);
}
`;
// Headers of two files of the directory: one defines a second `wrap` (its name is then ambiguous),
// the other a helper that reaches the tagged call through the directory's `deep`.
const headerOne = `inline void wrap(struct page *page)
{
	might_sleep();
}
`;
const headerTwo = `static inline int via_header(struct inode *i)
{
	return deep(i);
}
`;

// A header helper that passes on the directory's drop: it amounts to a primitive of its own.
const headerThree = `inline void hdr_drop(struct page *page)
{
	unlock_it(page);
}
`;

// Static inline stubs of directory functions (as a header has for a configuration without them):
// of a non-static one, which still counts, and of a static one, which makes the name ambiguous.
const headerStub = `static inline void unlock_it(struct page *page)
{
}

static inline void finish(struct page *page)
{
}
`;
const headerStaticStub = `static inline void drop_static(struct page *page)
{
}
`;

// A header helper with a tag that the directory's functions call (a header's i_mmap_lock_write ->
// down_write, called from fs/*.c): the tag climbs into the directory's summaries.
const headerSleepy = `inline int hdr_sleepy(struct inode *i)
{
	might_sleep();
	return 0;
}
`;

const tagger: Tagger = (callee) => (callee === 'btrfs_delalloc_reserve_space' ? ['reserve'] : callee === 'might_sleep' ? ['sleep'] : []);

/** What an index says: every function's tags with their chains, the derived primitives, the edges. */
function said(index: SummaryIndex, files: FileFacts[]): unknown {
  const defs = files.flatMap((f) => f.functions.map((fn) => [fn.name, f.path]));
  return {
    tags: defs.map(([n, path]) => [n, [...(index.get(n, path)?.tags ?? [])]]),
    derived: index.derivedPrimitives(() => false),
    edges: index.edges,
  };
}

describe('summary indexes over a shared directory', () => {
  it('say what an index made from scratch says, for each set of headers on top', () => {
    clearFactsMemory();
    const dir = [factsFor('fs/x/a.c', dirA, model, 'test', null), factsFor('fs/x/b.c', dirB, model, 'test', null)];
    const headers = [factsFor('include/one.h', headerOne, model, 'test', null), factsFor('include/two.h', headerTwo, model, 'test', null), factsFor('include/three.h', headerThree, model, 'test', null)];
    const stubs = [factsFor('include/stub.h', headerStub, model, 'test', null), factsFor('include/static-stub.h', headerStaticStub, model, 'test', null)];
    const sleepy = factsFor('include/sleepy.h', headerSleepy, model, 'test', null);
    for (const overlay of [[headers[0]], [headers[1]], [headers[2]], headers, [], [headers[1], headers[2]], [stubs[0]], [stubs[1]], stubs, [stubs[0], headers[1]], [sleepy], [sleepy, headers[1]]]) {
      const files = [...dir, ...overlay];
      const shared = summaryIndexFor(files, tagger, 3, null, dir.length);
      expect(said(shared, files)).toEqual(said(new SummaryIndex(files, tagger, 3), files));
    }
    // The header's tag climbs two calls into the directory, and the index is still laid over the
    // directory's layer: a summary the tag does not reach is the layer's own object (one made whole
    // has its own), one it reaches a copy, the layer's untouched.
    const withSleepy = summaryIndexFor([...dir, sleepy, headers[1]], tagger, 3, null, dir.length);
    const withOther = summaryIndexFor([...dir, headers[2]], tagger, 3, null, dir.length);
    expect(withSleepy.get('above_header', 'fs/x/b.c')?.tags.get('sleep')).toEqual(['uses_header', 'hdr_sleepy', 'might_sleep']);
    expect(withSleepy.get('top', 'fs/x/b.c')).toBe(withOther.get('top', 'fs/x/b.c'));
    expect(withOther.get('above_header', 'fs/x/b.c')?.tags.size).toBe(0);
    const plain = said(new SummaryIndex([...dir, headers[1]], tagger, 3), [...dir, headers[1]]) as { tags: [string, [string, string[]][]][]; derived: { name: string }[]; edges: unknown[] };
    // The case is not vacuous: chains climb, a drop passes through calls, the edge is there.
    expect(new Map(plain.tags).get('top')).toEqual([['reserve', ['middle', 'deep', 'btrfs_delalloc_reserve_space']]]);
    expect(new Map(plain.tags).get('via_header')).toEqual([['reserve', ['deep', 'btrfs_delalloc_reserve_space']]]);
    expect(plain.derived.map((d) => d.name)).toEqual(expect.arrayContaining(['unlock_it', 'wrap', 'finish']));
    expect(plain.edges).toHaveLength(1);
    // With the header's second `wrap`, the name is ambiguous: the drop passes no further.
    const ambiguous = summaryIndexFor([...dir, headers[0]], tagger, 3, null, dir.length).derivedPrimitives(() => false);
    expect(ambiguous.map((d) => d.name)).not.toContain('finish');
    const passedOn = summaryIndexFor([...dir, headers[2]], tagger, 3, null, dir.length).derivedPrimitives(() => false);
    expect(passedOn.map((d) => d.name)).toContain('hdr_drop');
    // A static stub leaves the directory's own definition counting; a second static definition does not.
    const stubbed = summaryIndexFor([...dir, stubs[0]], tagger, 3, null, dir.length).derivedPrimitives(() => false).map((d) => d.name);
    expect(stubbed).toEqual(expect.arrayContaining(['unlock_it', 'finish', 'drop_static']));
    expect(summaryIndexFor([...dir, stubs[1]], tagger, 3, null, dir.length).derivedPrimitives(() => false).map((d) => d.name)).not.toContain('drop_static');
  });
});
