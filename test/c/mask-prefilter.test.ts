// maskMacros runs its line-anchored rewrites (define macros, brace-less loop macros, case ranges)
// only on a text that holds a word they need: the rewrites must still happen wherever they did.
// The text below is written for this test; the whole REAL 6.1 tree (56,293 .c and .h files) masks
// byte for byte as before the test words were added (bench run, see the commit).
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../checks/lock/rules-load.js';
import { maskMacros } from '../../src/c/parse.js';

const syntax = loadRules().model.syntax;

const TEXT = `SYSCALL_DEFINE2(demo, int, fd, struct demo __user *, p)
{
	int i;

	for_each_possible_cpu(i)
		demo_count(i);
	switch (fd) {
	case 1 ... 3:
		return 1;
	}
	return 0;
}
`;

describe('maskMacros on texts with and without the words its rewrites need', () => {
  it('rewrites a define macro, a brace-less loop macro and a case range', () => {
    const { masked } = maskMacros(TEXT, syntax);
    expect(masked.length).toBe(TEXT.length);
    expect(masked.split('\n')[0]).toMatch(/^long sys_demo\(int fd, struct demo +\* p\) *$/);
    expect(masked).toContain('\tfor(;_;)');
    expect(masked).toContain('case 1 ||  3:');
  });

  it('leaves a text without them as it was', () => {
    const plain = 'static int demo_plain(int a)\n{\n\treturn a + 1;\n}\n';
    expect(maskMacros(plain, syntax).masked).toBe(plain);
  });
});
