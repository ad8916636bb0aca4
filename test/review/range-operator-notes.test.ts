// An operator line (a lock rule pattern that reaches too far) is said once per run, however many
// threads review the range: each thread's lock check meets the same over-matching helper when it
// summarises the directory, and each used to print the line itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';

// A helper whose name fits a sleeping-call pattern but which only reads a flag (re-told from the
// `schedule*` lesson), and eight small users of a spinlock in the same directory.
const HELPER = `#include <linux/completion.h>

bool wait_for_completion_done_flag(struct completion *x)
{
\treturn READ_ONCE(x->done) != 0;
}
`;
const user = (i: number, extra: string): string => `void gad_poll${i}(struct gad *g)\n{\n\tspin_lock(&g->lock);\n\tg->polls++;${extra}\n\tspin_unlock(&g->lock);\n}\n`;

let repo: TestRepo;
let cache: string;
const COMMITS = 8;

beforeAll(() => {
  repo = new TestRepo();
  const files: Record<string, string> = { 'kernel/gad/helpers.c': HELPER };
  for (let i = 1; i <= COMMITS; i++) files[`kernel/gad/p${i}.c`] = user(i, '');
  repo.commit('gad: base\n', { files });
  for (let i = 1; i <= COMMITS; i++) repo.commit(`gad: step ${i}\n`, { files: { [`kernel/gad/p${i}.c`]: user(i, `\n\tg->last = ${i};`) } });
  cache = mkdtempSync(join(tmpdir(), 'kreview-opnotes-'));
});

afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

describe('operator lines of a range on several threads', { timeout: 120_000 }, () => {
  it('are said once, as on one thread', () => {
    const run = (threads: number) => {
      const r = runCli(['review', '--repo', repo.dir, '--review-threads', String(threads), `HEAD~${COMMITS}..HEAD`, '--format', 'json'], { env: { ...process.env, KREVIEW_CACHE: join(cache, String(threads)) } });
      expect(r.code).toBe(0);
      return r.stderr.split('\n').filter((l) => l.includes('lock rule pattern'));
    };
    const one = run(1);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatch(/'wait_for_completion\*' .* matches wait_for_completion_done_flag\(\) at kernel\/gad\/helpers\.c:3/);
    // Two threads: each summarises kernel/gad (commits go to them in runs of four) and meets the helper.
    expect(run(2)).toEqual(one);
    expect(run(3)).toEqual(one);
  });
});
