// The daemon's resident memory is bounded by what it holds, not by what tree-sitter's dead trees
// leave behind: the binding tells V8 nothing of a tree's native memory, so a loop that parses C
// and drops the trees grows the process by hundreds of MB before V8 (whose heap barely moves)
// collects. Each case runs in a child process of its own (real tree-sitter, real memory).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RssBound } from '../../src/watch/rss-bound.js';

const MB = 1024 * 1024;

const PARSE_LOOP = `
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { setImmediate } from 'node:timers/promises';
const bound = process.argv[1] === 'bound';
let stop = () => {};
let collections = () => 0;
if (bound) {
  const { RssBound } = await import(${JSON.stringify(new URL('../../src/watch/rss-bound.ts', import.meta.url).pathname)});
  const b = new RssBound({ floorBytes: 100 * 1024 * 1024, stepBytes: 16 * 1024 * 1024 });
  stop = b.watch(20);
  collections = () => b.collections;
}
const parser = new Parser();
parser.setLanguage(C);
const fn = (i) => 'static int f' + i + '(struct s *p, int n)\\n{\\n\\tint r = 0;\\n\\tspin_lock(&p->lock);\\n\\tif (n > ' + i + ')\\n\\t\\tr = g(p, n - 1, "x");\\n\\tspin_unlock(&p->lock);\\n\\treturn r;\\n}\\n';
const source = Array.from({ length: 600 }, (_, i) => fn(i)).join('\\n');
let peak = 0;
let roots = 0;
for (let i = 0; i < 50; i++) {
  roots += parser.parse(source).rootNode.childCount;
  await setImmediate();
  peak = Math.max(peak, process.memoryUsage.rss());
}
stop();
console.log(JSON.stringify({ peak, roots, collections: collections() }));
`;

function parseLoop(mode: 'bound' | 'free'): { peak: number; roots: number; collections: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PARSE_LOOP, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('the daemon resident-memory bound', { timeout: 300_000 }, () => {
  it('collects dead syntax trees that V8 alone leaves in native memory', () => {
    const bounded = parseLoop('bound');
    const free = parseLoop('free');
    expect(bounded.roots).toBe(free.roots);
    expect(bounded.collections).toBeGreaterThan(0);
    // Without the bound the dead trees (about 2 MB each) pile up; with it they stay near its floor and step.
    expect(free.peak).toBeGreaterThan(bounded.peak + 50 * MB);
  });

  it('asks again only a step above what the last collection left, never below the floor', () => {
    let rss = 100 * MB;
    const asked: number[] = [];
    const b = new RssBound({ floorBytes: 200 * MB, stepBytes: 50 * MB, rss: () => rss, gc: () => asked.push(rss) });
    expect(b.check()).toBe(false);
    rss = 210 * MB;
    expect(b.check()).toBe(true);
    // The collection left 210 MB (live data): the next mark is 260 MB.
    rss = 250 * MB;
    expect(b.check()).toBe(false);
    rss = 260 * MB;
    expect(b.check()).toBe(true);
    expect(asked).toEqual([210 * MB, 260 * MB]);
  });
});
