// A lock rule pattern that reaches further than its rule means ("review the pattern") is said to
// whoever runs kreview, on stderr, once: not as a note of the commit that happened to meet the file
// first (on btrfs-progs, four such notes sat on two commits of 300).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { runCliAsync } from '../helpers/run-cli.js';

// A helper whose name fits a sleeping-call pattern (`wait_for_completion*`) but which only reads a
// flag, and a directory neighbour that changes under a spinlock in every commit.
const HELPERS = `#include <linux/completion.h>

bool wait_for_completion_done_flag(struct completion *x)
{
	return READ_ONCE(x->done) != 0;
}
`;
const poll = (n: number): string => `void gad_poll(struct gad *g)
{
	spin_lock(&g->lock);
${Array.from({ length: n }, (_, k) => `\tg->polls += ${k};\n`).join('')}	spin_unlock(&g->lock);
}
`;

let repo: TestRepo;
let base: string;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit('gad: add\n\nSigned-off-by: A <a@example.org>\n', { files: { 'kernel/gad/helpers.c': HELPERS, 'kernel/gad/poll.c': poll(1) } });
  for (let i = 2; i <= 4; i++) repo.commit(`gad: poll ${i}\n\nSigned-off-by: A <a@example.org>\n`, { files: { 'kernel/gad/poll.c': poll(i) } });
});

afterAll(() => repo.remove());

describe('rule-pattern overreach in a range review', { timeout: 120_000 }, () => {
  it('goes to stderr once, and into no commit of the JSON', async () => {
    const r = await runCliAsync(['review', '--repo', repo.dir, `${base}..HEAD`, '--format', 'json', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { series: { patches: { notes: string[] }[] }[] };
    const notes = report.series.flatMap((s) => s.patches.flatMap((p) => p.notes));
    expect(notes.filter((n) => n.includes('lock rule pattern'))).toEqual([]);
    const lines = r.stderr.split('\n').filter((l) => l.includes('lock rule pattern'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kreview: lock rule pattern 'wait_for_completion\*' \(sleep-in-atomic, checks\/rules\/atomic\.yml\) matches wait_for_completion_done_flag\(\) at kernel\/gad\/helpers\.c:3/);
  });
});
