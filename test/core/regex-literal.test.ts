// Rule patterns answer an input without the literal every match needs without running RE2
// (src/core/regex-literal.ts): the atomic rule's `\bGFP_(...)\b` was tested by RE2 against every
// argument of every call of a directory in each review with a repository.
import { describe, expect, it } from 'vitest';
import { requiredLiteral } from '../../src/core/regex-literal.js';
import { LinearRegExp } from '../../src/core/safe-regex.js';

describe('requiredLiteral', () => {
  it('finds the plain run every match of the bundled rules contains', () => {
    expect(requiredLiteral('\\bGFP_(KERNEL|NOFS|NOIO|USER|KERNEL_ACCOUNT|HIGHUSER|HIGHUSER_MOVABLE)\\b')).toBe('GFP_');
    expect(requiredLiteral('(^|[^~\\w])XFS_ILOCK_(EXCL|SHARED)\\b')).toBe('XFS_ILOCK_');
    expect(requiredLiteral('mmap_lock')).toBe('mmap_lock');
    expect(requiredLiteral('^spin_lock.*$')).toBe('spin_lock');
  });

  it('leaves out what may be absent or is not plain text', () => {
    // An optional or repeated character is not part of the run.
    expect(requiredLiteral('abcd?e')).toBe('abc');
    expect(requiredLiteral('ab*cdef')).toBe('cdef');
    expect(requiredLiteral('ab{0,2}c')).toBe('a');
    expect(requiredLiteral('xab+cd')).toBe('xab');
    // Alternation at the top, flags, POSIX classes, \Q quoting, other escapes: no literal claimed.
    expect(requiredLiteral('NO_FLUSH|FLUSH_LIMIT')).toBeNull();
    expect(requiredLiteral('(?i)gfp_kernel')).toBeNull();
    expect(requiredLiteral('[[:alpha:]]abc')).toBeNull();
    expect(requiredLiteral('\\Qa|b\\E')).toBeNull();
    expect(requiredLiteral('\\x{41}BC')).toBeNull();
    expect(requiredLiteral('^(1|true)$')).toBeNull();
    // A class is one unknown character, `]` first in it included.
    expect(requiredLiteral('ab[]x]cd')).toBe('ab');
  });

  it('never refuses an input the pattern matches (RE2 answers the same with and without it)', () => {
    const patterns = ['\\bGFP_(KERNEL|NOFS)\\b', 'ab+c', 'ab*c', 'a(b|c)d', '^x[^y]z$', 'lock_[a-z]+_page', 'a.b?c', 'ab{1,3}cd', '(^|[^~\\w])XFS_ILOCK_(EXCL|SHARED)\\b'];
    const alphabet = ['a', 'b', 'c', 'd', 'x', 'y', 'z', '_', 'GFP_', 'KERNEL', 'NOFS', ' ', '~', 'XFS_ILOCK_', 'EXCL', 'lock_', 'page', 'q'];
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const p of patterns) {
      const filtered = new LinearRegExp(p);
      for (let i = 0; i < 400; i++) {
        let s = '';
        for (let k = rand(8); k >= 0; k--) s += alphabet[rand(alphabet.length)];
        expect(filtered.test(s), `${p} on ${JSON.stringify(s)}`).toBe(filtered.testByEngine(s));
        expect(filtered.test(s), `${p} on ${JSON.stringify(s)} (V8)`).toBe(new RegExp(p).test(s));
      }
    }
  });
});
