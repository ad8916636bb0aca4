// Globs from rule files (`spin_lock*`, `*`, `schedule_?*`) are matched by a scan, not by RE2
// (src/core/safe-regex.ts, globMatches): every callee name of a directory met them in each review.
import { describe, expect, it } from 'vitest';
import { globMatches, LinearRegExp, linearGlob } from '../../src/core/safe-regex.js';

const re2Glob = (glob: string): RegExp => new LinearRegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

describe('globMatches', () => {
  it('answers as the RE2 pattern of the glob does', () => {
    const globs = ['*', 'spin_lock*', '*_lock', 'a*b*c', '?', '??*', 'x?y', '*a*a*a*b', 'mutex_lock', 'a.b*', '[x]*', ''];
    const letters = ['a', 'b', 'c', 'x', 'y', '_', '.', '[', ']', 'spin_lock', 'mutex_lock', '_lock'];
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const g of globs) {
      const re = re2Glob(g);
      const fast = linearGlob(g);
      for (let i = 0; i < 300; i++) {
        let name = '';
        for (let k = rand(7); k > 0; k--) name += letters[rand(letters.length)];
        expect(globMatches(g, name), `${g} on ${JSON.stringify(name)}`).toBe(re.test(name));
        expect(fast.test(name), `${g} on ${JSON.stringify(name)} (linearGlob)`).toBe(re.test(name));
      }
    }
  });

  it('stays linear on many stars against a long name that does not match', () => {
    const name = 'a'.repeat(20_000);
    const started = performance.now();
    expect(globMatches('*a*a*a*a*a*b', name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('sends names with a line break or beyond ASCII to RE2', () => {
    expect(linearGlob('a?c').test('a\nc')).toBe(false);
    expect(linearGlob('a?c').test('a\u{1F600}c')).toBe(true);
  });
});
