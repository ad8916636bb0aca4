// History.firstRelease when the tags a base reaches are the oldest ones (the labelling of all tags
// serves it) and when a tag on a side branch sits between them (the base's own labelling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { openHistory } from '../../src/git/history.js';
import type { History } from '../../src/git/history-types.js';

const repo = new TestRepo();
let h: History;
const c: Record<string, string> = {};

beforeAll(async () => {
  // master: a (v1) - x - z - y (v2) - w;  side: x - s (v1.5)
  c.a = repo.commit('a\n', { files: { 'f.c': 'a\n' } });
  repo.tag('v1');
  c.x = repo.commit('x\n', { files: { 'f.c': 'x\n' } });
  c.z = repo.commit('z\n', { files: { 'f.c': 'z\n' } });
  c.y = repo.commit('y\n', { files: { 'f.c': 'y\n' } });
  repo.tag('v2');
  c.w = repo.commit('w\n', { files: { 'f.c': 'w\n' } });
  repo.git('checkout', '-q', '-b', 'side', c.x);
  c.s = repo.commit('s\n', { files: { 's.c': 's\n' } });
  repo.tag('v1.5');
  repo.git('checkout', '-q', '-');
  h = await openHistory(repo.dir);
}, 60_000);

afterAll(async () => {
  await h?.close();
  repo.remove();
});

describe('first release before a base', () => {
  it('a base that reaches only the oldest tags: none of them holds a newer commit', async () => {
    // x is first released in v1.5 (a side branch) and then v2; from z neither is reached.
    expect(await h.firstRelease(c.x, c.z, 'v*')).toBeNull();
    expect(await h.firstRelease(c.a, c.z, 'v*')).toBe('v1');
    expect(await h.firstRelease(c.z, c.z, 'v*')).toBeNull();
    // A base that is the tagged commit reaches its tag.
    expect(await h.firstRelease(c.z, c.y, 'v*')).toBe('v2');
  });

  it('a base past a side-branch tag: the first of its own tags', async () => {
    // From w, v1.5 is not reached but v2 is, and v2 holds x.
    expect(await h.firstRelease(c.x, c.w, 'v*')).toBe('v2');
    expect(await h.firstRelease(c.z, c.w, 'v*')).toBe('v2');
    expect(await h.firstRelease(c.x, c.s, 'v*')).toBe('v1.5');
    expect(await h.firstRelease(c.a, c.w, 'v*')).toBe('v1');
  });
});
