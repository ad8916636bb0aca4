// Hunk-only images with no word that could make a lock held or released are not parsed at all
// (quiet-hunks.ts); the findings stay what the parse and walks gave.
import { describe, expect, it } from 'vitest';
import { parseCount } from '../../src/c/parse.js';
import { runHunkOnly } from '../../test/c/lock-harness.js';
import { loadRules } from './rules-load.js';
import { mayTouchLocks } from './quiet-hunks.js';

const F = 'drivers/md/shelf.c';
const pad = (n: number, what: string): string => Array.from({ length: n }, (_, i) => `\tshelf_${what}(s, ${i});\n`).join('');
const BEFORE = `static int shelf_sync(struct shelf *s)
{
\tint err = 0;

${pad(10, 'count')}\terr = shelf_flush(s, 1);
${pad(10, 'tail')}\treturn err;
}
`;

describe('hunk-only images that touch no lock', () => {
  it('are not parsed, and give no finding', async () => {
    const after = BEFORE.replace('shelf_flush(s, 1)', 'shelf_flush(s, 2)');
    const parses = parseCount();
    const { findings } = await runHunkOnly({ before: { [F]: BEFORE }, after: { [F]: after } });
    expect(findings.filter((f) => f.id.startsWith('lock/'))).toEqual([]);
    // The old code parsed each image twice (its whole text, then the hunks laid out as functions).
    expect(parseCount() - parses).toBe(0);
  });

  it('control: a lock in the hunk is parsed and found as before', async () => {
    const locked = BEFORE.replace('\terr = shelf_flush(s, 1);\n', '\tspin_lock(&s->lock);\n\terr = shelf_flush(s, 1);\n\tspin_unlock(&s->lock);\n');
    const after = locked.replace('shelf_flush(s, 1)', 'kvcalloc(s->max, 8, GFP_KERNEL) ? 0 : -ENOMEM');
    const parses = parseCount();
    const { findings } = await runHunkOnly({ before: { [F]: locked }, after: { [F]: after } });
    expect(parseCount() - parses).toBeGreaterThan(0);
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^kvcalloc\(\) is called with the spinlock on s->lock held/)]);
  });

  // Unparsed notes come only from whole images (a new file is whole in its mail): those are parsed as before.
  it('a new file with no lock word that does not parse still gets its unparsed note', async () => {
    // The shape of the real one (linux-raid, 2023-08, a new xor template file): a function named by a macro call, asm made of macros.
    const broken = [
      'void SHELF_NAME(2)(unsigned long bytes,',
      '\t\t      unsigned long * __restrict v1,',
      '\t\t      const unsigned long * __restrict v2)',
      '{',
      '\tunsigned long lines = bytes / SHELF_WIDTH;',
      '',
      '\tdo {',
      '\t\t__asm__ __volatile__ (',
      '\t\t\tSHELF_LOAD(v1)',
      '\t\t\tSHELF_MIX(v2)',
      '\t\t\tSHELF_STORE(v1)',
      '\t\t: : [v1] "r"(v1), [v2] "r"(v2) : "memory"',
      '\t\t);',
      '\t\tv1 += SHELF_WIDTH / sizeof(unsigned long);',
      '\t} while (--lines > 0);',
      '}',
      '',
    ].join('\n');
    const { findings } = await runHunkOnly({ before: { 'drivers/md/other.c': 'int other;\n' }, after: { 'drivers/md/other.c': 'int other;\n', [F]: broken } });
    expect(findings.map((f) => [f.id, f.message])).toEqual([['lock/unparsed', expect.stringMatching(/^SHELF_NAME\(\) could not be fully parsed/)]]);
  });

  it('a word of any kind that can hold a lock keeps the parse', () => {
    const rules = loadRules([]);
    const quiet = '\terr = shelf_flush(s, 2);\n';
    expect(mayTouchLocks([quiet], rules)).toBe(false);
    // A primitive, called or not; an annotation; a lockdep assertion; a guard; an entry rule's callback and name pattern.
    for (const text of ['\tmutex_unlock(&s->m);\n', '\tops->fn = mutex_lock;\n', 'static void f(struct s *s) __must_hold(&s->lock)\n', '\tlockdep_assert_held(&s->lock);\n', '\tguard(mutex)(&s->m);\n', '\t.writepage = shelf_writepage,\n', 'static int shelf_locked_write(struct page *page)\n']) {
      expect([text, mayTouchLocks([quiet, text], rules)]).toEqual([text, true]);
    }
    // In an @@ section alone (the function the hunk is in).
    expect(mayTouchLocks([quiet, 'static int shelf_locked_write(struct page *page)'], rules)).toBe(true);
  });
});
